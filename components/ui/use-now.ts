"use client";

import { useSyncExternalStore } from "react";

// One shared ticking clock for every countdown on the page; 0 on the server and during hydration.
let current = 0;
let timer: ReturnType<typeof setInterval> | undefined;
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (!timer) {
    current = Date.now();
    timer = setInterval(() => {
      current = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

function getSnapshot() {
  if (current === 0) current = Date.now();
  return current;
}

const getServerSnapshot = () => 0;

/** Milliseconds since the epoch, updated every second; 0 until the page is hydrated. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);
}
