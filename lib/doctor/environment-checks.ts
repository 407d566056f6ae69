import { EnvError, parseEnv, type Env } from "../env";
import { fail, pass, warn, type CheckResult } from "./check-result";

const CHECK = "environment";

/** Every invalid variable gets its own line; the parsed settings come back only when all are valid. */
export function checkEnvironment(source: Record<string, string | undefined>): {
  results: CheckResult[];
  env?: Env;
} {
  try {
    const env = parseEnv(source);
    const results = [pass(CHECK, `settings valid (NODE_ENV=${env.NODE_ENV}, APP_URL=${env.APP_URL})`)];
    if (!source.AUTH_SECRET)
      results.push(
        env.NODE_ENV === "production"
          ? fail(
              `${CHECK} AUTH_SECRET`,
              "not set: sessions would be signed with the public local demo secret",
              "set AUTH_SECRET (openssl rand -base64 32)",
            )
          : warn(
              `${CHECK} AUTH_SECRET`,
              "not set: the local demo secret is used (fine for development only)",
              "set AUTH_SECRET (openssl rand -base64 32) before exposing the portal",
            ),
      );
    if (env.usingSimulator)
      results.push(
        warn(
          `${CHECK} AWS_SIMULATOR_URL`,
          `set: AWS calls go to the local simulator at ${env.AWS_SIMULATOR_URL}, not to AWS`,
          "unset AWS_SIMULATOR_URL to use real AWS",
        ),
      );
    return { results, env };
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    return {
      results: error.problems.map((problem) => {
        const [variable = "environment", ...rest] = problem.split(": ");
        return fail(`${CHECK} ${variable}`, rest.join(": ") || problem, `correct ${variable} and run the doctor again`);
      }),
    };
  }
}
