import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { createRedis } from '../../core/redis';
import { createDb } from '../../core/db/knex';
import { useTestContext } from '../helpers/context';

const t = useTestContext();

describe('GET /healthz', () => {
  it('is 200 with both services up', async () => {
    const res = await request(createApp(t.ctx)).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, services: { database: { ok: true }, redis: { ok: true } } });
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('is 503 naming Redis when Redis is down', async () => {
    const deadRedis = createRedis('redis://127.0.0.1:1', {
      retryStrategy: () => null,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    deadRedis.on('error', () => undefined);
    const res = await request(createApp({ ...t.ctx, redis: deadRedis })).get('/healthz');
    expect(res.status).toBe(503);
    expect(res.body.ok).toBe(false);
    expect(res.body.services.database.ok).toBe(true);
    expect(res.body.services.redis).toMatchObject({ ok: false, error: expect.any(String) });
    deadRedis.disconnect();
  });

  it('is 503 naming the database when PostgreSQL is unreachable', async () => {
    const deadDb = createDb('postgres://postgres@127.0.0.1:1/none', { pool: { min: 0, max: 1 } });
    const res = await request(createApp({ ...t.ctx, db: deadDb })).get('/healthz');
    expect(res.status).toBe(503);
    expect(res.body.services.redis.ok).toBe(true);
    expect(res.body.services.database).toMatchObject({ ok: false });
    await deadDb.destroy();
  });
});

describe('API edges', () => {
  it('answers unknown API paths with a coded 404 and a request id', async () => {
    const res = await request(createApp(t.ctx)).get('/api/nope').set('X-Request-Id', 'req-test-123');
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: 'NOT_FOUND', message: 'no route GET /api/nope', requestId: 'req-test-123' });
  });
  it('rejects a forged session with 401', async () => {
    const res = await request(createApp(t.ctx)).get('/api/nope').set('Authorization', 'Bearer abc.def');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
  });
});
