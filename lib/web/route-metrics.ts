import { getMetrics } from "../metrics/registry";

/** Times an App Router route handler into jit_http_request_duration_seconds under its route pattern (never the raw URL). */
export function withRouteMetrics<Args extends unknown[]>(
  route: string,
  handler: (...args: Args) => Response | Promise<Response>,
): (...args: Args) => Promise<Response> {
  return async (...args) => {
    const method = args[0] instanceof Request ? args[0].method : "GET";
    const started = performance.now();
    let outcome = "error";
    try {
      const response = await handler(...args);
      outcome = String(response.status);
      return response;
    } finally {
      getMetrics().httpDuration.observe(
        { kind: "route", route, method, outcome },
        (performance.now() - started) / 1000,
      );
    }
  };
}

/** Times a server action by its verb; the outcome is "ok" or the refusal's error code. */
export async function timeAction<T extends { ok: boolean; code?: string }>(verb: string, run: () => Promise<T>) {
  const started = performance.now();
  let outcome = "error";
  try {
    const result = await run();
    outcome = result.ok ? "ok" : (result.code ?? "error");
    return result;
  } finally {
    getMetrics().httpDuration.observe(
      { kind: "action", route: verb, method: "POST", outcome },
      (performance.now() - started) / 1000,
    );
  }
}
