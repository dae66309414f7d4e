import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { accessLog } from '../../api/middleware/access-log';
import { requestId } from '../../api/middleware/request-id';

function appWith(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level }, sink);
  const app = express();
  app.use(requestId);
  app.use(accessLog(logger, (req) => req.url === '/healthz'));
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/api/thing', (_req, res) => {
    res.status(201).json({ ok: true });
  });
  return { app, lines };
}

describe('access log', () => {
  it('logs one line per finished request with its id, method, path, status and time', async () => {
    const { app, lines } = appWith('info');
    const res = await request(app).get('/api/thing?secret=1').set('x-request-id', 'req-123456');
    expect(res.status).toBe(201);
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'request completed',
      requestId: 'req-123456',
      method: 'GET',
      path: '/api/thing',
      status: 201,
    });
    expect(typeof lines[0]!.ms).toBe('number');
  });

  it('skips ignored paths, and builds nothing when info is off', async () => {
    const on = appWith('info');
    await request(on.app).get('/healthz');
    const off = appWith('warn');
    await request(off.app).get('/api/thing');
    await new Promise((r) => setImmediate(r));
    expect(on.lines).toEqual([]);
    expect(off.lines).toEqual([]);
  });
});
