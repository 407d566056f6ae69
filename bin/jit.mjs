#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (a runtime dependency), so `npm install -g .` and `npx jit` need no build step.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
