/**
 * JSON over fetch with the session cookie. Errors carry the API's code and field; a 401 sends the
 * frame through WeCom sign-in again and comes back to the same page.
 */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string) {
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

async function call<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
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
  const json: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? 'HTTP_' + res.status, e?.message ?? res.statusText, e?.field);
  }
  return json as T;
}

export const http = {
  get: <T>(url: string, signal?: AbortSignal) => call<T>('GET', url, undefined, signal),
  post: <T>(url: string, body: unknown) => call<T>('POST', url, body),
  put: <T>(url: string, body: unknown) => call<T>('PUT', url, body),
};
