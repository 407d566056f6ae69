// Saves the simulator state to a JSON file (debounced, atomic rename) and loads it on start.
import fs from "node:fs";
import path from "node:path";
import { describeZodIssues } from "./config";
import { StateSnapshotSchema, type StateSnapshot } from "./state";

export class StateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateFileError";
  }
}

export function loadStateFile(filePath: string): StateSnapshot | undefined {
  if (!fs.existsSync(filePath)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(filePath, "utf8"));
  } catch (error) {
    throw new StateFileError(
      `simulator state file ${filePath} is not valid JSON (${(error as Error).message}); delete it to start over`,
    );
  }
  const parsed = StateSnapshotSchema.safeParse(raw);
  if (!parsed.success)
    throw new StateFileError(
      `simulator state file ${filePath} has an unexpected shape (${describeZodIssues(parsed.error).slice(0, 3).join("; ")}); delete it to start over`,
    );
  return parsed.data;
}

export class StateFile {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly filePath: string,
    private readonly snapshot: () => StateSnapshot,
    private readonly debounceMs = 200,
  ) {}

  schedule() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, this.debounceMs);
    this.timer.unref();
  }

  flush() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.write();
  }

  private write() {
    fs.mkdirSync(path.dirname(this.filePath), { recursive: true });
    // Write beside the target and rename, so a crash never leaves a half-written file.
    const temporary = `${this.filePath}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(this.snapshot()));
    fs.renameSync(temporary, this.filePath);
  }
}
