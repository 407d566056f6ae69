import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { Command, CommanderError, Option } from "commander";
import { z } from "zod";
import { Me, OneRequest, PortalApi, RequestList, SignedOut, Targets, type Fetch, type RequestView } from "./api";
import { defaultProfileName, isProfileName, writeProfile, type SsoProfile } from "./aws-profile";
import {
  configDir,
  deleteCredentials,
  readConfig,
  readCredentials,
  resolvePortal,
  writeCredentials,
  type CliEnv,
} from "./config";
import { deviceLogin } from "./device-login";
import { parseDuration, parseStart } from "./duration";
import { CliError, EXIT, EXIT_CODES_HELP, type ExitCode } from "./errors";
import { OPEN_STATUSES, formatRequest, formatRequestLine, formatRequestable, formatTime } from "./format";
import { Output, type Io } from "./output";
import { resolveGroups, resolveTarget } from "./targets";
import { waitStep } from "./wait";

export interface CliDeps {
  env: CliEnv;
  io: Io;
  fetch: Fetch;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  openBrowser: (url: string) => void;
  hostname: () => string;
}

export function defaultDeps(): CliDeps {
  return {
    env: process.env,
    io: { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) },
    fetch: globalThis.fetch,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    openBrowser,
    hostname: () => os.hostname(),
  };
}

// Best effort only: a machine without a browser or opener still signs in with the printed URL.
function openBrowser(url: string) {
  if (!process.stdout.isTTY) return;
  const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    const child = spawn(opener, [url], { detached: true, stdio: "ignore" });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // No opener installed.
  }
}

const WAIT_POLL_MS = 2000;
const VERSION = (
  JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

const usage = (message: string) => new CliError(EXIT.usage, message);

function parsed<T>(result: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!result.ok) throw usage(result.message);
  return result.value;
}

interface GlobalOptions {
  portal?: string;
  json?: boolean;
}

class Session {
  constructor(
    readonly deps: CliDeps,
    readonly out: Output,
    private readonly options: GlobalOptions,
  ) {}

  portal(): string {
    const portal = resolvePortal(this.options.portal, this.deps.env);
    if (!portal)
      throw usage(
        `Which portal? Pass --portal <url>, set JIT_PORTAL_URL, or write {"portal": "<url>"} to ${configDir(this.deps.env)}/config.json.`,
      );
    return portal;
  }

  /** The API client for the signed-in portal; a missing, foreign or expired token says "run jit login". */
  api(): PortalApi {
    const portal = this.portal();
    const credentials = readCredentials(this.deps.env);
    if (!credentials || credentials.portal !== portal)
      throw new CliError(EXIT.notSignedIn, `You are not signed in to ${portal}. Run jit login.`, "UNAUTHENTICATED");
    if (new Date(credentials.expiresAt).getTime() <= this.deps.now().getTime())
      throw new CliError(
        EXIT.notSignedIn,
        `Your sign-in to ${portal} expired at ${formatTime(credentials.expiresAt)}. Run jit login.`,
        "UNAUTHENTICATED",
      );
    return new PortalApi(portal, credentials.accessToken, this.deps.fetch);
  }
}

type Handler = (session: Session, ...args: never[]) => Promise<void>;

