// `npm run audit:verify`: walks the audit hash chain and reports it intact or names the first broken event.
import { verifyAuditChain } from "../lib/audit/verify-chain";
import { createPrismaClient } from "../lib/db";
import { requireDatabaseUrl } from "../lib/env";

async function main() {
  const db = createPrismaClient(requireDatabaseUrl());
  try {
    const started = Date.now();
    const report = await verifyAuditChain(db);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (report.intact) {
      console.log(`Audit chain intact: ${report.events} events verified in ${seconds} s.`);
      console.log(`Latest hash (seq ${report.lastSeq ?? "none"}): ${report.lastHash}`);
      console.log("Store this hash outside the database (see docs/audit-anchoring.md) so a rewrite of the whole table is detectable too.");
      return;
    }
    console.error(`Audit chain BROKEN after ${report.events} intact events: event seq ${report.problem.seq} (id ${report.problem.id}): ${report.problem.detail}.`);
    process.exitCode = 2;
  } finally {
    await db.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
