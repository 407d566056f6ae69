import { expect } from "vitest";
import { isAppError } from "../domain/errors";

/** Awaits a service call that must fail with the portal's own error code (not a raw exception). */
export async function expectCode(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isAppError(error), `expected AppError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}
