// Demo personas shared by the dev IdP, the Identity Center simulator seed and the e2e tests.
export type PersonaKey = "alice" | "erin" | "frank" | "bob" | "grace" | "carol" | "dave";

export interface Persona {
  key: PersonaKey;
  name: string;
  email: string;
  /** IdP groups, mapped to portal roles by IDP_ROLE_MAP and matched by policy rules. */
  groups: string[];
  /** What the persona is for in the demo. */
  description: string;
}

export const PERSONAS: readonly Persona[] = [
  {
    key: "alice",
    name: "Alice Engineer",
    email: "alice@example.com",
    groups: ["engineering", "team-payments"],
    description: "Engineer on the payments team",
  },
  {
    key: "erin",
    name: "Erin Engineer",
    email: "erin@example.com",
    // On call this week: the demo policy's break-glass rule names the on-call group.
    groups: ["engineering", "team-data", "on-call"],
    description: "Engineer on the data team, on call (may use emergency access)",
  },
  // An engineer who also approves: the self-approval refusal has a live persona to run against.
  {
    key: "frank",
    name: "Frank Lead",
    email: "frank@example.com",
    groups: ["engineering", "team-payments", "approvers", "team-payments-leads"],
    description: "Payments engineer and payments lead (requests and approves)",
  },
  {
    key: "bob",
    name: "Bob Approver",
    email: "bob@example.com",
    groups: ["approvers", "team-payments-leads"],
    description: "Approver (payments lead)",
  },
  // A second approver group, so a rule can need approvals from two distinct groups.
  {
    key: "grace",
    name: "Grace Security",
    email: "grace@example.com",
    groups: ["security-approvers"],
    description: "Security approver (second approval for payments admin)",
  },
  {
    key: "carol",
    name: "Carol Auditor",
    email: "carol@example.com",
    groups: ["security-auditors"],
    description: "Security auditor",
  },
  {
    key: "dave",
    name: "Dave Admin",
    email: "dave@example.com",
    groups: ["portal-admins", "approvers"],
    description: "Portal administrator (approves; requests like anyone)",
  },
];

export function findPersona(key: string): Persona | undefined {
  return PERSONAS.find((p) => p.key === key);
}
