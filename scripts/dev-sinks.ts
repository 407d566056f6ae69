// `tsx scripts/dev-sinks.ts [--smtp 2525] [--mailbox 4581] [--webhooks 4582] [--host 127.0.0.1]`: the local SMTP sink
// (with its mailbox page) and the webhook receiver for `npm run dev` and e2e; port 0 picks a free one.
import { pathToFileURL } from "node:url";
import { startMailSink } from "../lib/mail-sink";
import { startWebhookReceiver } from "../lib/webhook-receiver";
import { DEV_WEBHOOK_ENDPOINTS } from "../lib/webhook-receiver/dev-endpoints";

export const DEV_SINK_DEFAULTS = { smtp: 2525, mailbox: 4581, webhooks: 4582, host: "127.0.0.1" };
type Settings = typeof DEV_SINK_DEFAULTS;

class UsageError extends Error {}

export function parseDevSinkArgs(args: readonly string[]): Settings {
  const settings = { ...DEV_SINK_DEFAULTS };
  for (let index = 0; index < args.length; index += 2) {
    const flag = args[index]!;
    const value = args[index + 1];
    const key = flag.replace(/^--/, "") as keyof Settings;
    if (!flag.startsWith("--") || !(key in settings)) throw new UsageError(`unknown option ${flag}`);
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (key === "host") settings.host = value;
    else if (/^\d+$/.test(value) && Number(value) <= 65535) settings[key] = Number(value);
    else throw new UsageError(`${flag}: expected a port number 0-65535, got "${value}"`);
  }
  return settings;
}

async function main() {
  const settings = parseDevSinkArgs(process.argv.slice(2));
  const mail = await startMailSink({ smtpPort: settings.smtp, webPort: settings.mailbox, host: settings.host });
  const webhooks = await startWebhookReceiver({
    port: settings.webhooks,
    host: settings.host,
    endpoints: DEV_WEBHOOK_ENDPOINTS.map((endpoint) => ({ ...endpoint })),
  }).catch(async (error: unknown) => {
    await mail.close();
    throw error;
  });
  console.log(`[sinks] mailbox ${mail.webUrl}; webhook receiver ${webhooks.url}`);
  console.log(`SINKS READY ${mail.smtpUrl} ${mail.webUrl} ${webhooks.url}`);

  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[sinks] ${reason}: stopping`);
    void Promise.all([mail.close(), webhooks.close()]).then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  // A parent that dies without signalling us must not leave the ports taken.
  const parentPid = process.ppid;
  setInterval(() => {
    if (process.ppid !== parentPid) stop("parent process exited");
  }, 1000).unref();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) console.error(`[sinks] ${error.message}`);
    else if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      console.error(`[sinks] a port is already in use: ${(error as Error).message}`);
    else console.error("[sinks] failed to start:", error);
    process.exit(1);
  });
}