export async function runCli(argv: string[], deps: CliDeps): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok;
  let out = new Output(deps.io, argv.includes("--json"));

  const program = new Command("jit")
    .description("Request, approve and release just-in-time AWS access from the terminal.")
    .option("--portal <url>", "the portal's address (else JIT_PORTAL_URL, else the config file)")
    .option("--json", "print one JSON document on stdout, for scripts")
    .version(VERSION)
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeOut: deps.io.stdout, writeErr: deps.io.stderr })
    .addHelpText(
      "after",
      `${EXIT_CODES_HELP}

Files: the sign-in token is kept in ${"$XDG_CONFIG_HOME/jit/credentials.json"} (~/.config/jit by default; JIT_CONFIG_DIR
overrides), readable only by you. Optional settings in config.json next to it: portal, ssoStartUrl, ssoRegion.`,
    );

  const action =
    (handler: Handler) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const options = command.optsWithGlobals<GlobalOptions>();
      out = new Output(deps.io, options.json === true);
      try {
        await (handler as (session: Session, ...rest: unknown[]) => Promise<void>)(
          new Session(deps, out, options),
          ...args.slice(0, -1),
        );
      } catch (error) {
        exitCode = out.failure(error);
      }
    };

  program
    .command("login")
    .description("sign in through the portal in your browser (device code); keeps a short-lived token")
    .option("--device-name <name>", "how this machine is listed on the portal's Signed-in devices page")
    .option("--no-browser", "only print the address and code, do not open a browser")
    .action(action(login));

  program
    .command("logout")
    .description("end this machine's token at the portal and delete it here")
    .action(action(logout));
  program.command("whoami").description("who you are signed in as, and until when").action(action(whoami));
  program
    .command("targets")
    .description("what you may request: accounts, permission sets, Identity Center groups, limits")
    .action(action(targets));

  program
    .command("request")
    .description("ask for access to an account with a permission set, or for membership of an Identity Center group")
    .option("--account <name|id>", "account name or 12-digit id (with --permission-set)")
    .option("--permission-set <name>", "permission set name, such as ReadOnly")
    .option(
      "--group <name>",
      "instead of an account: join this Identity Center group for a while (repeatable)",
      (name: string, names: string[]) => [...names, name],
      [] as string[],
    )
    .option("--for <duration>", "how long, such as 1h, 30m or 1h30m (required)")
    .addOption(new Option("--duration <duration>", "same as --for").hideHelp())
    .requiredOption("--reason <text>", "why you need it (shown to approvers and in the audit log)")
    .option("--ticket <id>", "ticket reference, where the policy asks for one")
    .option("--start <time>", "start later: +2h, or a time with its zone such as 2026-12-05T14:00Z")
    .option("--wait", "wait until the assignment is verified in AWS, then print the next step")
    .option("--timeout <duration>", "with --wait: give up waiting after this long", "15m")
    .option("--write-profile", "write an sso-session profile for this access into ~/.aws/config (AWS_CONFIG_FILE)")
    .option("--profile <name>", "the profile name to print or write (default jit-<account>-<permission set>)")
    .option("--sso-start-url <url>", "your AWS access portal URL, for --write-profile (or ssoStartUrl in config.json)")
    .option(
      "--sso-region <region>",
      "the IAM Identity Center region, for --write-profile (or ssoRegion in config.json)",
    )
    .option("--force", "with --write-profile: replace a different profile of the same name")
    .action(action(request));

  program
    .command("status")
    .description("one request in detail, or your open requests")
    .argument("[id]", "request id")
    .option("--all", "list closed requests too")
    .action(action(status));

  program
    .command("cancel")
    .description("cancel a request that has not started")
    .argument("<id>")
    .action(action(cancel));
  program.command("release").description("end your access now").argument("<id>").action(action(release));

  program
    .command("extend")
    .description("ask for more time on active access")
    .argument("<id>")
    .requiredOption("--by <duration>", "how much longer, such as 30m")
    .option("--reason <text>", "why (shown to approvers)")
    .action(action(extend));

  program.command("approvals").description("requests waiting for your approval").action(action(approvals));

  program
    .command("approve")
    .description("approve a request routed to you")
    .argument("<id>")
    .option("--comment <text>", "a note for the requester and the audit log")
    .action(action(approve));

  program
    .command("deny")
    .description("deny a request routed to you")
    .argument("<id>")
    .addOption(new Option("--comment <text>", "why (required; shown to the requester)").makeOptionMandatory())
    .action(action(deny));

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return out.failure(error);
  }
  return exitCode;
}

