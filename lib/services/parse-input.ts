import type { z } from "zod";
import { AppError } from "../domain/errors";

/** Validates untrusted input against a schema; failures become field errors the form can show next to each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? "form");
    (fieldErrors[key] ??= []).push(issue.message);
  }
  throw new AppError("VALIDATION", "Some fields need attention.", { fieldErrors });
}
