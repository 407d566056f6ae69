import fs from "node:fs";
import path from "node:path";

// Test and CI tooling: proves docs/iam-policy.json grants every AWS action the portal's code calls.

/** IAM service prefix for each SDK client package the portal uses. */
export const IAM_PREFIX_BY_SDK_PACKAGE: Readonly<Record<string, string>> = {
  "@aws-sdk/client-sso-admin": "sso",
  "@aws-sdk/client-identitystore": "identitystore",
  "@aws-sdk/client-organizations": "organizations",
  "@aws-sdk/client-sts": "sts",
  "@aws-sdk/client-iam": "iam",
};

/** IAM prefixes the portal only ever calls inside member accounts, with the audit role's credentials (docs/audit-role.md). */
export const AUDIT_ROLE_PREFIXES: ReadonlySet<string> = new Set(["iam"]);

export const isAuditRoleCall = (call: SdkCallSite) =>
  call.iamAction !== null && AUDIT_ROLE_PREFIXES.has(call.iamAction.split(":")[0] ?? "");

export interface SdkCallSite {
  file: string;
  operation: string;
  kind: "command" | "paginator";
  /** null when the command or paginator was not imported from an SDK package we can map. */
  sdkPackage: string | null;
  /** e.g. "sso:CreateAccountAssignment"; null when unmapped. */
  iamAction: string | null;
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function iamActionFor(sdkPackage: string | null, operation: string): string | null {
  const prefix = sdkPackage ? IAM_PREFIX_BY_SDK_PACKAGE[sdkPackage] : undefined;
  return prefix ? `${prefix}:${operation}` : null;
}

/** Finds `new XxxCommand(` and `paginateXxx(` uses, resolving each through the file's imports (aliases and namespaces included). */
export function findSdkCalls(source: string, file = "<source>"): SdkCallSite[] {
  const code = stripComments(source);
  const namedImports = new Map<string, { imported: string; sdkPackage: string }>();
  const namespaceImports = new Map<string, string>();

  for (const match of code.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["'](@aws-sdk\/[^"']+)["']/g)) {
    const [, specifiers = "", sdkPackage = ""] = match;
    for (const raw of specifiers.split(",")) {
      const specifier = raw.trim();
      if (!specifier || specifier.startsWith("type ")) continue;
      const [imported = "", local = imported] = specifier.split(/\s+as\s+/).map((part) => part.trim());
      namedImports.set(local, { imported, sdkPackage });
    }
  }
  for (const match of code.matchAll(/import\s+\*\s+as\s+(\w+)\s+from\s*["'](@aws-sdk\/[^"']+)["']/g)) {
    namespaceImports.set(match[1] ?? "", match[2] ?? "");
  }

  const calls: SdkCallSite[] = [];
  const record = (kind: SdkCallSite["kind"], operation: string, sdkPackage: string | null) =>
    calls.push({ file, kind, operation, sdkPackage, iamAction: iamActionFor(sdkPackage, operation) });

  const seenLocals = new Set<string>();
  for (const [local, { imported, sdkPackage }] of namedImports) {
    const commandMatch = /^(\w+)Command$/.exec(imported);
    const paginatorMatch = /^paginate(\w+)$/.exec(imported);
    if (commandMatch?.[1] && new RegExp(`\\bnew\\s+${escapeRegExp(local)}\\s*\\(`).test(code)) {
      record("command", commandMatch[1], sdkPackage);
      seenLocals.add(local);
    } else if (paginatorMatch?.[1] && new RegExp(`(?<![.\\w])${escapeRegExp(local)}\\s*\\(`).test(code)) {
      record("paginator", paginatorMatch[1], sdkPackage);
      seenLocals.add(local);
    }
  }
  for (const match of code.matchAll(/\bnew\s+(?:(\w+)\.)?(\w+)Command\s*\(/g)) {
    const [, namespace, operation = ""] = match;
    if (namespace) record("command", operation, namespaceImports.get(namespace) ?? null);
    else if (!seenLocals.has(`${operation}Command`) && !namedImports.has(`${operation}Command`))
      record("command", operation, null);
  }
  for (const match of code.matchAll(/(?<![\w])(?:(\w+)\.)?paginate([A-Z]\w*)\s*\(/g)) {
    const [, namespace, operation = ""] = match;
    if (namespace) record("paginator", operation, namespaceImports.get(namespace) ?? null);
    else if (!namedImports.has(`paginate${operation}`) && !/function\s*$/.test(code.slice(0, match.index)))
      record("paginator", operation, null);
  }
  return calls;
}

export interface PortalSource {
  file: string;
  text: string;
}

/** TypeScript sources under `rootDir`, without tests, generated code and the simulator (which plays AWS, not calls it). */
// The doctor is left out: it also tries calls the policy need not grant (sts:GetCallerIdentity, sso:DescribeInstance)
// and copes with their refusal; lib/doctor/check-result.test.ts ties its read probes to the policy instead.
export function collectPortalSources(
  rootDir: string,
  excludedDirs: readonly string[] = ["simulator", "generated", "doctor"],
): PortalSource[] {
  const sources: PortalSource[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === "node_modules" || excludedDirs.includes(path.relative(rootDir, full))) continue;
        walk(full);
      } else if (
        /\.tsx?$/.test(entry.name) &&
        !/\.(test|spec)\.tsx?$/.test(entry.name) &&
        !entry.name.endsWith(".d.ts")
      ) {
        sources.push({ file: full, text: fs.readFileSync(full, "utf8") });
      }
    }
  };
  walk(rootDir);
  return sources;
}

