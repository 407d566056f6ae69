// Local OIDC identity provider for the demo and e2e tests: real authorization-code flow with PKCE, persona picker.
import http from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import Provider from "oidc-provider";
import { findPersona, PERSONAS } from "../lib/demo/personas";
import { getEnv, parseLocalStackSettings } from "../lib/env";

export interface DevIdpOptions {
  clientId: string;
  clientSecret: string;
  appUrl: string;
  /** 0 picks a free port; the issuer is then http://127.0.0.1:<port>. */
  port: number;
  /** Defaults to http://127.0.0.1:<port>. */
  issuer?: string;
}

export interface DevIdpHandle {
  issuer: string;
  server: http.Server;
  close(): Promise<void>;
}

function createProvider(issuerUrl: string, options: DevIdpOptions) {
  return new Provider(issuerUrl, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [`${options.appUrl}/api/auth/callback/oidc`],
        post_logout_redirect_uris: [`${options.appUrl}/signin`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    pkce: { required: () => true },
    // Put email, name and groups in the ID token so Auth.js sees them without a userinfo call.
    conformIdTokenClaims: false,
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    scopes: ["openid", "email", "profile", "groups"],
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    async findAccount(_ctx, sub) {
      const persona = findPersona(sub);
      if (!persona) return undefined;
      return {
        accountId: persona.key,
        async claims() {
          return {
            sub: persona.key,
            email: persona.email,
            email_verified: true,
            name: persona.name,
            groups: persona.groups,
          };
        },
      };
    },
  });
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid: string, error?: string) {
  const buttons = PERSONAS.map(
    (p) =>
      `<button name="persona" value="${p.key}" data-persona="${p.key}"><strong>${escapeHtml(p.name)}</strong><span>${escapeHtml(p.description)} · ${escapeHtml(p.groups.join(", "))}</span></button>`,
  ).join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>Local dev IdP</title>
<style>body{font-family:system-ui,sans-serif;background:#0f172a;color:#e2e8f0;display:grid;place-items:center;min-height:100vh;margin:0}
main{background:#1e293b;padding:2rem;border-radius:12px;width:28rem}h1{font-size:1.2rem;margin:0 0 .25rem}p{color:#94a3b8;margin:0 0 1rem}
button{display:flex;flex-direction:column;align-items:flex-start;width:100%;margin:.4rem 0;padding:.7rem 1rem;border:1px solid #334155;background:#0f172a;color:#e2e8f0;border-radius:8px;cursor:pointer;text-align:left}
button:hover{border-color:#38bdf8}span{color:#94a3b8;font-size:.85rem}.error{color:#fca5a5}</style></head>
<body><main><h1>Local dev IdP</h1><p>Development only. Choose a demo persona to sign in as.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">${buttons}</form></main></body></html>`;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) break;
  }
  return new URLSearchParams(body);
}

/** Starts the IdP on 127.0.0.1; in-process for tests (the doctor's), or as the dev-idp script below. */
export async function startDevIdp(options: DevIdpOptions): Promise<DevIdpHandle> {
  // The issuer names the port, so the provider exists only once the server listens.
  const ready: { provider?: Provider; oidcHandler?: ReturnType<Provider["callback"]> } = {};
  const server = http.createServer(async (req, res) => {
    const { provider, oidcHandler } = ready;
    if (!provider || !oidcHandler) return res.writeHead(503).end();
    const url = new URL(req.url ?? "/", provider.issuer);
    const match = url.pathname.match(/^\/interaction\/([\w-]+)(\/login)?$/);
    if (!match) return oidcHandler(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === "consent") {
        // Local demo: the portal is a first-party client, so consent is granted without a screen.
        const grant = new provider.Grant({
          accountId: details.session!.accountId,
          clientId: String(details.params.client_id),
        });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      }
      if (match[2] && req.method === "POST") {
        const persona = findPersona((await readForm(req)).get("persona") ?? "");
        if (!persona) {
          res.writeHead(400, { "content-type": "text/html; charset=utf-8" });
          return res.end(loginPage(details.uid, "Unknown persona."));
        }
        return provider.interactionFinished(
          req,
          res,
          { login: { accountId: persona.key } },
          { mergeWithLastSubmission: false },
        );
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(loginPage(details.uid));
    } catch {
      res.writeHead(400, { "content-type": "text/html; charset=utf-8" });
      res.end("<p>This sign-in attempt expired or is invalid. Go back to the portal and sign in again.</p>");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const issuer = options.issuer ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ready.provider = createProvider(issuer, options);
  ready.oidcHandler = ready.provider.callback();
  return {
    issuer,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main() {
  const env = getEnv();
  const settings = parseLocalStackSettings();
  const port = Number(new URL(env.OIDC_ISSUER).port || settings.IDP_PORT);
  try {
    const idp = await startDevIdp({
      clientId: env.OIDC_CLIENT_ID,
      clientSecret: env.OIDC_CLIENT_SECRET,
      appUrl: env.APP_URL,
      port,
      issuer: env.OIDC_ISSUER,
    });
    console.log(`IDP READY ${env.OIDC_ISSUER}`);
    for (const signal of ["SIGINT", "SIGTERM"] as const)
      process.on(signal, () => idp.server.close(() => process.exit(0)));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    console.error(
      code === "EADDRINUSE"
        ? `Dev IdP: port ${port} is already in use; set IDP_PORT (and OIDC_ISSUER) to a free port.`
        : `Dev IdP failed: ${(error as Error).message}`,
    );
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
