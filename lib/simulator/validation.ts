// Input validation against the service models' constraints, reported the way Coral services word it.
import { serializationError } from "./errors";

interface BaseShape {
  required?: boolean;
}
export interface StringShape extends BaseShape {
  type: "string";
  /** The model's pattern, shown verbatim in messages; matched against the whole value. */
  pattern?: string;
  regex?: RegExp;
  minLength?: number;
  maxLength?: number;
  enum?: readonly string[];
}
export interface IntegerShape extends BaseShape {
  type: "integer";
  min?: number;
  max?: number;
}
export interface BooleanShape extends BaseShape {
  type: "boolean";
}
export interface DocumentShape extends BaseShape {
  type: "document";
}
export interface ListShape extends BaseShape {
  type: "list";
  member: Shape;
  minLength?: number;
  maxLength?: number;
}
export interface StructureShape extends BaseShape {
  type: "structure";
  members: Record<string, Shape>;
  /** Exactly one member must be set. */
  union?: boolean;
}
export type Shape = StringShape | IntegerShape | BooleanShape | DocumentShape | ListShape | StructureShape;

export type ViolationKind =
  "required" | "pattern" | "length-min" | "length-max" | "range-min" | "range-max" | "enum" | "union";

export interface Violation {
  path: string;
  value: unknown;
  kind: ViolationKind;
  constraint: string;
}

export type Input = Record<string, unknown>;

// Java's String.matches() semantics: the whole value must match; \p{..} needs the unicode flag.
function compileWholeMatch(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, pattern.includes("\\p{") ? "u" : "");
}

export function string(options: Omit<StringShape, "type" | "regex"> = {}): StringShape {
  return {
    type: "string",
    ...options,
    regex: options.pattern === undefined ? undefined : compileWholeMatch(options.pattern),
  };
}
export const integer = (options: Omit<IntegerShape, "type"> = {}): IntegerShape => ({ type: "integer", ...options });
export const boolean = (options: Omit<BooleanShape, "type"> = {}): BooleanShape => ({ type: "boolean", ...options });
export const document = (options: Omit<DocumentShape, "type"> = {}): DocumentShape => ({
  type: "document",
  ...options,
});
export const list = (member: Shape, options: Omit<ListShape, "type" | "member"> = {}): ListShape => ({
  type: "list",
  member,
  ...options,
});
export const structure = (
  members: Record<string, Shape>,
  options: Omit<StructureShape, "type" | "members"> = {},
): StructureShape => ({
  type: "structure",
  members,
  ...options,
});
export const union = (
  members: Record<string, Shape>,
  options: Omit<StructureShape, "type" | "members" | "union"> = {},
): StructureShape => ({
  type: "structure",
  members,
  union: true,
  ...options,
});
export const required = <S extends Shape>(shape: S): S => ({ ...shape, required: true });

const lowerCamel = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

function jsonTokenName(value: unknown): string {
  if (Array.isArray(value)) return "START_ARRAY";
  if (typeof value === "object") return "START_OBJECT";
  if (typeof value === "string") return "VALUE_STRING";
  if (typeof value === "boolean") return "VALUE_BOOLEAN";
  return Number.isInteger(value) ? "VALUE_NUMBER_INT" : "VALUE_NUMBER_FLOAT";
}

function typeMismatch(value: unknown, expected: string): never {
  throw serializationError(`${jsonTokenName(value)} can not be converted to ${expected}`);
}

function checkValue(shape: Shape, value: unknown, path: string, violations: Violation[]): unknown {
  switch (shape.type) {
    case "string": {
      if (typeof value !== "string") typeMismatch(value, "a String");
      if (shape.minLength !== undefined && value.length < shape.minLength)
        violations.push({
          path,
          value,
          kind: "length-min",
          constraint: `Member must have length greater than or equal to ${shape.minLength}`,
        });
      else if (shape.maxLength !== undefined && value.length > shape.maxLength)
        violations.push({
          path,
          value,
          kind: "length-max",
          constraint: `Member must have length less than or equal to ${shape.maxLength}`,
        });
      // Coral reports every failed constraint of a member, not just the first.
      if (shape.enum && !shape.enum.includes(value))
        violations.push({
          path,
          value,
          kind: "enum",
          constraint: `Member must satisfy enum value set: [${shape.enum.join(", ")}]`,
        });
      if (shape.regex && !shape.regex.test(value))
        violations.push({
          path,
          value,
          kind: "pattern",
          constraint: `Member must satisfy regular expression pattern: ${shape.pattern}`,
        });
      return value;
    }
    case "integer": {
      if (typeof value !== "number" || !Number.isInteger(value)) typeMismatch(value, "an Integer");
      if (shape.min !== undefined && value < shape.min)
        violations.push({
          path,
          value,
          kind: "range-min",
          constraint: `Member must have value greater than or equal to ${shape.min}`,
        });
      else if (shape.max !== undefined && value > shape.max)
        violations.push({
          path,
          value,
          kind: "range-max",
          constraint: `Member must have value less than or equal to ${shape.max}`,
        });
      return value;
    }
    case "boolean":
      if (typeof value !== "boolean") typeMismatch(value, "a Boolean");
      return value;
    case "document":
      return value;
    case "list": {
      if (!Array.isArray(value)) typeMismatch(value, "a List");
      if (shape.minLength !== undefined && value.length < shape.minLength)
        violations.push({
          path,
          value,
          kind: "length-min",
          constraint: `Member must have length greater than or equal to ${shape.minLength}`,
        });
      else if (shape.maxLength !== undefined && value.length > shape.maxLength)
        violations.push({
          path,
          value,
          kind: "length-max",
          constraint: `Member must have length less than or equal to ${shape.maxLength}`,
        });
      return value.map((item, index) => {
        const itemPath = `${path}.${index + 1}.member`;
        if (item === null || item === undefined) {
          violations.push({ path: itemPath, value: null, kind: "required", constraint: "Member must not be null" });
          return item;
        }
        return checkValue(shape.member, item, itemPath, violations);
      });
    }
    case "structure":
      return checkStructure(shape, value, path, violations);
  }
}

