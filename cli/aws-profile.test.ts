import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultProfileName, planProfile, writeProfile, type SsoProfile } from "./aws-profile";

const profile: SsoProfile = {
  profileName: "jit-sandbox-alice-ReadOnly",
  sessionName: "jit",
  accountId: "650432198765",
  roleName: "ReadOnly",
  startUrl: "https://example-corp.awsapps.com/start",
  ssoRegion: "us-east-1",
};

const WRITTEN = `[profile jit-sandbox-alice-ReadOnly]
sso_session = jit
sso_account_id = 650432198765
sso_role_name = ReadOnly
region = us-east-1

[sso-session jit]
sso_start_url = https://example-corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`;

describe("planProfile", () => {
  it("writes a profile and its sso-session into an empty file", () => {
    expect(planProfile("", profile, false)).toEqual({
      kind: "write",
      text: WRITTEN,
      changed: ["profile jit-sandbox-alice-ReadOnly", "sso-session jit"],
    });
  });

  it("keeps every existing line and appends after them", () => {
    const existing = "[default]\nregion = eu-west-1\n# a comment\n\n\n";
    const plan = planProfile(existing, profile, false);
    expect(plan.kind === "write" && plan.text).toBe(`[default]\nregion = eu-west-1\n# a comment\n\n${WRITTEN}`);
  });

  it("is unchanged when both sections already say the same (spacing aside)", () => {
    const existing = WRITTEN.replace("sso_session = jit", "sso_session=jit").replace(
      "[sso-session jit]",
      "[ sso-session  jit ]",
    );
    expect(planProfile(existing, profile, false)).toEqual({ kind: "unchanged" });
  });

  it("adds only the profile when the sso-session exists with the same values", () => {
    const session = WRITTEN.slice(WRITTEN.indexOf("[sso-session"));
    const plan = planProfile(session, profile, false);
    expect(plan.kind === "write" && plan.changed).toEqual(["profile jit-sandbox-alice-ReadOnly"]);
  });

  it.each([
    ["another account", WRITTEN.replace("650432198765", "111111111111"), "profile jit-sandbox-alice-ReadOnly"],
    [
      "another role",
      WRITTEN.replace("sso_role_name = ReadOnly", "sso_role_name = Admin"),
      "profile jit-sandbox-alice-ReadOnly",
    ],
    [
      "a legacy profile without sso_session",
      "[profile jit-sandbox-alice-ReadOnly]\nsso_start_url = https://x\n",
      "profile jit-sandbox-alice-ReadOnly",
    ],
    ["another start URL for the session", WRITTEN.replace("example-corp", "other-corp"), "sso-session jit"],
  ])("refuses to clobber a profile with %s", (_why, existing, section) => {
    const plan = planProfile(existing, profile, false);
    expect(plan.kind).toBe("conflict");
    expect(plan.kind === "conflict" && plan.section).toBe(section);
  });

  it("with force rewrites only its own keys and keeps the section's other keys and the sections around it", () => {
    const existing = `[profile jit-sandbox-alice-ReadOnly]\nsso_account_id = 111111111111\noutput = json\n\n[profile other]\nregion = eu-west-1\n`;
    const plan = planProfile(existing, profile, true);
    expect(plan.kind === "write" && plan.text).toBe(
      `[profile jit-sandbox-alice-ReadOnly]\nsso_session = jit\nsso_account_id = 650432198765\nsso_role_name = ReadOnly\nregion = us-east-1\noutput = json\n\n[profile other]\nregion = eu-west-1\n\n[sso-session jit]\nsso_start_url = https://example-corp.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n`,
    );
  });
});

describe("defaultProfileName", () => {
  it.each([
    ["sandbox-alice", "ReadOnly", "jit-sandbox-alice-ReadOnly"],
    ["Payments Prod (EU)", "PowerUser", "jit-Payments-Prod-EU-PowerUser"],
  ])("%s + %s → %s", (account, role, name) => {
    expect(defaultProfileName(account, role)).toBe(name);
  });
});

describe("writeProfile", () => {
  it("writes AWS_CONFIG_FILE (created 0600), then leaves it alone when asked again", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jit-aws-"));
    try {
      const env = { AWS_CONFIG_FILE: path.join(dir, "aws", "config") };
      expect(writeProfile(env, profile, false).kind).toBe("write");
      expect(fs.readFileSync(env.AWS_CONFIG_FILE, "utf8")).toBe(WRITTEN);
      expect(fs.statSync(env.AWS_CONFIG_FILE).mode & 0o777).toBe(0o600);
      expect(writeProfile(env, profile, false).kind).toBe("unchanged");
      expect(writeProfile(env, { ...profile, roleName: "PowerUser" }, false).kind).toBe("conflict");
      expect(fs.readFileSync(env.AWS_CONFIG_FILE, "utf8")).toBe(WRITTEN);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
