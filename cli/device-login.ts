import type { z } from "zod";
import { DeviceCodeAnswer, DeviceTokenAnswer, DeviceTokenError } from "../lib/api/schemas";
import { send, type Fetch } from "./api";
import { CliError, EXIT } from "./errors";

export const CLIENT_ID = "jit-cli";
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

export type DeviceCode = z.infer<typeof DeviceCodeAnswer>;

export interface DeviceLoginDeps {
  fetch: Fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Shows the URL and code to the person at the terminal. */
  prompt: (code: DeviceCode) => void;
}

export interface GrantedToken {
  accessToken: string;
  expiresAt: Date;
}

async function postForm(deps: DeviceLoginDeps, url: string, fields: Record<string, string>) {
  return send(deps.fetch, url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
      "user-agent": "jit-cli",
    },
    body: new URLSearchParams(fields).toString(),
  });
}

async function jsonOf(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

/** RFC 8628: ask for a code, show it, poll at the portal's interval (5 s slower after each slow_down). */
export async function deviceLogin(portal: string, deviceName: string, deps: DeviceLoginDeps): Promise<GrantedToken> {
  const codeResponse = await postForm(deps, `${portal}/api/v1/device/code`, {
    client_id: CLIENT_ID,
    device_name: deviceName,
  });
  const code = DeviceCodeAnswer.safeParse(await jsonOf(codeResponse));
  if (!codeResponse.ok || !code.success)
    throw new CliError(EXIT.other, `The portal at ${portal} did not start a sign-in (HTTP ${codeResponse.status}).`);
  deps.prompt(code.data);

  let intervalMs = code.data.interval * 1000;
  const deadline = deps.now() + code.data.expires_in * 1000;
  while (deps.now() < deadline) {
    await deps.sleep(intervalMs);
    const response = await postForm(deps, `${portal}/api/v1/device/token`, {
      grant_type: DEVICE_GRANT,
      device_code: code.data.device_code,
      client_id: CLIENT_ID,
    });
    const body = await jsonOf(response);
    const granted = DeviceTokenAnswer.safeParse(body);
    if (response.ok && granted.success)
      return {
        accessToken: granted.data.access_token,
        expiresAt: new Date(deps.now() + granted.data.expires_in * 1000),
      };
    const refused = DeviceTokenError.pick({ error: true }).safeParse(body);
    const error = refused.success ? refused.data.error : `HTTP ${response.status}`;
    if (error === "authorization_pending") continue;
    if (error === "slow_down") {
      intervalMs += 5000;
      continue;
    }
    if (error === "access_denied") throw new CliError(EXIT.refused, "The sign-in was denied in the browser.");
    if (error === "expired_token") break;
    throw new CliError(EXIT.other, `The portal refused the sign-in (${error}). Run jit login again.`);
  }
  throw new CliError(EXIT.expired, "The sign-in code expired before it was confirmed. Run jit login again.");
}
