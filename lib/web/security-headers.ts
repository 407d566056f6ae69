// Pure builders for the browser-hardening headers and cookie settings, shared by proxy.ts, next.config.ts and Auth.js.

export interface HeaderPair {
  key: string;
  value: string;
}

export interface CspOptions {
  nonce: string;
  /** Next's dev server evaluates code (React refresh) and injects styles without a nonce. */
  dev: boolean;
  /** The IdP's origin: a sign-in form submitted before hydration is redirected there. */
  idpOrigin: string;
}

const SESSION_COOKIE = "authjs.session-token";

export const isHttps = (appUrl: string) => new URL(appUrl).protocol === "https:";

/** A fresh, unguessable nonce for one response (128 random bits). */
export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

export function contentSecurityPolicy({ nonce, dev, idpOrigin }: CspOptions): string {
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    ["script-src", "'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(dev ? ["'unsafe-eval'"] : [])],
    // A nonce makes browsers ignore 'unsafe-inline', so dev (styles injected by the bundler) gets no nonce here.
    ["style-src", "'self'", ...(dev ? ["'unsafe-inline'"] : [`'nonce-${nonce}'`])],
    // React renders style attributes (charts, progress bars); attributes cannot run script.
    ["style-src-attr", "'unsafe-inline'"],
    ["img-src", "'self'", "data:"],
    ["font-src", "'self'", "data:"],
    ["connect-src", "'self'"],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", "'self'", idpOrigin],
    ["frame-ancestors", "'none'"],
  ];
  return directives.map((d) => d.join(" ")).join("; ");
}

/** Headers every response carries, static files included (next.config.ts bakes these in at build time). */
export const BASE_SECURITY_HEADERS: readonly HeaderPair[] = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

/** Headers that depend on the runtime APP_URL, set by proxy.ts: HSTS only when the portal is served over https. */
export function transportSecurityHeaders(appUrl: string): HeaderPair[] {
  return isHttps(appUrl) ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }] : [];
}

/** Secure cookies follow APP_URL (never a forwarded protocol header); SECURE_COOKIES overrides it either way. */
export const secureCookiesFor = (appUrl: string, override?: boolean) => override ?? isHttps(appUrl);

/** The name Auth.js gives the session cookie: browsers accept a `__Secure-` cookie only when it is Secure. */
export const sessionCookieName = (secure: boolean) => (secure ? `__Secure-${SESSION_COOKIE}` : SESSION_COOKIE);

/** Origins Next accepts for server actions besides the request's own host: only the configured public host. */
export const serverActionOrigins = (appUrl: string) => [new URL(appUrl).host];

/** A state-changing request sent by a page on another origin; a missing Origin is left to Next (no browser omits it on POST). */
export function isForeignOriginMutation(method: string, origin: string | null, appUrl: string): boolean {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return false;
  if (origin === null) return false;
  return origin !== new URL(appUrl).origin;
}
