import { redirect } from "next/navigation";
import { signIn } from "@/lib/auth/auth";
import { getActor } from "@/lib/auth/actor";
import { getEnv } from "@/lib/env";
import { HOME_PATH, RETURN_PATH_PARAM, safeReturnPath } from "@/lib/domain/return-path";

const ERROR_MESSAGES: Record<string, string> = {
  AccessDenied:
    "Your identity provider account has no role in this portal. Ask an administrator to add you to a portal group.",
  Configuration: "Sign-in is misconfigured. An administrator has to check the OIDC settings.",
  Verification: "The sign-in link is no longer valid. Please try again.",
};

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ error?: string; callbackUrl?: string | string[] }>;
}) {
  const { error, callbackUrl } = await searchParams;
  const returnPath = safeReturnPath(callbackUrl) ?? HOME_PATH;
  if (await getActor()) redirect(returnPath);
  const env = getEnv();
  const message = error ? (ERROR_MESSAGES[error] ?? "Sign-in did not complete. Please try again.") : null;

  // The target travels as a form field, not a closure: the action is a public POST, so it checks the field again and takes any body.
  async function signInWithIdp(form: unknown) {
    "use server";
    const requested = form instanceof FormData ? form.get(RETURN_PATH_PARAM) : null;
    await signIn("oidc", { redirectTo: safeReturnPath(requested) ?? HOME_PATH });
  }

  return (
    <main className="mx-4 mt-24 max-w-md rounded-xl border border-slate-200 bg-white p-8 shadow-sm sm:mx-auto dark:border-slate-700 dark:bg-slate-900">
      <h1 className="text-2xl font-semibold">JIT Access Portal</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">
        Request time-boxed AWS access. Nobody holds standing admin rights.
      </p>
      {message ? (
        <p
          role="alert"
          className="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {message}
        </p>
      ) : null}
      <form action={signInWithIdp} className="mt-6">
        <input type="hidden" name={RETURN_PATH_PARAM} value={returnPath} />
        <button
          type="submit"
          className="w-full rounded-md bg-slate-900 px-4 py-2 font-semibold text-white hover:bg-slate-700 dark:bg-sky-300 dark:text-slate-950 dark:hover:bg-sky-200"
        >
          Sign in with {env.OIDC_PROVIDER_NAME}
        </button>
      </form>
    </main>
  );
}
