import { createLogger, setRootLogger } from "../log";

/** Points the process logger at memory until `restore()`; `entries()` are the parsed JSON lines, `text()` the raw output. */
export function captureLogs(secrets: readonly string[] = []) {
  const chunks: string[] = [];
  setRootLogger(createLogger({ level: "debug", secrets, destination: { write: (line) => chunks.push(line) } }));
  const text = () => chunks.join("");
  return {
    text,
    entries: () =>
      text()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => setRootLogger(undefined),
  };
}
