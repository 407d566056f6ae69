// IAM identity-policy grammar checks (for PutInlinePolicyToPermissionSet) and a minimal evaluator for role sessions.

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

export type ParsedPolicy = { ok: true; statements: PolicyStatement[] } | { ok: false; problem: string };

/** Request context of one call made with role-session credentials; keys are matched case-insensitively. */
export interface RequestContext {
  action: string;
  resource: string;
  keys: Record<string, string | undefined>;
}

export type Decision =
  | { effect: "explicit-deny"; sid?: string }
  | { effect: "allow"; sid?: string }
  | { effect: "no-match" }
  /** A Deny whose condition uses an operator the simulator does not evaluate: fail closed and say which. */
  | { effect: "unsupported"; operator: string };

export const MAX_NON_WHITESPACE_BYTES = 10_240;

const VERSIONS = ["2012-10-17", "2008-10-17"];
const TOP_LEVEL_KEYS = new Set(["Version", "Id", "Statement"]);
const STATEMENT_KEYS = new Set(["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"]);
const ACTION_PATTERN = /^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$/;
const SID_PATTERN = /^[A-Za-z0-9]*$/;

const STRING_OPERATORS = ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"];
const LIKE_OPERATORS = ["StringLike", "StringNotLike"];
const DATE_OPERATORS = [
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
];
const NUMERIC_OPERATORS = [
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
];
// IAM accepts these; the evaluator below does not implement them and fails closed.
const OTHER_OPERATORS = [
  "Bool",
  "BinaryEquals",
  "IpAddress",
  "NotIpAddress",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
];
const BASE_OPERATORS = new Set([
  ...STRING_OPERATORS,
  ...LIKE_OPERATORS,
  ...DATE_OPERATORS,
  ...NUMERIC_OPERATORS,
  ...OTHER_OPERATORS,
]);

function isKnownOperator(name: string): boolean {
  if (name === "Null") return true;
  const withoutSet = name.replace(/^(ForAnyValue|ForAllValues):/, "");
  return BASE_OPERATORS.has(withoutSet.replace(/IfExists$/, ""));
}

/** UTF-8 bytes of everything but whitespace: the 10,240-byte limit AWS reports for permission set inline policies. */
export function nonWhitespaceBytes(text: string): number {
  return Buffer.byteLength(text.replace(/\s/g, ""), "utf8");
}

function stringList(value: unknown, field: string): string[] | string {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) return `${field} must not be empty.`;
  if (!items.every((item) => typeof item === "string")) return `${field} must be a string or an array of strings.`;
  return items as string[];
}

function parseCondition(value: unknown): Record<string, Record<string, string[]>> | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "Syntax errors in policy.";
  const condition: Record<string, Record<string, string[]>> = {};
  for (const [operator, block] of Object.entries(value as Record<string, unknown>)) {
    if (!isKnownOperator(operator)) return `Invalid Condition type : ${operator}.`;
    if (typeof block !== "object" || block === null || Array.isArray(block)) return "Syntax errors in policy.";
    condition[operator] = {};
    for (const [key, raw] of Object.entries(block as Record<string, unknown>)) {
      const values = (Array.isArray(raw) ? raw : [raw]).map((item) =>
        typeof item === "string" ? item : typeof item === "boolean" || typeof item === "number" ? String(item) : null,
      );
      if (values.length === 0 || values.some((item) => item === null)) return "Syntax errors in policy.";
      condition[operator][key] = values as string[];
    }
  }
  return condition;
}

function parseStatement(raw: unknown): PolicyStatement | string {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "Syntax errors in policy.";
  const source = raw as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (key === "Principal" || key === "NotPrincipal") return "Policy document should not specify a principal.";
    if (!STATEMENT_KEYS.has(key)) return "Syntax errors in policy.";
  }
  if (source.Effect === undefined) return "Missing required field Effect.";
  if (source.Effect !== "Allow" && source.Effect !== "Deny") return `Invalid effect: ${String(source.Effect)}.`;
  const statement: PolicyStatement = { Effect: source.Effect };
  if (source.Sid !== undefined) {
    if (typeof source.Sid !== "string" || !SID_PATTERN.test(source.Sid))
      return "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*.";
    statement.Sid = source.Sid;
  }
  if ((source.Action === undefined) === (source.NotAction === undefined))
    return source.Action === undefined ? "Policy statement must contain actions." : "Syntax errors in policy.";
  if ((source.Resource === undefined) === (source.NotResource === undefined))
    return source.Resource === undefined ? "Policy statement must contain resources." : "Syntax errors in policy.";
  for (const field of ["Action", "NotAction", "Resource", "NotResource"] as const) {
    if (source[field] === undefined) continue;
    const values = stringList(source[field], field);
    if (typeof values === "string") return values;
    if (field.endsWith("Action")) {
      const bad = values.find((action) => !ACTION_PATTERN.test(action));
      if (bad !== undefined) return `Action ${bad} is not in the service:action format.`;
    }
    statement[field] = values;
  }
  if (source.Condition !== undefined) {
    const condition = parseCondition(source.Condition);
    if (typeof condition === "string") return condition;
    statement.Condition = condition;
  }
  return statement;
}

