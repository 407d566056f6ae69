// `tsx scripts/slack-simulator.ts --port 4580 --bot-token … --signing-secret … --interactivity-url …`: the Slack simulator on its own.
import { parseArgs } from "node:util";
import { startSlackSimulator } from "../lib/slack-simulator";

// Dev-only defaults; the local stack passes the same values to the portal and to this script.
const DEFAULT_SLACK_SIMULATOR_ARGS = {
  port: "4580",
  host: "127.0.0.1",
  "bot-token": "xoxb-slack-simulator-token",
  "signing-secret": "slack-simulator-signing-secret",
};

class SettingError extends Error {}

function readArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string", default: DEFAULT_SLACK_SIMULATOR_ARGS.port },
      host: { type: "string", default: DEFAULT_SLACK_SIMULATOR_ARGS.host },
      "bot-token": { type: "string", default: DEFAULT_SLACK_SIMULATOR_ARGS["bot-token"] },
      "signing-secret": { type: "string", default: DEFAULT_SLACK_SIMULATOR_ARGS["signing-secret"] },
      "interactivity-url": { type: "string" },
      "no-rate-limits": { type: "boolean", default: false },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535)
    throw new SettingError(`--port: expected a port number 0-65535, got "${values.port}"`);
  if (values["interactivity-url"] !== undefined && !URL.canParse(values["interactivity-url"]))
    throw new SettingError(`--interactivity-url: not a URL: "${values["interactivity-url"]}"`);
  return {
    port,
    host: values.host,
    botToken: values["bot-token"],
    signingSecret: values["signing-secret"],
    interactivityUrl: values["interactivity-url"],
    rateLimits: { enabled: !values["no-rate-limits"] },
  };
}

async function main() {
  let settings;
  try {
    settings = readArgs(process.argv.slice(2));
  } catch (error) {
    throw new SettingError((error as Error).message);
  }
  const simulator = await startSlackSimulator(settings).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new SettingError(`--port: port ${settings.port} is already in use`);
    throw error;
  });
  console.log(
    `[slack-simulator] interactions to ${settings.interactivityUrl ?? "(none yet: POST /_control/config)"}; rate limits ${settings.rateLimits.enabled ? "on" : "off"}; dev page ${simulator.url}/`,
  );
  console.log(`SLACK SIMULATOR READY ${simulator.url}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[slack-simulator] ${signal}: stopping`);
    void simulator.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  // A parent that dies without signalling us must not leave the port taken.
  const parentPid = process.ppid;
  setInterval(() => {
    if (process.ppid !== parentPid) stop("parent process exited");
  }, 1000).unref();
}

main().catch((error: unknown) => {
  if (error instanceof SettingError) console.error(`[slack-simulator] invalid setting: ${error.message}`);
  else console.error("[slack-simulator] failed to start:", error);
  process.exit(1);
});
