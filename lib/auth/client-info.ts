// The client address as the nearest proxy reported it; truncated so a hostile header cannot bloat the audit log.
export function clientFromHeaders(h: Headers): { ip: string | null; userAgent: string | null } {
  const forwarded = h.get("x-forwarded-for")?.split(",")[0]?.trim() || h.get("x-real-ip")?.trim() || null;
  return { ip: forwarded ? forwarded.slice(0, 64) : null, userAgent: h.get("user-agent")?.slice(0, 256) ?? null };
}
