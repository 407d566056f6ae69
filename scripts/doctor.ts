// npm run doctor: checks every setting and dependency and prints one line each; exits non-zero on any failure.
import { processEnvironment } from "../lib/env";
import { runDoctor } from "../lib/doctor/run-doctor";

const report = await runDoctor(processEnvironment());
for (const line of report.lines) console.log(line);
process.exitCode = report.exitCode;