async function login(session: Session, options: { deviceName?: string; browser: boolean }) {
  const { deps, out } = session;
  const portal = session.portal();
  const deviceName = (options.deviceName ?? deps.hostname()).trim().slice(0, 64) || "jit-cli";
  const token = await deviceLogin(portal, deviceName, {
    fetch: deps.fetch,
    sleep: deps.sleep,
    now: () => deps.now().getTime(),
    prompt: (code) => {
      out.info(`To sign in, open ${code.verification_uri} and enter the code ${code.user_code}`);
      out.info(`or open ${code.verification_uri_complete}`);
      out.info("Waiting for you to confirm in the browser…");
      if (options.browser) deps.openBrowser(code.verification_uri_complete);
    },
  });
  const credentials = { portal, accessToken: token.accessToken, expiresAt: token.expiresAt.toISOString(), deviceName };
  writeCredentials(deps.env, credentials);
  const me = await session.api().get("/me", Me);
  out.result(
    { portal, user: me, deviceName, expiresAt: credentials.expiresAt },
    `Signed in to ${portal} as ${me.email}, until ${formatTime(credentials.expiresAt)}.`,
  );
}

async function logout(session: Session) {
  const { deps, out } = session;
  const credentials = readCredentials(deps.env);
  if (!credentials) {
    out.result({ signedOut: false, revokedAtPortal: false, portal: null }, "You were not signed in.");
    return;
  }
  // End the token at the portal first; the local file goes whatever the portal answers.
  let revokedAtPortal = false;
  let problem: string | null = null;
  try {
    const api = new PortalApi(credentials.portal, credentials.accessToken, deps.fetch);
    await api.post("/device/sign-out", {}, SignedOut);
    revokedAtPortal = true;
  } catch (error) {
    if (error instanceof CliError && error.code === "UNAUTHENTICATED") revokedAtPortal = true;
    else problem = error instanceof Error ? error.message : String(error);
  }
  deleteCredentials(deps.env);
  out.result(
    { signedOut: true, revokedAtPortal, portal: credentials.portal },
    revokedAtPortal
      ? `Signed out of ${credentials.portal}: the token no longer works and is deleted from this machine.`
      : `The token is deleted from this machine, but the portal could not end it (${problem}). It stays valid until ${formatTime(credentials.expiresAt)} unless you sign this device out at ${credentials.portal}/devices.`,
  );
}

async function whoami(session: Session) {
  const api = session.api();
  const me = await api.get("/me", Me);
  const expiresAt = readCredentials(session.deps.env)?.expiresAt;
  session.out.result(
    { portal: api.portal, user: me, expiresAt },
    `${me.name ? `${me.name} <${me.email}>` : me.email} on ${api.portal}\nroles: ${me.roles.join(", ") || "none"}\nsigned in until ${formatTime(expiresAt)}`,
  );
}

async function targets(session: Session) {
  const listed = await session.api().get("/targets", Targets);
  session.out.result(
    listed,
    [formatRequestable(listed.targets, listed.groups), listed.message ?? ""].filter(Boolean).join("\n"),
  );
}

interface RequestOptions {
  account?: string;
  permissionSet?: string;
  group: string[];
  for?: string;
  duration?: string;
  reason: string;
  ticket?: string;
  start?: string;
  wait?: boolean;
  timeout: string;
  writeProfile?: boolean;
  profile?: string;
  ssoStartUrl?: string;
  ssoRegion?: string;
  force?: boolean;
}

/** What to ask for: one account and permission set, or Identity Center groups, never both. */
function requestKind(options: RequestOptions): "account" | "group" {
  const account = options.account !== undefined || options.permissionSet !== undefined;
  if (account && options.group.length > 0)
    throw usage("Ask for an account and permission set, or for Identity Center groups (--group), not both.");
  if (options.group.length > 0) return "group";
  if (options.account === undefined || options.permissionSet === undefined)
    throw usage("Say what you need: --account and --permission-set, or --group. Run jit targets to list them.");
  return "account";
}

