import { describe, expect, it } from "vitest";
import { measureCredentialReport, parseCredentialReport, type CredentialReportRow } from "./credential-report";

const HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";
const ROOT =
  "<root_account>,arn:aws:iam::210987654321:root,2021-09-14T00:00:00+00:00,not_supported,2024-05-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";
const CI =
  "ci-deployer,arn:aws:iam::210987654321:user/ci-deployer,2023-01-02T03:04:05+00:00,false,N/A,N/A,N/A,false,true,2024-01-01T00:00:00+00:00,2024-06-01T12:00:00+00:00,us-east-1,s3,false,2022-01-01T00:00:00+00:00,2022-02-01T00:00:00+00:00,us-east-1,ec2,false,N/A,false,N/A";

const report = (...lines: string[]) => [HEADER, ...lines].join("\n");
const problemOf = (csv: string) => {
  const parsed = parseCredentialReport(csv);
  return parsed.ok ? "ok" : parsed.problem;
};

describe("parseCredentialReport", () => {
  it("reads AWS's report: the root row, users, both key slots, N/A as no date", () => {
    const parsed = parseCredentialReport(report(ROOT, CI) + "\n");
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const [root, ci] = parsed.rows as [CredentialReportRow, CredentialReportRow];
    expect(root).toMatchObject({ user: "<root_account>", isRoot: true, passwordEnabled: false, mfaActive: true });
    expect(root.accessKeys.map((key) => key.active)).toEqual([false, false]);
    expect(ci).toMatchObject({ user: "ci-deployer", isRoot: false, passwordEnabled: false, passwordLastUsedAt: null });
    expect(ci.accessKeys[0]).toEqual({
      slot: 1,
      active: true,
      lastRotatedAt: new Date("2024-01-01T00:00:00Z"),
      lastUsedAt: new Date("2024-06-01T12:00:00Z"),
      lastUsedService: "s3",
    });
    expect(ci.accessKeys[1]).toMatchObject({ slot: 2, active: false, lastUsedService: "ec2" });
  });

  it.each([
    ["CRLF line ends and a byte-order mark", "\uFEFF" + [HEADER, ROOT, CI].join("\r\n")],
    ["columns in another order, and a column AWS added later", reorder()],
    ["only the required columns", onlyRequired()],
    [
      "a quoted user name holding a comma, a quote and a line break",
      report(ROOT, CI.replace("ci-deployer,", '"ci,""de\nployer",')),
    ],
    ["a quoted empty cell and a quoted N/A", report(ROOT, CI.replace(",N/A,N/A,N/A,false,", ',"","N/A",N/A,false,'))],
    [
      "fractional seconds and a non-UTC offset",
      report(ROOT, CI.replace("2024-01-01T00:00:00+00:00", "2024-01-01T02:00:00.123+02:00")),
    ],
    [
      "no_information and not_supported where a date would be",
      report(ROOT, CI.replace(",N/A,N/A,N/A,false,true,", ",no_information,not_supported,N/A,false,true,")),
    ],
  ])("accepts %s", (_label, csv) => {
    expect(problemOf(csv)).toBe("ok");
  });

  it.each([
    ["an empty report", "", "the report is empty"],
    ["blank lines only", "\n\n", "the report is empty"],
    ["no root row (root keys would count as zero)", report(CI), "the report has no <root_account> row"],
    [
      "a missing documented column",
      report(ROOT).replace("mfa_active,", "").replace(",true,false,N/A", ",false,N/A"),
      "the report has no mfa_active column",
    ],
    [
      "two missing columns named together",
      "user,arn\nx,y",
      "the report has no user_creation_time, password_enabled, mfa_active, access_key_1_active, access_key_1_last_rotated, access_key_1_last_used_date, access_key_2_active, access_key_2_last_rotated, access_key_2_last_used_date columns",
    ],
    [
      "a header cut off mid-way (a truncated download)",
      HEADER.slice(0, 60),
      "the report has no mfa_active, access_key_1_active, access_key_1_last_rotated, access_key_1_last_used_date, access_key_2_active, access_key_2_last_rotated, access_key_2_last_used_date columns",
    ],
    [
      "a duplicated column",
      HEADER.replace("cert_2_last_rotated", "mfa_active") + "\n" + ROOT,
      "the column mfa_active appears twice",
    ],
    [
      "a row with a missing field",
      report(ROOT, CI.slice(0, CI.lastIndexOf(","))),
      "line 3 has 21 fields where the header has 22",
    ],
    ["a row with an extra field", report(ROOT, CI + ",extra"), "line 3 has 23 fields where the header has 22"],
    [
      "a malformed date",
      report(ROOT, CI.replace("2024-01-01T00:00:00+00:00", "01/01/2024")),
      "line 3: access_key_1_last_rotated is not a date",
    ],
    [
      "an impossible date",
      report(ROOT, CI.replace("2024-06-01T12:00:00+00:00", "2024-02-30T12:00:00+00:00")),
      "line 3: access_key_1_last_used_date is not a date",
    ],
    [
      "an impossible hour",
      report(ROOT, CI.replace("2023-01-02T03:04:05+00:00", "2023-01-02T24:04:05+00:00")),
      "line 3: user_creation_time is not a date",
    ],
    [
      "a date without an offset",
      report(ROOT, CI.replace("2023-01-02T03:04:05+00:00", "2023-01-02T03:04:05")),
      "line 3: user_creation_time is not a date",
    ],
    [
      "a boolean that is neither",
      report(ROOT, CI.replace(",false,true,2024", ",no,true,2024")),
      "line 3: mfa_active is neither true nor false",
    ],
    [
      "an upper-case boolean",
      report(ROOT.replace(",true,false,N/A", ",TRUE,false,N/A")),
      "line 2: mfa_active is neither true nor false",
    ],
    [
      "an active key without a rotation date",
      report(ROOT, CI.replace("true,2024-01-01T00:00:00+00:00", "true,N/A")),
      "line 3: access key 1 is active but has no rotation date",
    ],
    ["the same user twice", report(ROOT, CI, CI), "line 4: the user ci-deployer appears twice"],
    ["two root rows", report(ROOT, ROOT), "line 3: the user <root_account> appears twice"],
    ["an empty user name", report(ROOT, CI.replace("ci-deployer,", ",")), "line 3: the user is empty"],
    [
      "an unclosed quote",
      report(ROOT, '"ci-deployer' + CI.slice("ci-deployer".length)),
      "line 3: a quoted field is never closed",
    ],
    [
      "text after a closing quote",
      report(ROOT, '"ci"x' + CI.slice("ci-deployer".length)),
      "line 3: text after a closing quote",
    ],
    [
      "a quote inside an unquoted field",
      report(ROOT, 'ci"x' + CI.slice("ci-deployer".length)),
      "line 3: a quote inside an unquoted field",
    ],
  ])("refuses %s", (_label, csv, problem) => {
    expect(problemOf(csv)).toBe(problem);
  });
});

