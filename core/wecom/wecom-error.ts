import { AppError } from '../errors';

/** Rate limits and busy: back off, never refresh. */
export const BACKOFF_ERRCODES = new Set([45009, 45033, -1]);

/**
 * A WeCom API failure, carrying errcode (the only field clients may branch on). It is an AppError,
 * so an API caller sees it coded: 503 while WeCom is busy or rate-limiting us (try again later),
 * 502 for anything else WeCom refused; the message names the errcode, never WeCom's hint suffix.
 */
export class WecomError extends AppError {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly path: string,
    /** Set when WeCom blocks the call for a while (45009): how long, in seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(
      BACKOFF_ERRCODES.has(errcode) ? 'SERVICE_UNAVAILABLE' : 'WECOM_ERROR',
      `WeCom ${path} failed: ${errcode} ${errmsg.split(', hint:')[0]}`,
      { details: { errcode, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) } },
    );
    this.name = 'WecomError';
  }
}

/** Token problems: drop the cached token, fetch a new one, retry once. */
export const TOKEN_ERRCODES = new Set([40014, 42001, 40001]);
