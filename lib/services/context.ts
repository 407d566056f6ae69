import type { PrismaClient } from "../db";
import type { Role } from "../generated/prisma/enums";

// Who is acting: every service verb receives one and authorizes against it first.
export type Actor =
  | {
      type: "user";
      userId: string;
      email: string;
      name: string | null;
      roles: Role[];
      groups: string[];
      identityStoreUserId: string | null;
      ip: string | null;
      userAgent: string | null;
    }
  | { type: "system"; job: string }
  | { type: "anonymous"; ip: string | null; userAgent: string | null };

export type UserActor = Extract<Actor, { type: "user" }>;

export interface ServiceContext {
  actor: Actor;
  db: PrismaClient;
  now: () => Date;
}

export function systemActor(job: string): Actor {
  return { type: "system", job };
}

export function actorLabel(actor: Actor): string {
  switch (actor.type) {
    case "user":
      return actor.email;
    case "system":
      return `system:${actor.job}`;
    case "anonymous":
      return "anonymous";
  }
}
