import { z } from "zod";

// The port never reads process.env: lib/env.ts validates the environment and the caller hands us this object.

const INSTANCE_ARN = /^arn:aws(-[a-z]{1,5}){0,3}:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/;
const IDENTITY_STORE_ID = /^(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export const AwsPortConfig = z
  .object({
    region: z.string().regex(REGION, "expected an AWS region such as us-east-1"),
    instanceArn: z.string().regex(INSTANCE_ARN, "expected arn:aws:sso:::instance/ssoins-<16 characters>"),
    identityStoreId: z.string().regex(IDENTITY_STORE_ID, "expected d-<10 hex> or a UUID"),
    /** Simulator URL. When set, fixed placeholder credentials are used instead of any AWS credentials. */
    endpoint: z.url({ protocol: /^https?$/, message: "expected an http(s) URL" }).optional(),
    /** Role in the Identity Center account to assume, with the SDK default credential chain as the source. */
    assumeRoleArn: z.string().regex(ROLE_ARN, "expected an IAM role ARN").optional(),
    assumeRoleSessionName: z
      .string()
      .regex(/^[\w+=,.@-]{2,64}$/, "expected 2-64 characters of [A-Za-z0-9_+=,.@-]")
      .default("jit-elevation-portal"),
    /** SDK attempts per call, first try included (the SDK default is 3). */
    maxAttempts: z.number().int().min(1).max(10).optional(),
    /** A hung connection must not pin a worker slot forever. */
    requestTimeoutMs: z.number().int().positive().default(20_000),
    connectionTimeoutMs: z.number().int().positive().default(5_000),
  })
  .refine((config) => !(config.endpoint && config.assumeRoleArn), {
    message: "endpoint (simulator) and assumeRoleArn cannot be combined: the simulator never sees real credentials",
    path: ["assumeRoleArn"],
  });
export type AwsPortConfig = z.infer<typeof AwsPortConfig>;
export type AwsPortConfigInput = z.input<typeof AwsPortConfig>;

/** Placeholder credentials for the simulator: not AWS keys, and never accepted by AWS. */
export const SIMULATOR_CREDENTIALS = Object.freeze({ accessKeyId: "simulator", secretAccessKey: "simulator" });

export function parseAwsPortConfig(input: AwsPortConfigInput): AwsPortConfig {
  const parsed = AwsPortConfig.safeParse(input);
  if (!parsed.success) throw new Error(`Invalid AWS port configuration:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
