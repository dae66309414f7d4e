import * as z from 'zod/mini';

/**
 * JSON over fetch with the session cookie. Every response is parsed with its contract schema
 * before anyone sees it (a mismatch is a BAD_RESPONSE error, never half-typed data). Errors carry
 * the API's code and field; a 401 sends the frame through WeCom sign-in again and comes back to
 * the same page.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function corpRef(): string {
  return new URLSearchParams(location.search).get('corp') ?? '';
}

export function signInUrl(): string {
  const back = location.pathname + location.search + location.hash;
  return `/api/auth/wecom/start?corp=${encodeURIComponent(corpRef())}&redirect=${encodeURIComponent(back)}`;
}

type Schema<T> = z.core.$ZodType<T>;

async function call<T>(
  schema: Schema<T>,
  method: string,
  url: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  if (res.status === 401 && corpRef()) {
    location.replace(signInUrl());
    throw new ApiError(401, 'UNAUTHENTICATED', 'signing in');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(
      res.status,
      res.ok ? 'BAD_RESPONSE' : 'HTTP_' + res.status,
      res.ok ? `${method} ${url}: not JSON` : res.statusText,
    );
  }
  if (!res.ok) {
    const e = z.safeParse(errorBody, json);
    throw new ApiError(
      res.status,
      e.success ? e.data.error.code : 'HTTP_' + res.status,
      e.success ? e.data.error.message : res.statusText,
      e.success ? e.data.error.field : undefined,
    );
  }
  const parsed = z.safeParse(schema, json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(
      res.status,
      'BAD_RESPONSE',
      `${method} ${url}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    );
  }
  return parsed.data;
}

const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.optional(z.string()) }),
});

export const http = {
  get: <T>(schema: Schema<T>, url: string, signal?: AbortSignal) => call(schema, 'GET', url, undefined, signal),
  post: <T>(schema: Schema<T>, url: string, body: unknown) => call(schema, 'POST', url, body),
  put: <T>(schema: Schema<T>, url: string, body: unknown) => call(schema, 'PUT', url, body),
};
