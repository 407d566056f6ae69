// How a raised alert is announced to the security channel: its heading and what to do, by the alert's kind. Every
// alert reaches security as the "removal.alert" event, so the heading must come from the kind, not the event.

export interface AlertPresentation {
  heading: string;
  explanation: string;
}

const PRESENTATIONS: Readonly<Record<string, AlertPresentation>> = {
  "removal-unverified": {
    heading: "A removal is not verified",
    explanation:
      "The portal could not verify that access was removed from AWS. Check the assignment until the alert is resolved.",
  },
  "drift-removal-unverified": {
    heading: "A removal of access granted outside the portal is not verified",
    explanation:
      "The portal could not verify that an assignment made outside it was removed from AWS. Check the assignment until the alert is resolved.",
  },
  "assignment-missing": {
    heading: "Access was removed outside the portal",
    explanation:
      "An assignment a portal grant holds is gone from AWS; the grant was marked failed. Find out who removed it.",
  },
  "session-revocation-failed": {
    heading: "Live AWS sessions may not be cut",
    explanation:
      "The portal could not confirm that the sessions of ended access were cut. They last until their session duration runs out unless you end them.",
  },
  "group-removal-unverified": {
    heading: "A group membership removal is not verified",
    explanation:
      "The portal could not verify that a temporary Identity Center group membership was removed. Check the group's members until the alert is resolved.",
  },
  "group-missing": {
    heading: "An Identity Center group the policy names is gone",
    explanation: "A membership could not be granted because the group no longer exists. Fix the group or the policy.",
  },
  "group-deleted-while-active": {
    heading: "An Identity Center group was deleted while a portal membership was active",
    explanation: "The membership ended with the group. Find out who deleted it and fix the group or the policy.",
  },
  "group-deleted": {
    heading: "An Identity Center group the portal manages was deleted",
    explanation: "Requests for it will fail until the group exists again or the policy stops naming it.",
  },
  "group-member-out-of-band": {
    heading: "A member was added to a portal-managed group outside the portal",
    explanation:
      "Someone is a member of a group the portal grants temporarily, without a portal grant. Review and remove the member if it is not intended (a SCIM sync may have added them).",
  },
  "group-membership-lost": {
    heading: "A portal group membership was removed outside the portal",
    explanation:
      "A membership a portal grant holds is gone from the group (a SCIM sync or an administrator removed it). The access ended early.",
  },
  "break-glass-used": {
    heading: "Emergency access was used (break-glass)",
    explanation: "Someone granted themself emergency access without approval. Review the use on the break-glass page.",
  },
  "break-glass-unreviewed": {
    heading: "An emergency access use is still not reviewed",
    explanation: "Review the use on the break-glass page: justified or not justified, with a comment.",
  },
  "policy.invalid": {
    heading: "The access policy file is invalid",
    explanation: "The new policy file was refused; the previous version stays in force until the file is fixed.",
  },
};

const FALLBACK: AlertPresentation = {
  heading: "A security alert was raised",
  explanation: "Open the admin page to see the alert and what it needs.",
};

/** Every alert kind with a heading of its own (a test checks each kind the services raise is here). */
export const PRESENTED_ALERT_KINDS: readonly string[] = Object.keys(PRESENTATIONS);

/** The heading and advice for an alert of this kind; an unknown or missing kind gets a neutral one, never a wrong one. */
export function alertPresentation(kind: unknown): AlertPresentation {
  return (typeof kind === "string" && Object.hasOwn(PRESENTATIONS, kind) && PRESENTATIONS[kind]) || FALLBACK;
}
