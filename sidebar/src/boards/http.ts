import * as z from 'zod/mini';
import { router } from './router';

/** A coded API error as the console shows it: HTTP status, the server's code, its message (and field). */
export class BoardError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The consoles' one fetch: JSON with the session cookie, the response parsed by its contract.
 * A 401 goes to sign-in; any other failure is a BoardError carrying the server's code.
 */
export async function request<T>(
  schema: z.core.$ZodType<T>,
  url: string,
  opts: { method?: Method; body?: unknown } = {},
): Promise<T> {
  const hasBody = opts.body !== undefined;
  const res = await fetch(url, {
    credentials: 'same-origin',
    method: opts.method ?? (hasBody ? 'POST' : 'GET'),
    headers: { accept: 'application/json', ...(hasBody ? { 'content-type': 'application/json' } : {}) },
    ...(hasBody ? { body: JSON.stringify(opts.body) } : {}),
  });
  const json: unknown = await res.json().catch(() => null);
  if (res.status === 401) {
    void router.replace({ name: 'signin' });
    throw new BoardError(401, 'UNAUTHENTICATED', 'sign in');
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
    throw new BoardError(res.status, e?.code ?? 'HTTP_' + res.status, e?.message ?? res.statusText, e?.field);
  }
  return z.parse(schema, json);
}
