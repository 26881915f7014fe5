import { resolve } from "node:path";
import { z } from "zod";
import { DEFAULT_TIERS, parseTierSpec, type TierTable } from "./domain/limits/tiers.ts";
import { parseDuration, parseDurationList } from "./infra/duration-list.ts";

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const booleanString = z
  .enum(["true", "false", "1", "0"])
  .transform((value) => value === "true" || value === "1");

/** A tier's limits as "300/min burst 30 connections 20" (docs/security.md). */
function tierSpec(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((value, context) => {
      try {
        return parseTierSpec(value);
      } catch (error) {
        context.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    });
}

/** Every setting CodePark reads from the environment. README's configuration table mirrors this. */
const configSchema = z
  .object({
    HOST: z.string().min(1).default("127.0.0.1"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATA_DIR: z.string().min(1).default("./data"),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    PGLITE_SHARED_BUFFERS: z
      .string()
      .regex(/^\d+(kB|MB|GB)$/, "must be a size such as 32MB")
      .default("32MB"),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
      .optional(),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "letters, digits and _ . : - only, at most 64")
      .default("codepark:"),
    PRESENCE_TTL_SECONDS: z.coerce.number().int().min(3).max(600).default(30),
    CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
    LOG_LEVEL: z.enum(logLevels).default("info"),
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    CORS_ORIGINS: z
      .string()
      .default("")
      .transform((value) =>
        value
          .split(",")
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.union([z.literal("*"), z.url()]))),
    PUBLIC_URL: z.url().optional(),
    JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    ENCRYPTION_KEY: z
      .string()
      .regex(/^[A-Za-z0-9+/_-]{43}=?$/, "must be 32 bytes, base64 or base64url encoded")
      .optional(),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
    REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(2 * 1024 * 1024),
    MAX_FILE_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(1024 * 1024),
    TRUST_PROXY: booleanString.default(false),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    RATE_LIMIT_ENABLED: booleanString.default(true),
    RATE_LIMIT_ANONYMOUS: tierSpec(DEFAULT_TIERS.anonymous),
    // GraphQL (docs/graphql.md): unset, introspection and GraphiQL follow NODE_ENV (off in production).
    GRAPHQL_INTROSPECTION: booleanString.optional(),
    GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(10),
    GRAPHQL_MAX_COST: z.coerce.number().int().min(10).max(10_000_000).default(20_000),
    GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(1000).default(30),
    GRAPHQL_MAX_BATCH: z.coerce.number().int().min(1).max(100).default(10),
    RATE_LIMIT_FREE: tierSpec(DEFAULT_TIERS.free),
    RATE_LIMIT_PRO: tierSpec(DEFAULT_TIERS.pro),
    RATE_LIMIT_ENTERPRISE: tierSpec(DEFAULT_TIERS.enterprise),
    RATE_LIMIT_API_KEY: tierSpec(DEFAULT_TIERS.api_key),
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(500).max(300_000).default(10_000),
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(500).max(3_600_000).default(60_000),
    HTTP_IDLE_TIMEOUT_MS: z.coerce.number().int().min(500).max(3_600_000).default(30_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(72_000),
    /** Unset: 128 when CodePark faces clients itself, off behind TRUST_PROXY (the peer is the proxy). */
    HTTP_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(0).max(1_000_000).optional(),
    COLLAB_MAX_DOCUMENT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(16 * 1024 * 1024),
    COLLAB_USER_LOADED_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .default(64 * 1024 * 1024),
    COLLAB_UNLOAD_GRACE_MS: z.coerce.number().int().min(0).default(5_000),
    COLLAB_COMPACT_EVERY: z.coerce.number().int().min(1).default(2_000),
    COLLAB_COMMIT_WINDOW_MS: z.coerce.number().int().min(0).max(50).default(0),
    COLLAB_JOURNAL_FLUSH_MS: z.coerce.number().int().min(0).max(60_000).default(30_000),
    COLLAB_CHECKPOINT_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(1_000)
      .default(5 * 60_000),
    JOBS_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
    JOBS_LEASE_MS: z.coerce
      .number()
      .int()
      .min(1_000)
      .default(5 * 60_000),
    JOBS_BACKOFF_BASE_MS: z.coerce.number().int().min(1).default(5_000),
    JOBS_BACKOFF_MAX_MS: z.coerce
      .number()
      .int()
      .min(1)
      .default(60 * 60_000),
    JOBS_CONCURRENCY: z
      .string()
      .default("")
      .transform((value, context) => {
        const entries = value
          .split(",")
          .map((item) => item.trim())
          .filter(Boolean)
          .map((item) => item.split("="));
        for (const entry of entries) {
          if (entry.length !== 2 || !/^[a-z]+$/.test(entry[0]!) || !/^[1-9]\d*$/.test(entry[1]!)) {
            context.addIssue({ code: "custom", message: "must look like webhooks=8,notifications=2" });
            return z.NEVER;
          }
        }
        return Object.fromEntries(entries.map(([queue, count]) => [queue!, Number(count)]));
      }),
    WEBHOOK_RETRY_SCHEDULE: z
      .string()
      .default("5s,5m,30m,2h,5h,10h,10h")
      .transform((value, context) => {
        try {
          return parseDurationList(value);
        } catch (error) {
          context.addIssue({ code: "custom", message: (error as Error).message });
          return z.NEVER;
        }
      }),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
    WEBHOOK_ALLOW_PRIVATE: booleanString.default(false),
    WEBHOOK_DISABLE_AFTER: z
      .string()
      .default("5d")
      .transform((value, context) => {
        try {
          return parseDuration(value);
        } catch (error) {
          context.addIssue({ code: "custom", message: (error as Error).message });
          return z.NEVER;
        }
      }),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
      .pipe(z.url())
      .optional(),
    MAIL_FROM: z.string().min(3).default("CodePark <codepark@localhost>"),
    VAPID_SUBJECT: z
      .string()
      .regex(/^(mailto:|https:)/, "must start with mailto: or https:")
      .default("mailto:admin@localhost"),
    VAPID_PUBLIC_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{87}$/, "must be a 65-byte P-256 public key, base64url without padding")
      .optional(),
    VAPID_PRIVATE_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, "must be a 32-byte P-256 private key, base64url without padding")
      .optional(),
    OIDC_ISSUER: z
      .url()
      .regex(/^https?:\/\//, "must be an https:// (or, for development, http://) URL")
      .optional(),
    OIDC_CLIENT_ID: z.string().min(1).max(512).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).max(2048).optional(),
    OIDC_DISPLAY_NAME: z.string().trim().min(1).max(40).default("SSO"),
  })
  .refine((config) => config.REDIS_URL === undefined || config.DATABASE_URL !== undefined, {
    message:
      "REDIS_URL joins a cluster, and the embedded store (PGlite) is single-node: set DATABASE_URL to a PostgreSQL database the nodes share",
    path: ["DATABASE_URL"],
  })
  .refine((config) => config.HTTP_HEADERS_TIMEOUT_MS <= config.HTTP_REQUEST_TIMEOUT_MS, {
    message: "must not be longer than HTTP_REQUEST_TIMEOUT_MS",
    path: ["HTTP_HEADERS_TIMEOUT_MS"],
  })
  .refine(
    (config) =>
      config.COLLAB_USER_LOADED_BYTES === 0 ||
      config.COLLAB_USER_LOADED_BYTES >= config.COLLAB_MAX_DOCUMENT_BYTES,
    {
      message:
        "must be 0 (no cap) or at least COLLAB_MAX_DOCUMENT_BYTES, or a full-size document could never open",
      path: ["COLLAB_USER_LOADED_BYTES"],
    },
  )
  .refine((config) => (config.OIDC_ISSUER === undefined) === (config.OIDC_CLIENT_ID === undefined), {
    message: "set OIDC_ISSUER and OIDC_CLIENT_ID together (OIDC sign-in), or neither",
    path: ["OIDC_CLIENT_ID"],
  })
  .refine((config) => config.OIDC_CLIENT_SECRET === undefined || config.OIDC_ISSUER !== undefined, {
    message: "OIDC_CLIENT_SECRET needs OIDC_ISSUER and OIDC_CLIENT_ID",
    path: ["OIDC_CLIENT_SECRET"],
  })
  .refine((config) => (config.VAPID_PUBLIC_KEY === undefined) === (config.VAPID_PRIVATE_KEY === undefined), {
    message: "set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither",
    path: ["VAPID_PRIVATE_KEY"],
  });

