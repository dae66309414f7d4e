import { z } from 'zod';

/**
 * Process configuration, parsed once at boot. Every entry point calls `loadConfig()`;
 * a bad or missing variable stops start-up with one line naming it (see `ConfigError`).
 */
const rate = (perMinute: number) => z.coerce.number().int().min(0).max(1_000_000).default(perMinute);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/guidepost'),
  /**
   * Connections per process. PostgreSQL runs as many statements at once as it has cores; more
   * connections than about twice that only queue inside it and contend on its lock table.
   */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix; use a hash tag (e.g. `{gp}`) on Redis Cluster. */
  QUEUE_PREFIX: z.string().min(1).default('gp'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Public base URL of the API (used for OAuth redirects and links printed by the demo). */
  PUBLIC_URL: z.url().optional(),
  /** Base URL of the WeCom server API: the real `https://qyapi.weixin.qq.com` or the sandbox. */
  WECOM_API_BASE: z.url().default('http://127.0.0.1:3100'),
  /** OAuth authorize page base; the sandbox serves one at the same origin. */
  WECOM_OAUTH_BASE: z.url().default('http://127.0.0.1:3100'),
  /** WeCom web login (QR) base for desktop browsers: `https://login.work.weixin.qq.com` or the sandbox. */
  WECOM_LOGIN_BASE: z.url().default('http://127.0.0.1:3100'),
  /**
   * Sandbox only: the simulated WeCom desktop client's JS bridge, injected into the sidebar page
   * the way the real client injects WeixinJSBridge. Refused in production.
   */
  WECOM_JS_BRIDGE_URL: z.url().optional(),
  SANDBOX_PORT: z.coerce.number().int().min(1).max(65535).default(3100),
  /** HMAC key for sidebar/desktop sessions. At least 32 characters. */
  SESSION_SECRET: z.string().min(32).default('guidepost-development-session-secret-change-me'),
  /** 32-byte key (hex or base64) that encrypts corp secrets at rest. */
  SECRETS_KEY: z.string().min(32).default('0000000000000000000000000000000000000000000000000000000000000000'),
  /** A session's lifetime, enforced by the server whatever a token says (at most 7 days). */
  SESSION_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(8 * 3600),
  /**
   * Rate limits, in requests per minute, counted in Redis so every API process shares them; 0 turns
   * one off. `_IP` is per client address, `_CORP` per tenant (the corp in the path, or the caller's).
   */
  RATE_LIMIT_SIGNIN_IP: rate(120),
  RATE_LIMIT_CALLBACK_IP: rate(600),
  RATE_LIMIT_CALLBACK_CORP: rate(1200),
  RATE_LIMIT_WEBHOOK_IP: rate(120),
  RATE_LIMIT_WEBHOOK_CORP: rate(240),
  RATE_LIMIT_UPLOAD_IP: rate(20),
  RATE_LIMIT_UPLOAD_CORP: rate(30),
  RATE_LIMIT_API_IP: rate(1200),
  RATE_LIMIT_API_CORP: rate(12000),
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (rate limits, operator check):
   * Express `trust proxy` names or CIDRs, comma-separated, e.g. `loopback, 10.0.0.0/8`.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^[0-9A-Za-z.:/, ]+$/)
    .default('loopback'),
  /** Operators' token for the detail of GET /healthz (`Authorization: Bearer …`); loopback callers always see it. */
  HEALTH_TOKEN: z.string().min(16).optional(),
  /**
   * Origins allowed to frame the sidebar besides WeCom's own (space- or comma-separated), e.g. the
   * sandbox desktop client in the demo; the origin of WECOM_JS_BRIDGE_URL is always allowed.
   */
  FRAME_ANCESTORS: z
    .string()
    .transform((s) => s.split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/ })))
    .optional(),
  /** How often the workers poll WeCom transfer bills (get_bill_list), in seconds; at most once a minute takes effect per corp. */
  WECOM_BILL_POLL_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Ingestion accepts business times (paid, refunded, occurred) from this many days back… */
  INGEST_OLDEST_DAYS: z.coerce.number().int().min(1).max(36_500).default(730),
  /** …to this many days ahead (clocks of tills and other systems drift; tomorrow by default). */
  INGEST_NEWEST_DAYS: z.coerce.number().int().min(0).max(366).default(1),
  /** Largest signed webhook body (POS batches, interaction batches), bytes. 1,000 orders × 200 lines fit. */
  INGEST_WEBHOOK_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(32 * 1024 * 1024),
  /** Largest uploaded file (CSV or XLSX as sent), bytes. */
  INGEST_FILE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  /** Largest XLSX once unzipped (all entries together), bytes: a zip bomb is refused before it is parsed. */
  INGEST_FILE_MAX_INFLATED_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
  /** Most data rows in one uploaded file (the header row not counted). */
  INGEST_FILE_MAX_ROWS: z.coerce.number().int().min(1).default(20_000),
});

export type Config = z.infer<typeof envSchema> & { publicUrl: string };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const DEV_DEFAULTS = ['SESSION_SECRET', 'SECRETS_KEY'] as const;
/** URLs whose defaults point at the sandbox on this machine: production names real ones. */
const REAL_URLS = ['WECOM_API_BASE', 'WECOM_OAUTH_BASE', 'WECOM_LOGIN_BASE', 'PUBLIC_URL'] as const;
const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\]|0\.0\.0\.0)$/;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`invalid configuration: ${name}: ${issue.message}`);
  }
  const cfg = parsed.data;
  if (cfg.NODE_ENV === 'production') {
    if (cfg.WECOM_JS_BRIDGE_URL)
      throw new ConfigError(
        'invalid configuration: WECOM_JS_BRIDGE_URL: the simulated client bridge is for the sandbox; unset it in production',
      );
    for (const name of DEV_DEFAULTS) {
      if (cleaned[name] === undefined) throw new ConfigError(`invalid configuration: ${name}: required in production`);
    }
    // The sandbox's WeCom and a loopback public URL would sign people in against the simulator,
    // and WeCom cannot reach a callback or trusted domain on this machine.
    for (const name of REAL_URLS) {
      const value = cfg[name];
      if (value === undefined) throw new ConfigError(`invalid configuration: ${name}: required in production`);
      const url = new URL(value);
      if (LOOPBACK.test(url.hostname) || url.protocol !== 'https:')
        throw new ConfigError(
          `invalid configuration: ${name}: ${value} is the sandbox or this machine; production needs the real https URL`,
        );
    }
  }
  return { ...cfg, publicUrl: cfg.PUBLIC_URL ?? `http://${cfg.HOST}:${cfg.PORT}` };
}

/** For entry points: parse or print one line and exit 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
