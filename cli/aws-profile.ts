import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CliEnv } from "./config";

export interface SsoProfile {
  profileName: string;
  sessionName: string;
  accountId: string;
  roleName: string;
  startUrl: string;
  ssoRegion: string;
}

interface WantedSection {
  header: string;
  values: [key: string, value: string][];
}

export type ProfilePlan =
  | { kind: "unchanged" }
  | { kind: "write"; text: string; changed: string[] }
  | { kind: "conflict"; section: string; differences: string[] };

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** A profile name the AWS CLI accepts, made from the account and permission set names. */
export function defaultProfileName(accountName: string, roleName: string): string {
  const part = (text: string) => text.replace(/[^A-Za-z0-9_.]+/g, "-").replace(/^-+|-+$/g, "");
  return `jit-${part(accountName)}-${part(roleName)}`.slice(0, 128);
}

export const isProfileName = (name: string) => NAME.test(name);

function wantedSections(profile: SsoProfile): WantedSection[] {
  return [
    {
      header: `profile ${profile.profileName}`,
      values: [
        ["sso_session", profile.sessionName],
        ["sso_account_id", profile.accountId],
        ["sso_role_name", profile.roleName],
        ["region", profile.ssoRegion],
      ],
    },
    {
      header: `sso-session ${profile.sessionName}`,
      values: [
        ["sso_start_url", profile.startUrl],
        ["sso_region", profile.ssoRegion],
        ["sso_registration_scopes", "sso:account:access"],
      ],
    },
  ];
}

const HEADER = /^\s*\[\s*([^\]]+?)\s*\]\s*$/;
const ENTRY = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$/;

/** Where each section's lines start and end (end exclusive), by normalized header. */
function sectionRanges(lines: string[]): Map<string, { start: number; end: number }> {
  const ranges = new Map<string, { start: number; end: number }>();
  let current: { start: number; end: number } | null = null;
  lines.forEach((line, index) => {
    const header = HEADER.exec(line);
    if (!header) return;
    if (current) current.end = index;
    current = { start: index, end: lines.length };
    const name = header[1]!.replace(/\s+/g, " ");
    if (!ranges.has(name)) ranges.set(name, current);
  });
  return ranges;
}

/**
 * Adds the profile and its sso-session to an AWS config file's text. A section that exists with other values is a
 * conflict (never clobbered) unless `force`, which rewrites only the keys it owns and keeps the rest of the section.
 */
export function planProfile(existing: string, profile: SsoProfile, force: boolean): ProfilePlan {
  const lines = existing.replace(/\r\n/g, "\n").split("\n");
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
  const changed: string[] = [];
  const appended: string[] = [];
  const edits: { start: number; end: number; replacement: string[] }[] = [];
  const ranges = sectionRanges(lines);

  for (const section of wantedSections(profile)) {
    const range = ranges.get(section.header);
    if (!range) {
      appended.push("", `[${section.header}]`, ...section.values.map(([key, value]) => `${key} = ${value}`));
      changed.push(section.header);
      continue;
    }
    const body = lines.slice(range.start + 1, range.end);
    const current = new Map<string, string>();
    for (const line of body) {
      const entry = ENTRY.exec(line);
      if (entry) current.set(entry[1]!, entry[2]!);
    }
    const differences = section.values
      .filter(([key, value]) => current.get(key) !== value)
      .map(([key, value]) => `${key} is ${current.has(key) ? `"${current.get(key)}"` : "missing"}, not "${value}"`);
    if (differences.length === 0) continue;
    if (!force) return { kind: "conflict", section: section.header, differences };
    const owned = new Set(section.values.map(([key]) => key));
    const kept = body.filter((line) => !owned.has(ENTRY.exec(line)?.[1] ?? ""));
    while (kept.length > 0 && kept[kept.length - 1]!.trim() === "") kept.pop();
    const replacement = [
      lines[range.start]!,
      ...section.values.map(([key, value]) => `${key} = ${value}`),
      ...kept,
      ...(range.end < lines.length ? [""] : []),
    ];
    edits.push({ ...range, replacement });
    changed.push(section.header);
  }

  if (changed.length === 0) return { kind: "unchanged" };
  const result = [...lines];
  for (const edit of edits.sort((a, b) => b.start - a.start))
    result.splice(edit.start, edit.end - edit.start, ...edit.replacement);
  if (result.length === 0) appended.shift();
  return { kind: "write", text: `${[...result, ...appended].join("\n")}\n`, changed };
}

export function awsConfigPath(env: CliEnv): string {
  return env.AWS_CONFIG_FILE || path.join(env.HOME || os.homedir(), ".aws", "config");
}

/** Applies `planProfile` to the AWS config file (created with mode 0600 when missing). */
export function writeProfile(env: CliEnv, profile: SsoProfile, force: boolean): ProfilePlan & { file: string } {
  const file = awsConfigPath(env);
  let existing = "";
  try {
    existing = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const plan = planProfile(existing, profile, force);
  if (plan.kind === "write") {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, plan.text, { mode: 0o600 });
  }
  return { ...plan, file };
}
