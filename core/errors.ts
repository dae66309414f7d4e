/**
 * The one error type. Every failure a client should see carries a stable code; the API maps
 * codes to HTTP statuses in one table. Anything else is a 500 with only a request id.
 */
export const errorStatus = {
  VALIDATION_FAILED: 400,
  BAD_SIGNATURE: 401,
  UNAUTHENTICATED: 401,
  SESSION_EXPIRED: 401,
  FORBIDDEN: 403,
  NOT_FOLLOWED: 403,
  /** The guide handed this customer over (离职继承 / 在职继承): another guide follows her now. */
  TRANSFERRED: 403,
  NOT_GROUP_MEMBER: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  NOT_ELIGIBLE: 409,
  /** A guide has issued as many coupons of a template today / this month as it allows. */
  COUPON_LIMIT_REACHED: 409,
  PERIOD_CLOSED: 409,
  /** A batch id already used with other content. */
  BATCH_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA: 415,
  /** A file that cannot be read: undecodable text, a broken CSV or zip. */
  UNREADABLE_FILE: 422,
  TOO_MANY_ROWS: 422,
  /** A script names a {{variable}} the resolver does not know. */
  UNKNOWN_VARIABLE: 422,
  RATE_LIMITED: 429,
  WECOM_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, opts: { field?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.field = opts.field;
    this.details = opts.details;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** PostgreSQL SQLSTATEs and socket codes that mean "the database (or Redis) is not there right now". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
  '57P01',
  '57P02',
  '57P03',
]);
const UNAVAILABLE_NAMES = new Set(['KnexTimeoutError', 'MaxRetriesPerRequestError']);
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^Connection is closed/,
  /Client has encountered a connection error/,
];

/**
 * Whether an error means a dependency is down (answered 503, retry later) rather than a bug:
 * connection refusals and resets, pool timeouts, PostgreSQL shutting down or out of connections.
 */
export function isDependencyDown(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 3) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  if (UNAVAILABLE_NAMES.has(err.name) || UNAVAILABLE_NAMES.has(err.constructor.name)) return true;
  if (UNAVAILABLE_MESSAGES.some((re) => re.test(err.message))) return true;
  if (err instanceof AggregateError) return err.errors.some((e) => isDependencyDown(e, depth + 1));
  return isDependencyDown(err.cause, depth + 1);
}
