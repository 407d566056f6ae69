// `npm run dev` output: the portal's JSON log lines made readable; other lines (Next's own) pass with secrets redacted.
import { prettyFactory } from "pino-pretty";
import { scrubText } from "../lib/log";

export function logLineFormatter(format: "pretty" | "json"): (line: string) => string {
  // Next's own lines (request log, errors) get the same text redaction as the portal's logger.
  if (format === "json") return (line) => scrubText(line);
  const pretty = prettyFactory({
    colorize: process.stdout.isTTY,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
    singleLine: true,
  });
  return (line) => {
    if (!line.startsWith("{")) return scrubText(line);
    try {
      return pretty(JSON.parse(line)).trimEnd();
    } catch {
      return line;
    }
  };
}
