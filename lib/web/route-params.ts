export type RouteContext = { params: Promise<Record<string, string | string[]> | undefined> };

/** The route's params as plain strings; Next resolves them to undefined on a route without a dynamic segment. */
export async function routeParams(context?: RouteContext): Promise<Record<string, string>> {
  const raw = (context ? await context.params : undefined) ?? {};
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : v]));
}