async function request(session: Session, options: RequestOptions) {
  const { deps, out } = session;
  const kind = requestKind(options);
  const duration = options.for ?? options.duration;
  if (duration === undefined) throw usage("Say how long you need it with --for, such as --for 1h.");
  const durationMinutes = parsed(parseDuration(duration));
  const startsAt = options.start === undefined ? undefined : parsed(parseStart(options.start, deps.now()));
  const timeoutMinutes = parsed(parseDuration(options.timeout));
  if (options.profile !== undefined && !isProfileName(options.profile))
    throw usage(`"${options.profile}" cannot be an AWS profile name: use letters, digits, "-", "_" and ".".`);
  if (kind === "group" && (options.writeProfile || options.profile !== undefined))
    throw usage("A group membership has no AWS profile of its own: --write-profile and --profile are for accounts.");
  const sso = options.writeProfile ? ssoSettings(session, options) : null;

  const api = session.api();
  const requestable = await api.get("/targets", Targets);
  const target =
    kind === "account" ? parsed(resolveTarget(requestable.targets, options.account!, options.permissionSet!)) : null;
  const groups = kind === "group" ? parsed(resolveGroups(requestable.groups, options.group)) : [];
  const created = await api.post(
    "/requests",
    {
      ...(target
        ? { targets: [{ accountId: target.accountId, permissionSetArn: target.permissionSetArn }] }
        : { groups: groups.map((group) => group.name) }),
      durationMinutes,
      justification: options.reason,
      ...(options.ticket === undefined ? {} : { ticket: options.ticket }),
      ...(startsAt === undefined ? {} : { startsAt: startsAt.toISOString() }),
    },
    OneRequest,
  );
  let current = created.request;
  out.info(`Request ${current.id} is ${current.status}.${current.url ? ` ${current.url}` : ""}`);
  if (!options.wait) {
    out.result({ request: current }, formatRequest(current));
    return;
  }

  current = await waitUntilActive(session, api, current, timeoutMinutes);
  if (!target) {
    const names = groups.map((group) => `"${group.name}"`).join(", ");
    out.result(
      { request: current },
      `Membership of Identity Center group${groups.length > 1 ? "s" : ""} ${names} is active and verified until ${formatTime(current.endsAt)}.`,
    );
    return;
  }
  const profileName = options.profile ?? defaultProfileName(target.accountName, target.permissionSetName);
  const nextStep = `aws sso login --profile ${profileName}`;
  let profile: { name: string; file: string; written: boolean } | null = null;
  if (sso) {
    const plan = writeProfile(
      deps.env,
      { profileName, sessionName: "jit", accountId: target.accountId, roleName: target.permissionSetName, ...sso },
      options.force === true,
    );
    if (plan.kind === "conflict")
      throw usage(
        `Access is active, but ${plan.file} already has a different [${plan.section}] (${plan.differences.join("; ")}). Pass --force to replace it, or --profile to pick another name.`,
      );
    profile = { name: profileName, file: plan.file, written: plan.kind === "write" };
    out.info(
      plan.kind === "write"
        ? `Wrote [profile ${profileName}] to ${plan.file}.`
        : `${plan.file} already has [profile ${profileName}].`,
    );
  }
  out.result(
    { request: current, profile, nextStep },
    [
      `Access is active and verified until ${formatTime(current.endsAt)}.`,
      `Next: ${nextStep}`,
      ...(sso ? [] : ["(add --write-profile to write that profile into your AWS config)"]),
    ].join("\n"),
  );
}

function ssoSettings(session: Session, options: RequestOptions): Pick<SsoProfile, "startUrl" | "ssoRegion"> {
  const config = readConfig(session.deps.env);
  const startUrl = options.ssoStartUrl ?? config.ssoStartUrl;
  const ssoRegion = options.ssoRegion ?? config.ssoRegion;
  if (!startUrl || !ssoRegion)
    throw usage(
      `--write-profile needs your AWS access portal URL and its region: pass --sso-start-url and --sso-region, or set ssoStartUrl and ssoRegion in ${configDir(session.deps.env)}/config.json.`,
    );
  if (!z.url({ protocol: /^https?$/ }).safeParse(startUrl).success) throw usage(`"${startUrl}" is not a URL.`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(ssoRegion)) throw usage(`"${ssoRegion}" is not an AWS region such as us-east-1.`);
  return { startUrl, ssoRegion };
}

