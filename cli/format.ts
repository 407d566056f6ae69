import { formatMinutes } from "../lib/domain/time-window";
import type { RequestView } from "./api";
import type { RequestableGroup, RequestableTarget } from "./targets";

export const OPEN_STATUSES = new Set(["PENDING", "APPROVED", "ACTIVE"]);

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "-";
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? "-" : `${time.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

const targetText = (target: RequestView["targets"][number]) =>
  `${target.accountName} (${target.accountId}) ${target.permissionSetName}`;

export function formatRequest(request: RequestView): string {
  const lines = [`Request ${request.id}: ${request.status}`];
  const requester = request.requester.email ?? request.requester.name;
  if (requester) lines.push(`  requested by ${requester}`);
  for (const target of request.targets)
    lines.push(`  ${targetText(target)}${target.grantStatus ? `, grant ${target.grantStatus}` : ""}`);
  for (const group of request.groups)
    lines.push(`  ${group.label}${group.grantStatus ? `, grant ${group.grantStatus}` : ""}`);
  lines.push(
    `  window: ${formatTime(request.startsAt)} to ${formatTime(request.endsAt)} (asked for ${formatMinutes(request.durationMinutes)})`,
  );
  lines.push(`  reason: ${request.justification}`);
  if (request.ticket) lines.push(`  ticket: ${request.ticket}`);
  if (request.requiredApprovals > 0) lines.push(`  approvals: ${request.approvals} of ${request.requiredApprovals}`);
  if (request.closeReason) lines.push(`  ${request.closeReason}`);
  lines.push(`  ${request.url}`);
  return lines.join("\n");
}

export function formatRequestLine(request: RequestView): string {
  const targets = [
    ...request.targets.map((target) => `${target.accountName}/${target.permissionSetName}`),
    ...request.groups.map((group) => `${group.name} (group)`),
  ].join(", ");
  return `${request.id}  ${request.status.padEnd(9)}  ${targets}  until ${formatTime(request.endsAt)}`;
}

/** Left-aligned columns with a header row. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** What `jit targets` prints: the account targets, then the Identity Center groups one may join. */
export function formatRequestable(targets: readonly RequestableTarget[], groups: readonly RequestableGroup[]): string {
  if (targets.length === 0 && groups.length === 0) return "You may not request anything at the moment.";
  return [targets.length > 0 ? formatTargets(targets) : "", groups.length > 0 ? formatGroups(groups) : ""]
    .filter(Boolean)
    .join("\n\n");
}

function formatGroups(groups: readonly RequestableGroup[]): string {
  return table(
    ["IDENTITY CENTER GROUP", "AT MOST", "APPROVAL", "TICKET"],
    groups.map((group) => [
      group.name,
      formatMinutes(group.maxDurationMinutes),
      group.approval === "auto" ? "automatic" : "required",
      group.ticketRequired ? (group.ticketHint ?? "required") : "-",
    ]),
  );
}

export function formatTargets(targets: readonly RequestableTarget[]): string {
  if (targets.length === 0) return "You may not request anything at the moment.";
  return table(
    ["ACCOUNT", "ID", "PERMISSION SET", "AT MOST", "APPROVAL", "TICKET"],
    targets.map((target) => [
      target.accountName,
      target.accountId,
      target.permissionSetName,
      formatMinutes(target.maxDurationMinutes),
      target.approval === "auto" ? "automatic" : "required",
      target.ticketRequired ? (target.ticketHint ?? "required") : "-",
    ]),
  );
}
