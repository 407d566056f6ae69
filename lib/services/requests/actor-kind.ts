import type { ActorKind } from "../../domain/request-lifecycle";
import type { UserActor } from "../context";

/** The lifecycle table's actor kind for someone deciding on or revoking another person's request. */
export function deciderKind(actor: UserActor): ActorKind {
  return actor.roles.includes("ADMIN") ? "admin" : "approver";
}
