import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { Card, DescriptionList } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { LocalTime } from "@/components/ui/local-time";
import { formatMinutes } from "@/components/format";
import { toUserError } from "@/lib/domain/errors";
import { getEnv } from "@/lib/env";
import { lookupDeviceAuthorization, type PendingDevice } from "@/lib/services/devices/decide-device-authorization";
import { withRefusalAudit } from "@/lib/services/refusals/with-refusal-audit";
import { deviceGuessLimiter } from "@/lib/web/api-route";
import { pageContext } from "../page-context";
import { DeviceDecisionForm } from "./device-forms";

type SearchParams = Record<string, string | string[] | undefined>;

export const metadata = { title: "Sign in a device" };

// The page `jit login` opens: confirm the code the terminal shows, see which device asks, approve or deny.
export default async function DevicePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const ctx = await pageContext();
  const raw = (await searchParams).code;
  const typed = (Array.isArray(raw) ? raw[0] : raw)?.slice(0, 64) ?? "";
  let pending: PendingDevice | null = null;
  let problem: string | null = null;
  if (typed) {
    try {
      pending = await withRefusalAudit("device.authorize", ctx, null, () =>
        lookupDeviceAuthorization({ ctx, input: { userCode: typed }, limiter: deviceGuessLimiter() }),
      );
    } catch (error) {
      problem = toUserError(error).message;
    }
  }
  const lifetime = formatMinutes(getEnv().API_TOKEN_TTL_MINUTES);
  return (
    <div className="max-w-2xl space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Sign in a device</h1>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          Confirm the code your terminal shows after <code>jit login</code>. Approve only a sign-in you started
          yourself.
        </p>
      </div>
      {pending ? (
        <Card title="Sign in this device?" testId="device-pending">
          <div className="space-y-4">
            <DescriptionList
              items={[
                { label: "Code", value: <span data-testid="device-code">{pending.userCode}</span> },
                { label: "Device", value: <span data-testid="device-name">{pending.deviceName}</span> },
                { label: "Code expires", value: <LocalTime iso={pending.expiresAt.toISOString()} /> },
              ]}
            />
            <p className="text-sm text-slate-700 dark:text-slate-300">
              Approving lets the <code>jit</code> command line on this device act as <strong>{ctx.actor.email}</strong>{" "}
              for {lifetime}: see your targets, request, cancel, release and extend access
              {ctx.actor.roles.some((r) => r === "APPROVER" || r === "ADMIN") ? ", approve and deny" : ""}, with your
              current roles. It holds no AWS credentials. You can sign it out at any time under{" "}
              <Link href="/devices" className="text-sky-700 underline dark:text-sky-300">
                Signed-in devices
              </Link>
              .
            </p>
            <DeviceDecisionForm userCode={pending.userCode} />
          </div>
        </Card>
      ) : (
        <Card title="Enter the code">
          <form method="get" action="/device" className="space-y-3" data-testid="device-code-form">
            {problem ? (
              <Alert tone="error" testId="device-problem">
                {problem}
              </Alert>
            ) : null}
            <label
              htmlFor="device-code-input"
              className="block text-sm font-semibold text-slate-800 dark:text-slate-200"
            >
              Code from the terminal
            </label>
            <input
              id="device-code-input"
              name="code"
              defaultValue={typed}
              autoComplete="off"
              autoCapitalize="characters"
              spellCheck={false}
              placeholder="BCDF-GHJK"
              maxLength={64}
              aria-invalid={Boolean(problem)}
              className={`${inputClass} w-full max-w-xs font-mono tracking-widest uppercase`}
            />
            <button type="submit" className={buttonClass()} data-testid="device-continue">
              Continue
            </button>
          </form>
        </Card>
      )}
    </div>
  );
}
