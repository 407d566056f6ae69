import { describe, expect, it } from "vitest";
import { AppError, isAppError, toUserError, UNKNOWN_ERROR_MESSAGE } from "./errors";

describe("AppError", () => {
  it("carries a code, a safe message, field errors and an internal detail", () => {
    const error = new AppError("VALIDATION", "Some fields need attention.", {
      fieldErrors: { ticket: ["Required."] },
      detail: "rule payments-prod",
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe("VALIDATION");
    expect(error.message).toBe("Some fields need attention.");
    expect(error.fieldErrors).toEqual({ ticket: ["Required."] });
    expect(error.detail).toBe("rule payments-prod");
    expect(error.name).toBe("AppError");
  });

  it("keeps the cause for logs", () => {
    const cause = new Error("socket hang up");
    expect(new AppError("UPSTREAM", "AWS did not answer.", { cause }).cause).toBe(cause);
  });

  it("drops empty field errors so forms do not render an empty block", () => {
    expect(new AppError("VALIDATION", "x", { fieldErrors: {} }).fieldErrors).toBeUndefined();
  });

  it("never serializes its detail by accident", () => {
    const json = JSON.stringify(
      new AppError("FORBIDDEN", "Your role does not allow this.", { detail: "user u1 lacks ADMIN; secret=hunter2" }),
    );
    expect(json).not.toContain("hunter2");
    expect(JSON.parse(json)).toEqual({ code: "FORBIDDEN", message: "Your role does not allow this." });
  });
});

describe("toUserError", () => {
  it("keeps a coded error's code, message and field errors, never its detail", () => {
    const safe = toUserError(
      new AppError("POLICY_DENIED", "Not allowed.", { fieldErrors: { targets: ["No rule."] }, detail: "internal" }),
    );
    expect(safe).toEqual({ code: "POLICY_DENIED", message: "Not allowed.", fieldErrors: { targets: ["No rule."] } });
    expect(JSON.stringify(safe)).not.toContain("internal");
  });

  it("returns a copy of field errors, not the error's own arrays", () => {
    const error = new AppError("VALIDATION", "x", { fieldErrors: { a: ["one"] } });
    toUserError(error).fieldErrors!.a!.push("tampered");
    expect(error.fieldErrors).toEqual({ a: ["one"] });
  });

  it.each([
    ["a plain Error with a secret", new Error("password authentication failed for user portal")],
    ["a TypeError", new TypeError("Cannot read properties of undefined (reading 'id')")],
    ["a Node error with a code", Object.assign(new Error("ENOENT: /etc/secret"), { code: "ENOENT" })],
    [
      "a Prisma-like error with a code",
      Object.assign(new Error("Unique constraint failed on email"), { code: "P2002" }),
    ],
    ["a plain object that looks coded", { code: "FORBIDDEN", message: "attacker-controlled text" }],
    ["an Error with a valid code property", Object.assign(new Error("leak"), { code: "NOT_FOUND" })],
    ["a string", "boom"],
    ["null", null],
    ["undefined", undefined],
    ["a number", 42],
  ])("hides %s behind the generic message", (_label, thrown) => {
    expect(toUserError(thrown)).toEqual({ code: "INTERNAL", message: UNKNOWN_ERROR_MESSAGE });
  });

  it("falls back to the generic message when a coded error has an empty one", () => {
    expect(toUserError(new AppError("CONFLICT", "   "))).toEqual({ code: "CONFLICT", message: UNKNOWN_ERROR_MESSAGE });
  });

  it("recognizes subclasses", () => {
    class RetryableUpstream extends AppError {}
    const error = new RetryableUpstream("UPSTREAM", "AWS is slow. Try again.");
    expect(isAppError(error)).toBe(true);
    expect(toUserError(error).code).toBe("UPSTREAM");
  });

  it("rejects a branded object whose code is not one of ours", () => {
    const forged = Object.assign(new AppError("FORBIDDEN", "x"), { code: "ROOT" });
    expect(toUserError(forged)).toEqual({ code: "INTERNAL", message: UNKNOWN_ERROR_MESSAGE });
  });
});