function reorder(): string {
  const names = [...HEADER.split(","), "access_key_1_last_used_partition"];
  const rows = [ROOT, CI].map((line) => [...line.split(","), "aws"]);
  const order = names.map((_, index) => index).reverse();
  return [order.map((i) => names[i]).join(","), ...rows.map((row) => order.map((i) => row[i]).join(","))].join("\n");
}

function onlyRequired(): string {
  const names = HEADER.split(",");
  const keep = names
    .map((name, index) => [name, index] as const)
    .filter(([name]) => !/region|service|cert|password_(last|next)/.test(name));
  const pick = (line: string) => keep.map(([, index]) => line.split(",")[index]).join(",");
  return [keep.map(([name]) => name).join(","), pick(ROOT), pick(CI)].join("\n");
}

const NOW = new Date("2025-01-01T00:00:00Z");
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

function row(
  overrides: Partial<CredentialReportRow> & { keys?: [boolean, number | null, number | null][] },
): CredentialReportRow {
  const { keys = [], ...rest } = overrides;
  return {
    user: "someone",
    arn: "arn:aws:iam::210987654321:user/someone",
    isRoot: false,
    createdAt: daysAgo(1000),
    passwordEnabled: false,
    passwordLastUsedAt: null,
    mfaActive: false,
    accessKeys: keys.map(([active, rotated, used], index) => ({
      slot: (index + 1) as 1 | 2,
      active,
      lastRotatedAt: rotated === null ? null : daysAgo(rotated),
      lastUsedAt: used === null ? null : daysAgo(used),
      lastUsedService: null,
    })),
    ...rest,
  };
}