async function waitUntilActive(session: Session, api: PortalApi, first: RequestView, timeoutMinutes: number) {
  const { deps, out } = session;
  const deadline = deps.now().getTime() + timeoutMinutes * 60_000;
  let current = first;
  let shown = "";
  for (;;) {
    const step = waitStep(current, deps.now());
    if (step.kind === "active") return current;
    if (step.kind === "ended") throw new CliError(step.exitCode, step.message);
    if (step.progress !== shown) out.info(step.progress);
    shown = step.progress;
    if (deps.now().getTime() >= deadline)
      throw new CliError(
        EXIT.timedOut,
        `Still waiting after ${durationText(timeoutMinutes)}; the request stays open. Check it with jit status ${current.id}.`,
      );
    await deps.sleep(WAIT_POLL_MS);
    current = (await api.get(`/requests/${encodeURIComponent(current.id)}`, OneRequest)).request;
  }
}

const durationText = (minutes: number) => (minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`);

async function status(session: Session, id: string | undefined, flags: { all?: boolean }) {
  const api = session.api();
  if (id !== undefined) {
    const { request: view } = await api.get(`/requests/${encodeURIComponent(id)}`, OneRequest);
    session.out.result({ request: view }, formatRequest(view));
    return;
  }
  const { requests } = await api.get("/requests", RequestList);
  const shown = flags.all ? requests : requests.filter((view) => OPEN_STATUSES.has(view.status));
  session.out.result(
    { requests: shown },
    shown.length === 0 ? `You have no ${flags.all ? "" : "open "}requests.` : shown.map(formatRequestLine).join("\n"),
  );
}

async function changeRequest(
  session: Session,
  id: string,
  verb: string,
  body: unknown,
  done: (view: RequestView) => string,
) {
  const { request: view } = await session.api().post(`/requests/${encodeURIComponent(id)}/${verb}`, body, OneRequest);
  session.out.result({ request: view }, done(view));
}

const cancel = (session: Session, id: string) =>
  changeRequest(session, id, "cancel", {}, (view) => `Cancelled. Request ${view.id} is now ${view.status}.`);
const release = (session: Session, id: string) =>
  changeRequest(session, id, "release", {}, (view) =>
    view.status === "ACTIVE" || view.status === "APPROVED"
      ? `Released. The assignment is being removed; jit status ${view.id} says COMPLETED once AWS confirms it is gone.`
      : `Released. Request ${view.id} is now ${view.status}.`,
  );

async function extend(session: Session, id: string, flags: { by: string; reason?: string }) {
  const minutes = parsed(parseDuration(flags.by));
  const body = flags.reason === undefined ? { minutes } : { minutes, justification: flags.reason };
  await changeRequest(
    session,
    id,
    "extend",
    body,
    (view) => `Asked for ${durationText(minutes)} more. Request ${view.id} now ends at ${formatTime(view.endsAt)}.`,
  );
}

async function approvals(session: Session) {
  const { requests } = await session.api().get("/approvals", RequestList);
  session.out.result(
    { requests },
    requests.length === 0 ? "Nothing is waiting for your approval." : requests.map(formatRequest).join("\n\n"),
  );
}

const approve = (session: Session, id: string, flags: { comment?: string }) =>
  changeRequest(
    session,
    id,
    "approve",
    flags.comment === undefined ? {} : { comment: flags.comment },
    (view) => `Approved. Request ${view.id} is now ${view.status}.`,
  );
const deny = (session: Session, id: string, flags: { comment: string }) =>
  changeRequest(
    session,
    id,
    "deny",
    { comment: flags.comment },
    (view) => `Denied. Request ${view.id} is now ${view.status}.`,
  );
