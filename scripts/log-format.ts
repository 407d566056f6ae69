// `npm run dev` output: the portal's JSON log lines made readable; anything else (Next's own lines) passes unchanged.
import { prettyFactory } from "pino-pretty";

export function logLineFormatter(format: "pretty" | "json"): (line: string) => string {
  if (format === "json") return (line) => line;
  const pretty = prettyFactory({
    colorize: process.stdout.isTTY,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
    singleLine: true,
  });
  return (line) => {
    if (!line.startsWith("{")) return line;
    try {
      return pretty(JSON.parse(line)).trimEnd();
    } catch {
      return line;
    }
  };
}
