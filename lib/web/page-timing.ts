import { NodeTracerProvider, type ReadableSpan, type SpanProcessor } from "@opentelemetry/sdk-trace-node";
import { getMetrics } from "../metrics/registry";

// Next.js traces every request it serves (BaseServer.handleRequest, named after the route pattern once routed); this
// processor turns those spans into page timings in jit_http_request_duration_seconds. Nothing is exported anywhere.

const HANDLE_REQUEST = "BaseServer.handleRequest";

export function pageTimingFromSpan(span: Pick<ReadableSpan, "attributes" | "duration">) {
  const attributes = span.attributes;
  if (attributes["next.span_type"] !== HANDLE_REQUEST) return null;
  const route = attributes["next.route"];
  // Unrouted requests (static files, 404 probes) would make one series per URL: only named routes count.
  if (typeof route !== "string" || route === "") return null;
  // Route handlers and server actions are timed where they run (withRouteMetrics, timeAction).
  if (route.startsWith("/api/")) return null;
  const [seconds, nanos] = span.duration;
  const status = attributes["http.status_code"];
  return {
    labels: {
      kind: attributes["next.rsc"] ? "page-rsc" : "page",
      route,
      method: typeof attributes["http.method"] === "string" ? attributes["http.method"] : "GET",
      outcome: typeof status === "number" ? String(status) : "unknown",
    },
    seconds: seconds + nanos / 1e9,
  };
}

class PageTimingProcessor implements SpanProcessor {
  onStart() {}
  onEnd(span: ReadableSpan) {
    const timing = pageTimingFromSpan(span);
    if (timing) getMetrics().httpDuration.observe(timing.labels, timing.seconds);
  }
  forceFlush() {
    return Promise.resolve();
  }
  shutdown() {
    return Promise.resolve();
  }
}

let started = false;

/** Registers the tracer provider (with its AsyncLocalStorage context manager, which Next's root-span attributes need). */
export function startPageTiming() {
  if (started) return;
  started = true;
  new NodeTracerProvider({ spanProcessors: [new PageTimingProcessor()] }).register();
}
