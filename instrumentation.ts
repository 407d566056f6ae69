// Next.js calls register() once per server process before serving requests.
export async function register() {
  // The Edge runtime (proxy.ts) has no AsyncLocalStorage-based tracer; pages run on Node.
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startPageTiming } = await import("./lib/web/page-timing");
    startPageTiming();
  }
}
