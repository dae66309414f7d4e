import { afterEach, describe, expect, it, vi } from 'vitest';
import { bootstrapResponse, favoriteResponse } from '../../../core/contracts/sidebar';
import { ApiError, http } from '../net/http';

const reply = (status: number, body: unknown) =>
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })),
  );

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('API responses are parsed with the shared contracts', () => {
  it('returns the parsed value when the response matches', async () => {
    reply(200, { favorite: true, extra: 'dropped' });
    expect(await http.put(favoriteResponse, '/api/sidebar/scripts/1/favorite', { favorite: true })).toEqual({
      favorite: true,
    });
  });

  it('refuses a response that does not match its contract, naming the field', async () => {
    reply(200, { me: { userid: 'licui' } });
    const err = await http.get(bootstrapResponse, '/api/sidebar/bootstrap').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('BAD_RESPONSE');
    expect((err as ApiError).message).toMatch(/me\.name/);
  });

  it('carries the API error code, message and field', async () => {
    reply(403, {
      error: {
        code: 'NOT_FOLLOWED',
        message: 'you do not follow this customer',
        field: 'externalUserid',
        requestId: 'r1',
      },
    });
    const err = await http.get(favoriteResponse, '/api/sidebar/customers/wmX').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 403, code: 'NOT_FOLLOWED', field: 'externalUserid' });
  });
});
