// The ids the approval message's buttons and the denial modal carry; the renderer and the interaction handler share them.
export const APPROVE_ACTION_ID = "approval.approve";
export const DENY_ACTION_ID = "approval.deny";
export const OPEN_ACTION_ID = "approval.open";
export const EXTEND_ACTION_ID = "access.extend";
export const DENY_MODAL_CALLBACK_ID = "approval.deny_modal";
export const DENY_REASON_BLOCK_ID = "deny_reason";
export const DENY_REASON_ACTION_ID = "value";