/** Parses an identity-based policy document; problems are worded like IAM's MalformedPolicyDocument messages. */
export function parsePolicy(text: string): ParsedPolicy {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { ok: false, problem: "Syntax errors in policy." };
  }
  if (typeof document !== "object" || document === null || Array.isArray(document))
    return { ok: false, problem: "Syntax errors in policy." };
  const source = document as Record<string, unknown>;
  if (Object.keys(source).some((key) => !TOP_LEVEL_KEYS.has(key)))
    return { ok: false, problem: "Syntax errors in policy." };
  if (source.Version !== undefined && !VERSIONS.includes(source.Version as string))
    return { ok: false, problem: "The policy must contain a valid version string." };
  if (source.Statement === undefined) return { ok: false, problem: "Missing required field Statement." };
  const rawStatements = Array.isArray(source.Statement) ? source.Statement : [source.Statement];
  if (rawStatements.length === 0) return { ok: false, problem: "Syntax errors in policy." };
  const statements: PolicyStatement[] = [];
  const sids = new Set<string>();
  for (const raw of rawStatements) {
    const statement = parseStatement(raw);
    if (typeof statement === "string") return { ok: false, problem: statement };
    if (statement.Sid !== undefined && statement.Sid !== "") {
      if (sids.has(statement.Sid))
        return { ok: false, problem: "Statement IDs (SID) in a single policy must be unique." };
      sids.add(statement.Sid);
    }
    statements.push(statement);
  }
  return { ok: true, statements };
}

const escapeRegex = (text: string) => text.replace(/[.+^${}()|[\]\\]/g, "\\$&");

function globMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const regex = new RegExp(`^${escapeRegex(pattern).replace(/\*/g, ".*").replace(/\?/g, ".")}$`, ignoreCase ? "i" : "");
  return regex.test(value);
}

// Condition dates compare to the second (iam.cloudcopilot.io operator tables); epoch seconds are accepted too.
function wholeSeconds(value: string): number | undefined {
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

function compareDates(operator: string, request: number, policy: number): boolean {
  switch (operator) {
    case "DateEquals":
      return request === policy;
    case "DateNotEquals":
      return request !== policy;
    case "DateLessThan":
      return request < policy;
    case "DateLessThanEquals":
      return request <= policy;
    case "DateGreaterThan":
      return request > policy;
    default:
      return request >= policy;
  }
}

function compareNumbers(operator: string, request: number, policy: number): boolean {
  return compareDates(operator.replace("Numeric", "Date"), request, policy);
}

type ConditionResult = boolean | { unsupported: string };

function operatorMatches(operator: string, request: string, values: readonly string[]): ConditionResult {
  if (STRING_OPERATORS.includes(operator)) {
    const ignoreCase = operator.includes("IgnoreCase");
    const equal = values.some((value) =>
      ignoreCase ? value.toLowerCase() === request.toLowerCase() : value === request,
    );
    return operator.startsWith("StringNot") ? !equal : equal;
  }
  if (LIKE_OPERATORS.includes(operator)) {
    const like = values.some((value) => globMatches(value, request, false));
    return operator === "StringNotLike" ? !like : like;
  }
  if (DATE_OPERATORS.includes(operator)) {
    const requestSeconds = wholeSeconds(request);
    if (requestSeconds === undefined) return false;
    return values.some((value) => {
      const policySeconds = wholeSeconds(value);
      return policySeconds !== undefined && compareDates(operator, requestSeconds, policySeconds);
    });
  }
  if (NUMERIC_OPERATORS.includes(operator)) {
    const requestNumber = Number(request);
    return values.some((value) => compareNumbers(operator, requestNumber, Number(value)));
  }
  return { unsupported: operator };
}

function lookup(keys: RequestContext["keys"], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(keys)) if (value !== undefined && key.toLowerCase() === wanted) return value;
  return undefined;
}

// Every operator and every key must match (AND); a missing key is false except for IfExists and Null.
function conditionMatches(condition: PolicyStatement["Condition"], context: RequestContext): ConditionResult {
  for (const [rawOperator, block] of Object.entries(condition ?? {})) {
    if (rawOperator.includes(":")) return { unsupported: rawOperator };
    const ifExists = rawOperator.endsWith("IfExists");
    const operator = ifExists ? rawOperator.slice(0, -"IfExists".length) : rawOperator;
    for (const [key, values] of Object.entries(block)) {
      const request = lookup(context.keys, key);
      if (operator === "Null") {
        if (!values.includes(String(request === undefined))) return false;
        continue;
      }
      if (request === undefined) {
        if (ifExists) continue;
        return false;
      }
      const result = operatorMatches(operator, request, values);
      if (typeof result === "object") return result;
      if (!result) return false;
    }
  }
  return true;
}

function statementApplies(statement: PolicyStatement, context: RequestContext): ConditionResult {
  const actionHit = (patterns: string[]) => patterns.some((pattern) => globMatches(pattern, context.action, true));
  const resourceHit = (patterns: string[]) => patterns.some((pattern) => globMatches(pattern, context.resource, false));
  if (statement.Action && !actionHit(statement.Action)) return false;
  if (statement.NotAction && actionHit(statement.NotAction)) return false;
  if (statement.Resource && !resourceHit(statement.Resource)) return false;
  if (statement.NotResource && resourceHit(statement.NotResource)) return false;
  return conditionMatches(statement.Condition, context);
}

/** Explicit deny wins over any allow; an unsupported operator in a Deny fails closed, in an Allow it never matches. */
export function evaluatePolicy(statements: readonly PolicyStatement[], context: RequestContext): Decision {
  let allow: Decision = { effect: "no-match" };
  for (const statement of statements) {
    const applies = statementApplies(statement, context);
    if (typeof applies === "object") {
      if (statement.Effect === "Deny") return { effect: "unsupported", operator: applies.unsupported };
      continue;
    }
    if (!applies) continue;
    if (statement.Effect === "Deny") return { effect: "explicit-deny", sid: statement.Sid };
    if (allow.effect === "no-match") allow = { effect: "allow", sid: statement.Sid };
  }
  return allow;
}
