// `npm run audit:verify [-- --anchor "<seq> <hash>"]`: walks the audit hash chain and reports it intact or names the first
// broken event; with an anchor kept outside the database, also checks the log was not rewritten up to that event.
// Exit codes: 0 intact (and anchor matches), 2 chain broken, 3 anchor mismatch or missing, 1 could not run.
import { parseArgs } from "node:util";
import { compareAnchor, parseAnchor } from "../lib/audit/anchor";
import { verifyAuditChain } from "../lib/audit/verify-chain";
import { createPrismaClient } from "../lib/db";
import { requireDatabaseUrl } from "../lib/env";

async function main() {
  const { values } = parseArgs({ options: { anchor: { type: "string" } } });
  const anchor = values.anchor === undefined ? null : parseAnchor(values.anchor);
  if (values.anchor !== undefined && !anchor)
    throw new Error(
      `Could not read the anchor "${values.anchor}": give the sequence number and the 64-character hash, e.g. "1042 9f86d0…".`,
    );
  const db = createPrismaClient(requireDatabaseUrl());
  try {
    const started = Date.now();
    const report = await verifyAuditChain(db);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (!report.intact) {
      console.error(
        `Audit chain BROKEN after ${report.events} intact events: event seq ${report.problem.seq} (id ${report.problem.id}): ${report.problem.detail}.`,
      );
      process.exitCode = 2;
      return;
    }
    console.log(`Audit chain intact: ${report.events} events verified in ${seconds} s.`);
    if (anchor) {
      const check = await compareAnchor(db, anchor);
      if (check.status !== "match") {
        console.error(`Anchor at seq ${anchor.seq} does NOT match: ${check.detail}.`);
        process.exitCode = 3;
        return;
      }
      console.log(`Anchor at seq ${anchor.seq} matches: nothing up to it was rewritten.`);
    }
    console.log(`Latest hash (seq ${report.lastSeq ?? "none"}): ${report.lastHash}`);
    console.log(
      "Store this hash outside the database (see docs/audit-anchoring.md) so a rewrite of the whole table is detectable too.",
    );
  } finally {
    await db.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
