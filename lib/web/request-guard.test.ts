import { describe, expect, it } from "vitest";
import {
  actionBodyIsReadable,
  BODY_LIMIT_BYTES,
  bodyExceedsLimit,
  jsonDepth,
  MAX_ARGUMENT_DEPTH,
} from "./request-guard";

function chunked(size: number, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(chunk, size - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n));
    },
  });
}

describe("bodyExceedsLimit", () => {
  const post = (init: { body?: BodyInit | null; headers?: Record<string, string> }) =>
    new Request("https://jit.example.com/approvals", { method: "POST", duplex: "half", ...init } as RequestInit);

  it.each<[string, string, boolean]>([
    ["exactly the limit", String(BODY_LIMIT_BYTES), false],
    ["one byte over", String(BODY_LIMIT_BYTES + 1), true],
    ["a small form", "512", false],
    ["a malformed length", "12abc", true],
  ])("declared length: %s", async (_label, length, expected) => {
    expect(
      await bodyExceedsLimit(
        new Request("https://jit.example.com/", { method: "POST", headers: { "content-length": length } }),
      ),
    ).toBe(expected);
  });

  it.each<[string, number, boolean]>([
    ["a chunked body under the limit", BODY_LIMIT_BYTES, false],
    ["a chunked body over the limit", BODY_LIMIT_BYTES + 1, true],
    ["a large chunked body is not read to the end", 50 * BODY_LIMIT_BYTES, true],
  ])("%s", async (_label, size, expected) => {
    expect(await bodyExceedsLimit(post({ body: chunked(size) }))).toBe(expected);
  });

  it("ignores bodiless methods", async () => {
    expect(
      await bodyExceedsLimit(
        new Request("https://jit.example.com/", { method: "GET", headers: { "content-length": "999999999" } }),
      ),
    ).toBe(false);
  });
});

describe("jsonDepth", () => {
  it.each<[string, number]>([
    ["[]", 1],
    ['[null,"$K1"]', 1],
    ['[{"a":[1]}]', 3],
    ['["[[[[", "]"]', 1],
    ['["a\\"[[[["]', 1],
    ["[".repeat(20_000) + "]".repeat(20_000), 20_000],
  ])("%s", (text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });
});

describe("actionBodyIsReadable", () => {
  const encode = (text: string) => new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;
  async function multipart(fields: Record<string, string>) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    const response = new Response(form);
    return { contentType: response.headers.get("content-type")!, body: new Uint8Array(await response.arrayBuffer()) };
  }

  it.each<[string, string, boolean]>([
    ["an argument list", '["$undefined",["requestId","x"]]', true],
    ["a bare string", '"hello"', false],
    ["an object", '{"a":1}', false],
    ["not JSON at all", "requestId=x", false],
    [
      "nesting past the bound",
      `["$undefined",${"[".repeat(MAX_ARGUMENT_DEPTH)}${"]".repeat(MAX_ARGUMENT_DEPTH)}]`,
      false,
    ],
    ["nesting at the bound", `${"[".repeat(MAX_ARGUMENT_DEPTH)}${"]".repeat(MAX_ARGUMENT_DEPTH)}`, true],
    ["a truncated list", "[", false],
    ["a reference to a part a text body cannot have", '["$Q1"]', false],
    ["a plain reference to a missing part", '["$1"]', false],
    ["values that name no part (bigint, date, form prefix, escaped $)", '["$n123","$D2026-01-01","$K1","$$1"]', true],
  ])("text body: %s", async (_label, text, expected) => {
    expect(await actionBodyIsReadable("text/plain;charset=UTF-8", encode(text))).toBe(expected);
  });

  it.each<[string, Record<string, string>, boolean]>([
    [
      "what a browser sends",
      { _1_requestId: "abc", _1_justification: "[[[[ brackets in text are fine", "0": '[null,"$K1"]' },
      true,
    ],
    ["no root field", { _1_requestId: "abc" }, false],
    ["a root that is a string", { "0": '"hello"' }, false],
    ["a deep root", { "0": `[${"[".repeat(1000)}${"]".repeat(1000)}]` }, false],
    ["a deep referenced part", { "0": '["$1"]', "1": `${"[".repeat(1000)}${"]".repeat(1000)}` }, false],
    ["a reference to a part that is missing", { "0": '["$1"]' }, false],
    ["a reference to a part that is present", { "0": '["$Q1"]', "1": '[["k","v"]]' }, true],
    ["a reference inside a part to a missing part", { "0": '["$1"]', "1": '["$@2"]' }, false],
    ["a numbered part that is not JSON", { "0": '["$1"]', "1": "{" }, false],
  ])("multipart: %s", async (_label, fields, expected) => {
    const { contentType, body } = await multipart(fields);
    expect(await actionBodyIsReadable(contentType, body)).toBe(expected);
  });

  it("a body Next would not read as multipart (its check is case-sensitive) is judged as text", async () => {
    const { contentType, body } = await multipart({ "0": '[null,"$K1"]' });
    expect(await actionBodyIsReadable(contentType.replace("multipart", "Multipart"), body)).toBe(false);
  });

  it("a multipart body that does not parse", async () => {
    expect(await actionBodyIsReadable("multipart/form-data; boundary=x", encode("garbage"))).toBe(false);
  });
});
