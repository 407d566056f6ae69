import { createHash, randomBytes } from "node:crypto";
import { userCodeFromBytes } from "../../domain/device-sign-in";

// Codes and tokens are shown once and stored only as hashes: a database read never yields a usable secret.

export const API_TOKEN_PREFIX = "jit_";

export function sha256(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function newDeviceCode(): string {
  return randomBytes(32).toString("base64url");
}

export function newApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

export function newUserCode(): string {
  for (;;) {
    const code = userCodeFromBytes(randomBytes(16));
    if (code) return code;
  }
}
