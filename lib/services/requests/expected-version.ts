import { AppError } from "../../domain/errors";
import { plainWholeNumber } from "../../domain/safe-text";

/** The request version the user saw; forms send it so a double submit or a concurrent change is refused instead of applied twice. */
export const ExpectedVersion = plainWholeNumber("This form is out of date. Reload the page and try again.").optional();

/** The compare-and-set found the request changed by someone else between read and write. */
export const requestChanged = () => new AppError("CONFLICT", "The request changed meanwhile. Reload and try again.");

/** Refuses a mutation of a request that changed since the caller read it (the compare-and-set in the verb catches the rest). */
export function assertExpectedVersion(expected: number | undefined, actual: number) {
  if (expected !== undefined && expected !== actual)
    throw new AppError("CONFLICT", "The request changed while you were looking at it. Reload and try again.");
}
