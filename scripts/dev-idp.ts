// Local OIDC identity provider for the demo and e2e tests: real authorization-code flow with PKCE, persona picker.
import http from "node:http";
import { randomBytes } from "node:crypto";
import Provider from "oidc-provider";
import { findPersona, PERSONAS } from "../lib/demo/personas";
import { getEnv, parseLocalStackSettings } from "../lib/env";

const env = getEnv();
const settings = parseLocalStackSettings();
const issuer = new URL(env.OIDC_ISSUER);
const port = Number(issuer.port || settings.IDP_PORT);

const provider = new Provider(env.OIDC_ISSUER, {
  clients: [
    {
      client_id: env.OIDC_CLIENT_ID,
      client_secret: env.OIDC_CLIENT_SECRET,
      redirect_uris: [`${env.APP_URL}/api/auth/callback/oidc`],
      post_logout_redirect_uris: [`${env.APP_URL}/signin`],
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

const oidcHandler = provider.callback();

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", env.OIDC_ISSUER);
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

server.on("error", (error: NodeJS.ErrnoException) => {
  console.error(
    error.code === "EADDRINUSE"
      ? `Dev IdP: port ${port} is already in use; set IDP_PORT (and OIDC_ISSUER) to a free port.`
      : `Dev IdP failed: ${error.message}`,
  );
  process.exit(1);
});

server.listen(port, "127.0.0.1", () => console.log(`IDP READY ${env.OIDC_ISSUER}`));

for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.close(() => process.exit(0)));
