import { describe, expect, it } from "vitest";
import { MAX_TICKET_LENGTH, ticketMatches, ticketPatternProblem } from "./ticket-pattern";

describe("ticketPatternProblem", () => {
  it.each([
    "^PAY-[0-9]+$",
    "^PAY-[0-9]{1,8}$",
    "^(PAY|OPS)-[0-9]+$",
    "^[|]$",
    "^A\\|B$",
    "^PAY-\\\\$",
    "^(?:[A-Z]{2,10})-\\d{1,8}$",
    "^[A-Z][A-Z0-9]+-[0-9]+$",
    "^INC[0-9]{7}$",
    "^(?<project>[A-Z]+)-\\d+$",
    "^CHG-\\d+(?:-[a-z])?$",
    "^[(+*]+$",
    "^\\(PAY\\)+$",
  ])("accepts %s", (pattern) => {
    expect(ticketPatternProblem(pattern)).toBeNull();
  });

  it.each([
    ["", "must not be empty"],
    ["[", "not a valid regular expression"],
    ["(unclosed", "not a valid regular expression"],
    ["a**", "not a valid regular expression"],
    ["x".repeat(201), "at most 200"],
    ["^(a+)+$", "backtrack catastrophically"],
    ["^(a*)*$", "backtrack catastrophically"],
    ["^(\\d+)*$", "backtrack catastrophically"],
    ["^(a|aa)+$", "backtrack catastrophically"],
    ["^(a|a)*$", "backtrack catastrophically"],
    ["^(.*a){12}$", "backtrack catastrophically"],
    ["^(a?){25}a{25}$", "backtrack catastrophically"],
    ["^(?:[A-Z]+-?)+$", "backtrack catastrophically"],
    ["^((ab)+c)*$", "backtrack catastrophically"],
    ["^(?<x>\\w+\\s?)+$", "backtrack catastrophically"],
    ["^(a)\\1$", "backreferences"],
    ["^(?<p>a)\\k<p>$", "backreferences"],
    ["^\\d*\\d*\\d*\\d*\\d*x$", "at most 4 repeating quantifiers"],
    ["PAY-\\d+", "must be anchored"],
    ["PAY-[0-9]+$", "must be anchored"],
    ["^PAY-[0-9]+", "must be anchored"],
    ["^PAY-[0-9]+\\$", "must be anchored"],
    ["^PAY-[0-9]+[$]", "must be anchored"],
    ["^PAY-\\d+|OPS-\\d+$", "top-level"],
    ["^PAY-\\d+$|^OPS-\\d+$", "top-level"],
    ["^(?:PAY)-\\d+|x$", "top-level"],
  ])("rejects %j", (pattern, reason) => {
    expect(ticketPatternProblem(pattern)).toContain(reason);
  });
});

describe("ticketMatches", () => {
  it.each([
    ["^PAY-[0-9]+$", "PAY-123", true],
    ["^PAY-[0-9]+$", "PAY-1; drop table", false],
    ["^PAY-[0-9]+$", "PAY-1\n", false],
    ["^PAY-[0-9]+$", "PAY-1\nrm -rf", false],
    ["^PAY-[0-9]+$", " PAY-1", false],
    ["^PAY-[0-9]+$", "pay-1", false],
    ["^PAY-[0-9]+$", "PAY-", false],
    ["^PAY-[0-9]+$", "PAY-١٢٣", false],
    ["^(?:PAY|OPS)-\\d+$", "OPS-7", true],
    ["^(?:PAY|OPS)-\\d+$", "PAY-1 OPS-7", false],
    ["^(?:PAY|OPS)-\\d+$", "OPS-7; drop", false],
    // Patterns refused at load never match, so a stored unanchored pattern fails closed.
    ["PAY-\\d+", "PAY-12", false],
    ["^PAY-\\d+|OPS-\\d+$", "PAY-1; drop", false],
  ])("%s against %j → %s", (pattern, ticket, expected) => {
    expect(ticketMatches(pattern, ticket)).toBe(expected);
  });

  it("never matches against an unsafe pattern, even if one reaches it", () => {
    expect(ticketMatches("^(a+)+$", "aaaa")).toBe(false);
  });

  it("refuses tickets longer than the cap before running any pattern", () => {
    expect(ticketMatches("^.*$", "A".repeat(MAX_TICKET_LENGTH))).toBe(true);
    expect(ticketMatches("^.*$", "A".repeat(MAX_TICKET_LENGTH + 1))).toBe(false);
  });

  it("accepted patterns stay fast on hostile input", () => {
    const hostile = "a".repeat(MAX_TICKET_LENGTH - 1) + "!";
    const started = performance.now();
    for (const pattern of [
      "^[a-z]+[a-z]+[a-z]+[a-z]+$",
      "^\\w*\\w*\\w*\\w*$",
      "^(?:a|b)?[a-z]{1,60}$",
      "^.*a.*a.*a.*a$",
    ]) {
      expect(ticketPatternProblem(pattern)).toBeNull();
      ticketMatches(pattern, hostile);
    }
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