describe("measureCredentialReport", () => {
  it.each([
    ["a fresh key used today", [true, 10, 0], { activeAccessKeys: 1, oldKeys: 0, unusedKeys: 0 }],
    [
      "a key 91 days old used yesterday: old, not unused",
      [true, 91, 1],
      { activeAccessKeys: 1, oldKeys: 1, unusedKeys: 0 },
    ],
    ["a key exactly 90 days old is not yet old", [true, 90, 1], { activeAccessKeys: 1, oldKeys: 0, unusedKeys: 0 }],
    ["a key last used 120 days ago: unused", [true, 200, 120], { activeAccessKeys: 1, oldKeys: 1, unusedKeys: 1 }],
    [
      "a key never used, created 10 days ago: not yet unused",
      [true, 10, null],
      { activeAccessKeys: 1, oldKeys: 0, unusedKeys: 0 },
    ],
    [
      "a key never used, created 100 days ago: unused",
      [true, 100, null],
      { activeAccessKeys: 1, oldKeys: 1, unusedKeys: 1 },
    ],
    ["an inactive old key counts for nothing", [false, 900, 800], { activeAccessKeys: 0, oldKeys: 0, unusedKeys: 0 }],
    [
      "a key dated in the future (clock skew) is age 0",
      [true, -2, -1],
      { activeAccessKeys: 1, oldKeys: 0, unusedKeys: 0 },
    ],
  ] as const)("%s", (_label, key, expected) => {
    expect(measureCredentialReport([row({ keys: [[...key]] })], { now: NOW })).toMatchObject(expected);
  });

  it("counts root keys and root without MFA, and console users without MFA only", () => {
    const measures = measureCredentialReport(
      [
        row({
          user: "<root_account>",
          isRoot: true,
          mfaActive: false,
          keys: [
            [true, 1400, 600],
            [false, 10, null],
          ],
        }),
        row({ user: "console-no-mfa", passwordEnabled: true, mfaActive: false }),
        row({ user: "console-mfa", passwordEnabled: true, mfaActive: true }),
        row({
          user: "keys-only",
          passwordEnabled: false,
          mfaActive: false,
          keys: [
            [true, 5, 1],
            [true, 95, 2],
          ],
        }),
      ],
      { now: NOW },
    );
    expect(measures).toMatchObject({
      iamUsers: 3,
      activeAccessKeys: 3,
      rootAccessKeys: 1,
      oldKeys: 2,
      unusedKeys: 1,
      usersWithoutMfa: 2,
      usersWithoutMfaNames: ["<root_account>", "console-no-mfa"],
    });
    expect(measures.keys.map((key) => [key.user, key.slot, key.ageDays])).toEqual([
      ["<root_account>", 1, 1400],
      ["keys-only", 1, 5],
      ["keys-only", 2, 95],
    ]);
  });

  it("honours other thresholds", () => {
    const measures = measureCredentialReport([row({ keys: [[true, 40, 35]] })], {
      now: NOW,
      oldKeyDays: 30,
      unusedKeyDays: 30,
    });
    expect(measures).toMatchObject({ oldKeys: 1, unusedKeys: 1 });
  });

  it("an account with no users and no keys measures zero, which only a read report can say", () => {
    const parsed = parseCredentialReport(report(ROOT));
    expect(parsed.ok && measureCredentialReport(parsed.rows, { now: NOW })).toMatchObject({
      iamUsers: 0,
      activeAccessKeys: 0,
      rootAccessKeys: 0,
      usersWithoutMfa: 0,
    });
  });
});
