import { describe, expect, it } from "vitest";
import { routeParams } from "./route-params";

describe("routeParams", () => {
  it.each([
    ["no context", undefined, {}],
    [
      "a route without a dynamic segment (Next resolves params to undefined)",
      { params: Promise.resolve(undefined) },
      {},
    ],
    ["an id", { params: Promise.resolve({ id: "req1" }) }, { id: "req1" }],
    ["a catch-all segment", { params: Promise.resolve({ rest: ["a", "b"] }) }, { rest: "a/b" }],
  ])("reads %s", async (_why, context, expected) => {
    expect(await routeParams(context)).toEqual(expected);
  });
});
