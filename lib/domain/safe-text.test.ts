import { describe, expect, it } from "vitest";
import { BIDI_CONTROL_MESSAGE, CONTROL_CHARACTER_MESSAGE, recordId, safeText, wholeMinutes } from "./safe-text";

const messages = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  result.success ? [] : result.error!.issues.map((i) => i.message);

describe("safeText", () => {
  it.each<[string, "line" | "multiline", string, string]>([
    ["plain text", "line", "Deploy hotfix INC-42", "Deploy hotfix INC-42"],
    ["trimmed", "line", "  spaced  ", "spaced"],
    ["right-to-left script without controls", "line", "שלום عالم", "שלום عالم"],
    ["emoji and accents", "line", "café ☕ déploiement", "café ☕ déploiement"],
    ["newline and tab in multi-line text", "multiline", "line one\n\tline two", "line one\n\tline two"],
    ["a browser's CRLF becomes LF", "multiline", "one\r\ntwo\rthree", "one\ntwo\nthree"],
  ])("accepts %s", (_label, kind, input, expected) => {
    expect(safeText(kind).parse(input)).toBe(expected);
  });

  it.each<[string, "line" | "multiline", string, string]>([
    ["a null byte", "line", "abc\u0000def", CONTROL_CHARACTER_MESSAGE],
    ["a null byte in multi-line text", "multiline", "abc\u0000def", CONTROL_CHARACTER_MESSAGE],
    ["a newline in a single-line field", "line", "one\ntwo", CONTROL_CHARACTER_MESSAGE],
    ["a tab in a single-line field", "line", "one\ttwo", CONTROL_CHARACTER_MESSAGE],
    ["a CR in a single-line field", "line", "one\rtwo", CONTROL_CHARACTER_MESSAGE],
    ["escape (terminal injection)", "multiline", "red \u001b[31m text", CONTROL_CHARACTER_MESSAGE],
    ["vertical tab", "multiline", "a\u000bb", CONTROL_CHARACTER_MESSAGE],
    ["form feed", "multiline", "a\u000cb", CONTROL_CHARACTER_MESSAGE],
    ["DEL", "multiline", "a\u007fb", CONTROL_CHARACTER_MESSAGE],
    ["a C1 control (NEL)", "multiline", "a\u0085b", CONTROL_CHARACTER_MESSAGE],
    ["left-to-right embedding U+202A", "line", "a\u202Ab", BIDI_CONTROL_MESSAGE],
    [
      "right-to-left override U+202E (spoofs what auditors read)",
      "multiline",
      "approved by \u202Eniamod\u202C",
      BIDI_CONTROL_MESSAGE,
    ],
    ["pop directional formatting U+202C", "line", "a\u202Cb", BIDI_CONTROL_MESSAGE],
    ["left-to-right isolate U+2066", "line", "a\u2066b", BIDI_CONTROL_MESSAGE],
    ["pop directional isolate U+2069", "multiline", "a\u2069b", BIDI_CONTROL_MESSAGE],
  ])("rejects %s", (_label, kind, input, message) => {
    expect(messages(safeText(kind).safeParse(input))).toContain(message);
  });

  it("keeps length checks chainable and reports them beside the character check", () => {
    const schema = safeText("multiline").min(10, "too short").max(20, "too long");
    expect(messages(schema.safeParse("  short  "))).toEqual(["too short"]);
    expect(messages(schema.safeParse("x".repeat(21)))).toEqual(["too long"]);
    expect(messages(schema.safeParse("\u0000"))).toEqual([CONTROL_CHARACTER_MESSAGE, "too short"]);
  });

  it.each([[42], [null], [undefined], [["a"]], [{ toString: () => "x" }]])("rejects a non-string %j", (input) => {
    expect(safeText().safeParse(input).success).toBe(false);
  });
});

describe("recordId", () => {
  it.each([["cmabc123xyz0001"], ["4f0c2b1e-6a0e-4c39-9d1b-2f1f0f3e9a10"]])("accepts %s", (id) => {
    expect(recordId().parse(id)).toBe(id);
  });
  it.each([[""], ["   "], ["a".repeat(65)], ["abc\u0000"], ["abc\u202E"], ["a\nb"]])("rejects %j", (id) => {
    expect(recordId().safeParse(id).success).toBe(false);
  });
});

describe("wholeMinutes", () => {
  it.each<[unknown, number]>([
    ["60", 60],
    [" 15 ", 15],
    ["007", 7],
    ["0", 0],
    [90, 90],
  ])("accepts %j as %i", (input, expected) => {
    expect(wholeMinutes().parse(input)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ["hex (z.coerce.number read 16)", "0x10"],
    ["exponent (z.coerce.number read 10)", "1e1"],
    ["binary", "0b11"],
    ["octal", "0o17"],
    ["a decimal point", "1.0"],
    ["a fraction", "1.5"],
    ["a sign", "+5"],
    ["negative", "-5"],
    ["empty", ""],
    ["blank", "   "],
    ["Infinity", "Infinity"],
    ["digits with a separator", "1_000"],
    ["non-ASCII digits", "٦٠"],
    ["too many digits", "12345678"],
    ["a null byte", "60\u0000"],
    ["a fractional number", 1.5],
    ["NaN", Number.NaN],
    ["a negative number", -1],
    ["an array", ["60"]],
    ["null", null],
    ["a boolean", true],
  ])("rejects %s", (_label, input) => {
    expect(messages(wholeMinutes("whole minutes please").safeParse(input))).toEqual(["whole minutes please"]);
  });
});
