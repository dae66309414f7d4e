/** A WeCom API failure, carrying errcode (the only field clients may branch on). */
export class WecomError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly path: string,
  ) {
    super(`WeCom ${path} failed: ${errcode} ${errmsg.split(', hint:')[0]}`);
    this.name = 'WecomError';
  }
}

/** Token problems: drop the cached token, fetch a new one, retry once. */
export const TOKEN_ERRCODES = new Set([40014, 42001, 40001]);
/** Rate limits and busy: back off, never refresh. */
export const BACKOFF_ERRCODES = new Set([45009, 45033, -1]);
