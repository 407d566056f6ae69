// Child processes of the local stack and the standalone check: output prefixed with their name, ready on a log line.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

/** Relays stdout/stderr line by line as `[name] line` (after `format`); `ready` resolves on the first line matching, rejects on an early exit. */
export function startLabelled(
  name: string,
  args: string[],
  options: Omit<SpawnOptions, "stdio">,
  readyPattern: RegExp,
  format: (line: string) => string = (line) => line,
): { child: ChildProcess; ready: Promise<void>; isReady: () => boolean } {
  const child = spawn(process.execPath, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let isReady = false;
  const ready = new Promise<void>((resolve, reject) => {
    const relay = (stream: NodeJS.ReadableStream, sink: NodeJS.WriteStream) => {
      let buffer = "";
      stream.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) {
          sink.write(`[${name}] ${format(line)}\n`);
          if (!isReady && readyPattern.test(line)) {
            isReady = true;
            resolve();
          }
        }
      });
    };
    relay(child.stdout!, process.stdout);
    relay(child.stderr!, process.stderr);
    child.on("exit", (code, signal) => {
      if (!isReady)
        reject(new Error(`${name} exited before it was ready (code ${code ?? signal}). See its output above.`));
    });
  });
  return { child, ready, isReady: () => isReady };
}

/** Polls until the URL answers 2xx. */
export async function waitForHttp(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}
