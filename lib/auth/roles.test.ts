import { describe, expect, it } from "vitest";
import { RoleMap } from "../env";
import { readGroupsClaim, rolesForGroups } from "./roles";

const map = RoleMap.parse(
  "engineering=REQUESTER,approvers=APPROVER,security-auditors=AUDITOR,portal-admins=ADMIN,portal-admins=APPROVER",
);

describe("readGroupsClaim", () => {
  it.each([
    [{ groups: ["a", "b", "a"] }, ["a", "b"]],
    [{ groups: "a" }, ["a"]],
    [{ groups: "" }, []],
    [{ groups: [1, null, "x", ""] }, ["x"]],
    [{ groups: { a: 1 } }, []],
    [{}, []],
  ])("reads %j as %j", (claims, expected) => {
    expect(readGroupsClaim(claims, "groups")).toEqual(expected);
  });
});

describe("rolesForGroups", () => {
  it("maps each group to its roles, in a stable order", () => {
    expect(rolesForGroups(["portal-admins", "engineering"], map)).toEqual(["REQUESTER", "APPROVER", "ADMIN"]);
  });
  it("gives no role to unmapped groups (deny by default)", () => {
    expect(rolesForGroups(["Engineering", "engineering ", "admins"], map)).toEqual([]);
  });
  it("does not treat inherited object keys as groups", () => {
    expect(rolesForGroups(["__proto__", "constructor", "toString"], map)).toEqual([]);
  });
});
