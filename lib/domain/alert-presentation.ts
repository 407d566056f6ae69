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
  "policy.invalid": {
    heading: "The access policy file is invalid",
    explanation: "The new policy file was refused; the previous version stays in force until the file is fixed.",
  },
};

const FALLBACK: AlertPresentation = {
  heading: "A security alert was raised",
  explanation: "Open the admin page to see the alert and what it needs.",
};

/** The heading and advice for an alert of this kind; an unknown or missing kind gets a neutral one, never a wrong one. */
export function alertPresentation(kind: unknown): AlertPresentation {
  return (typeof kind === "string" && Object.hasOwn(PRESENTATIONS, kind) && PRESENTATIONS[kind]) || FALLBACK;
}