function checkStructure(shape: StructureShape, value: unknown, path: string, violations: Violation[]): Input {
  if (typeof value !== "object" || value === null || Array.isArray(value)) typeMismatch(value, "a Structure");
  const source = value as Input;
  const result: Input = {};
  let membersSet = 0;
  for (const [name, memberShape] of Object.entries(shape.members)) {
    const memberPath = path ? `${path}.${lowerCamel(name)}` : lowerCamel(name);
    const memberValue = source[name];
    if (memberValue === undefined || memberValue === null) {
      if (memberShape.required)
        violations.push({ path: memberPath, value: null, kind: "required", constraint: "Member must not be null" });
      continue;
    }
    membersSet += 1;
    result[name] = checkValue(memberShape, memberValue, memberPath, violations);
  }
  if (shape.union && membersSet !== 1) {
    violations.push({
      path,
      value: source,
      kind: "union",
      constraint: `Member must have exactly one of [${Object.keys(shape.members).join(", ")}] set`,
    });
  }
  return result;
}

/** Returns the input restricted to modeled members (nulls dropped) plus every constraint violation. */
export function validateInput(shape: StructureShape, body: unknown): { input: Input; violations: Violation[] } {
  const violations: Violation[] = [];
  const input = checkStructure(shape, body, "", violations);
  return { input, violations };
}

function renderValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return `'${value.length > 256 ? `${value.slice(0, 256)}...` : value}'`;
  if (Array.isArray(value))
    return `'[${value.map((item) => (typeof item === "string" ? item : JSON.stringify(item))).join(", ")}]'`;
  if (typeof value === "object") return `'${JSON.stringify(value)}'`;
  return `'${String(value)}'`;
}

export function coralValidationMessage(violations: readonly Violation[]): string {
  const count = violations.length;
  const details = violations.map(
    (violation) =>
      `Value ${renderValue(violation.value)} at '${violation.path}' failed to satisfy constraint: ${violation.constraint}`,
  );
  return `${count} validation error${count === 1 ? "" : "s"} detected: ${details.join("; ")}`;
}

// Organizations reports the same failures as InvalidInputException with a Reason code.
export function organizationsReason(kind: ViolationKind): string {
  switch (kind) {
    case "required":
      return "INPUT_REQUIRED";
    case "pattern":
      return "INVALID_PATTERN";
    case "length-min":
      return "MIN_LENGTH_EXCEEDED";
    case "length-max":
      return "MAX_LENGTH_EXCEEDED";
    case "range-min":
      return "MIN_VALUE_EXCEEDED";
    case "range-max":
      return "MAX_VALUE_EXCEEDED";
    case "enum":
      return "INVALID_ENUM";
    case "union":
      return "INVALID_INPUT";
  }
}

// Model patterns shared by several operations (botocore service-2.json).
export const PATTERNS = {
  instanceArn: "arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}",
  permissionSetArn: "arn:aws(-[a-z]{1,5}){0,3}:sso:::permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16}",
  accountId: "\\d{12}",
  principalId: "([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}",
  requestId: "\\b[0-9a-f]{8}\\b-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-\\b[0-9a-f]{12}\\b",
  ssoAdminToken: "[-a-zA-Z0-9+=/_]*",
  identityStoreId: "d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
  identityStoreToken: "[-a-zA-Z0-9+=/:_]*",
  attributePath: "\\p{L}+:\\p{L}+:\\p{L}+(?:\\.\\p{L}+){0,3}|\\p{L}+(?:\\.\\p{L}+){0,2}",
  sessionDuration:
    "(-?)P(?=\\d|T\\d)(?:(\\d+)Y)?(?:(\\d+)M)?(?:(\\d+)([DW]))?(?:T(?:(\\d+)H)?(?:(\\d+)M)?(?:(\\d+(?:\\.\\d+)?)S)?)?",
  organizationsAccountId: "^\\d{12}$",
  organizationsParentId: "^(r-[0-9a-z]{4,32})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$",
  organizationsChildId: "^(\\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$",
  organizationsOuId: "^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$",
  organizationsToken: "[\\s\\S]*",
} as const;
