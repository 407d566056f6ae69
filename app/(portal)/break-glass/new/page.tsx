import Link from "next/link";
import { PERMISSIONS } from "@/lib/services/authorize";
import { getBreakGlassFormOptions } from "@/lib/services/queries/break-glass";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { pageContext } from "../../page-context";
import { EmergencyForm } from "./emergency-form";

export default async function EmergencyAccessPage() {
  const ctx = await pageContext([...PERMISSIONS["breakglass.use"]]);
  const options = await getBreakGlassFormOptions({ ctx });
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Emergency access</h1>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          For an incident that cannot wait for an approval. Access is granted at once for a short window; every use is
          announced to security and reviewed afterwards.
        </p>
      </div>
      {options.length === 0 ? (
        <Alert tone="warning" title="Not available to you" testId="no-emergency-access">
          You are not on any emergency access list.{" "}
          <Link href="/requests/new" className="underline">
            Request access
          </Link>{" "}
          the usual way, or ask the on-call engineer.
        </Alert>
      ) : (
        <Card>
          <Alert tone="warning" title="Break-glass" testId="emergency-warning">
            Use this only during an incident. Your use is logged, announced to the security channel and reviewed.
          </Alert>
          <div className="mt-4">
            <EmergencyForm options={options} />
          </div>
        </Card>
      )}
    </div>
  );
}