/** The tier table the limiters enforce, from the RATE_LIMIT_<TIER> settings. */
export function tiersOf(config: Config): TierTable {
  return {
    anonymous: config.RATE_LIMIT_ANONYMOUS,
    free: config.RATE_LIMIT_FREE,
    pro: config.RATE_LIMIT_PRO,
    enterprise: config.RATE_LIMIT_ENTERPRISE,
    api_key: config.RATE_LIMIT_API_KEY,
  };
}

/** Whether /graphql answers introspection (and /graphiql is served): GRAPHQL_INTROSPECTION, else not in production. */
export function graphqlIntrospection(config: Config, nodeEnv = process.env.NODE_ENV): boolean {
  return config.GRAPHQL_INTROSPECTION ?? nodeEnv !== "production";
}

/** Open connections one peer address may hold (0: no cap); see HTTP_MAX_CONNECTIONS_PER_IP. */
export function connectionsPerIp(config: Config): number {
  return config.HTTP_MAX_CONNECTIONS_PER_IP ?? (config.TRUST_PROXY ? 0 : 128);
}

/** The environment variables CodePark reads (the deploy files and README must list each). */
export const CONFIG_KEYS: readonly string[] = Object.keys(configSchema.shape);

export type Config = z.infer<typeof configSchema> & { dataDir: string };

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment once; a wrong value stops start-up with a message naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const defined = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = configSchema.safeParse(defined);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return { ...parsed.data, dataDir: resolve(parsed.data.DATA_DIR) };
}