export interface IamStatement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: unknown;
}

export interface IamPolicyDocument {
  Version?: string;
  Statement?: IamStatement | IamStatement[];
}

export const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export function statementsOf(policy: IamPolicyDocument): IamStatement[] {
  const statements = policy.Statement;
  return statements === undefined ? [] : Array.isArray(statements) ? statements : [statements];
}

/** IAM action matching: case-insensitive, with `*` and `?` wildcards. */
export function actionPatternMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split("")
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : escapeRegExp(c)))
      .join("")}$`,
    "i",
  );
  return regex.test(action);
}

/** True when some Allow statement names the action (resource scoping is reviewed by people, not here). */
export function policyAllowsAction(policy: IamPolicyDocument, action: string): boolean {
  const denied = statementsOf(policy).some(
    (s) =>
      s.Effect === "Deny" &&
      asList(s.Action).some((p) => actionPatternMatches(p, action)) &&
      asList(s.Resource).includes("*"),
  );
  if (denied) return false;
  return statementsOf(policy).some(
    (s) => s.Effect === "Allow" && asList(s.Action).some((pattern) => actionPatternMatches(pattern, action)),
  );
}

export interface PolicyCoverage {
  calls: SdkCallSite[];
  /** Actions the code needs that the policy does not allow, with where they are used. */
  missing: { action: string; files: string[] }[];
  /** Calls we could not map to an IAM action: a new SDK package, or a command built without an import we recognise. */
  unmapped: SdkCallSite[];
}

/** `which` picks the calls this policy is for (the portal's role, or the audit role in member accounts). */
export function checkPolicyCoverage(
  sources: readonly PortalSource[],
  policy: IamPolicyDocument,
  which: (call: SdkCallSite) => boolean = () => true,
): PolicyCoverage {
  const calls = sources.flatMap((source) => findSdkCalls(source.text, source.file)).filter(which);
  const filesByAction = new Map<string, Set<string>>();
  for (const call of calls) {
    if (!call.iamAction) continue;
    const files = filesByAction.get(call.iamAction) ?? new Set<string>();
    files.add(call.file);
    filesByAction.set(call.iamAction, files);
  }
  const missing = [...filesByAction]
    .filter(([action]) => !policyAllowsAction(policy, action))
    .map(([action, files]) => ({ action, files: [...files].sort() }))
    .sort((a, b) => a.action.localeCompare(b.action));
  return { calls, missing, unmapped: calls.filter((call) => !call.iamAction) };
}

/** Structural checks IAM itself would reject, plus the conventions of this repository. */
export function iamPolicyProblems(policy: IamPolicyDocument): string[] {
  const problems: string[] = [];
  if (policy.Version !== "2012-10-17")
    problems.push(`Version must be "2012-10-17", got ${JSON.stringify(policy.Version)}`);
  if (!Array.isArray(policy.Statement) || policy.Statement.length === 0)
    return [...problems, "Statement must be a non-empty array"];
  const sids = new Set<string>();
  for (const [index, statement] of policy.Statement.entries()) {
    const where = statement.Sid ? `statement ${statement.Sid}` : `statement #${index}`;
    if (!statement.Sid || !/^[A-Za-z0-9]+$/.test(statement.Sid)) problems.push(`${where}: Sid must be alphanumeric`);
    else if (sids.has(statement.Sid)) problems.push(`${where}: duplicate Sid`);
    else sids.add(statement.Sid);
    if (statement.Effect !== "Allow" && statement.Effect !== "Deny")
      problems.push(`${where}: Effect must be Allow or Deny`);
    if (statement.NotAction !== undefined || statement.NotResource !== undefined)
      problems.push(`${where}: NotAction/NotResource grant by exclusion; list actions and resources instead`);
    const actions = asList(statement.Action);
    if (actions.length === 0) problems.push(`${where}: Action must list at least one action`);
    for (const action of actions)
      if (!/^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) problems.push(`${where}: malformed action ${action}`);
    if (new Set(actions).size !== actions.length) problems.push(`${where}: duplicate actions`);
    const resources = asList(statement.Resource);
    if (resources.length === 0) problems.push(`${where}: Resource must list at least one ARN or "*"`);
    for (const resource of resources)
      if (resource !== "*" && !resource.startsWith("arn:")) problems.push(`${where}: malformed resource ${resource}`);
  }
  return problems;
}

/** Placeholders such as ${InstanceId} that must be replaced before the policy is used. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z]+)\}/g)].map((match) => match[1] ?? ""))].sort();
}
