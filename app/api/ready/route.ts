// GET /api/ready - readiness: the database answers and every migration is applied.
import { checkReadiness } from "@/lib/services/queries/readiness";

export const dynamic = "force-dynamic";

export async function GET() {
  const readiness = await checkReadiness();
  return Response.json(readiness, { status: readiness.ready ? 200 : 503 });
}
