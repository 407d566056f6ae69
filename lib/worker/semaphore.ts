/** Bounds concurrent work in this process (e.g. CreateAccountAssignment calls in flight). */
export function createSemaphore(limit: number) {
  let inUse = 0;
  const waiting: (() => void)[] = [];
  return {
    async acquire(): Promise<() => void> {
      if (inUse >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      inUse += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inUse -= 1;
        waiting.shift()?.();
      };
    },
    get inUse() {
      return inUse;
    },
  };
}
