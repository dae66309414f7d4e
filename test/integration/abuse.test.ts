/**
 * Abuse and careless clients: rate limits, bodies refused before they are read or parsed, sessions
 * that can be revoked and are accepted only in their exact form, no 5xx for any client mistake,
 * 503 when a dependency is down, operator-only health detail, security headers.
 */
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encrypt, getSignature } from '@wecom/crypto';
import { XMLParser } from 'fast-xml-parser';
import request from 'supertest';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../api/app';
import { signSession } from '../../core/auth/session';
import { updateUser } from '../../core/auth/users';
import type { AppContext } from '../../core/context';
import { createDb } from '../../core/db/knex';
import { signPosBody } from '../../core/ingest/signature';
import { createRedis } from '../../core/redis';
import { useTestContext } from '../helpers/context';
import { createGuide, createOrg, createUser, type CorpFixture } from '../factories/org.factory';

const t = useTestContext();
let corp: CorpFixture;
let guideUserid: string;

const bearer = (userid: string, corpId = corp.id, ttl = 600) =>
  `Bearer ${signSession(t.ctx.cfg.SESSION_SECRET, { corpId, userid }, ttl)}`;
/** Each test talks from its own address (the API trusts a loopback proxy's X-Forwarded-For). */
let ipSeq = 0;
const nextIp = () => `198.51.100.${++ipSeq}`;
const withCfg = (over: Partial<AppContext['cfg']>): AppContext => ({ ...t.ctx, cfg: { ...t.ctx.cfg, ...over } });

beforeAll(async () => {
  const org = await createOrg(t.ctx.db, t.ctx.secrets);
  corp = org.corp;
  guideUserid = (await t.ctx.db('users').where({ guide_id: org.guide.id }).first<{ userid: string }>('userid'))!.userid;
  await createUser(t.ctx.db, corp.id, { userid: 'admin1', role: 'admin' });
  await createUser(t.ctx.db, corp.id, { userid: 'fin1', role: 'finance' });
  await createGuide(t.ctx.db, corp.id, org.storeId, { userid: 'g2' });
});

function signedCallback(xml: string, c = corp, ts = Math.floor(Date.now() / 1000)) {
  const enc = encrypt(c.callbackAesKey, xml, c.wecomCorpId);
  const sig = getSignature(c.callbackToken, ts, 'n1', enc);
  return {
    path: `/wecom/callback/${c.wecomCorpId}?msg_signature=${sig}&timestamp=${ts}&nonce=n1`,
    body: `<xml><ToUserName><![CDATA[${c.wecomCorpId}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
  };
}

/**
 * Sends only the headers of a request that declares a large body, and resolves with the answer: a
 * server that answers has decided without waiting for (or reading) the body.
 */
async function answerBeforeBody(
  app: ReturnType<typeof createApp>,
  method: string,
  path: string,
  headers: Record<string, string>,
  /** Without a declared length: send this many bytes chunked (and end), to see where the server stops. */
  chunkedBytes = 0,
): Promise<{ status: number; body: string }> {
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      if (chunkedBytes > 0) {
        for (let sent = 0; sent < chunkedBytes; sent += 16 * 1024) req.write('A'.repeat(16 * 1024));
        req.end();
      } else req.write('a'.repeat(1024)); // a first chunk, then nothing: the rest never comes
      req.setTimeout(5000, () => reject(new Error('no answer before the body: the server waited for it')));
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('rate limits', () => {
  it('answers 429 with Retry-After on sign-in past the per-address limit, shared by every API process', async () => {
    const ctx = withCfg({ RATE_LIMIT_SIGNIN_IP: 3 });
    const a = createApp(ctx);
    const b = createApp(ctx); // a second API process: same Redis, same counts
    const ip = nextIp();
    const start = (app: typeof a) =>
      request(app).get(`/api/auth/wecom/start?corp=${corp.wecomCorpId}`).set('X-Forwarded-For', ip);
    expect((await start(a)).status).toBe(302);
    expect((await start(b)).status).toBe(302);
    expect((await start(a)).status).toBe(302);
    const over = await start(b);
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('RATE_LIMITED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another address is not held back; the OAuth callback counts in the same sign-in bucket.
    expect((await start(a).set('X-Forwarded-For', nextIp())).status).toBe(302);
    const cb = await request(a).get('/api/auth/wecom/callback?code=x&state=abc').set('X-Forwarded-For', ip);
    expect(cb.status).toBe(429);
  });

  it('limits the API per corp across addresses', async () => {
    const app = createApp(withCfg({ RATE_LIMIT_API_CORP: 4, RATE_LIMIT_API_IP: 100 }));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await request(app)
        .get('/api/auth/me')
        .set('Authorization', bearer('admin1'))
        .set('X-Forwarded-For', nextIp());
      statuses.push(r.status);
      if (r.status === 429) expect(r.headers['retry-after']).toMatch(/^\d+$/);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('limits webhooks, callbacks and uploads per address (and per corp)', async () => {
    const app = createApp(
      withCfg({
        RATE_LIMIT_WEBHOOK_IP: 2,
        RATE_LIMIT_CALLBACK_CORP: 2,
        RATE_LIMIT_UPLOAD_IP: 1,
        RATE_LIMIT_API_IP: 1000,
      }),
    );
    const ip = nextIp();
    const hook = () => request(app).post(`/webhooks/pos/${corp.wecomCorpId}`).set('X-Forwarded-For', ip).send('{}');
    expect((await hook()).status).toBe(401);
    expect((await hook()).status).toBe(401);
    expect((await hook()).status).toBe(429);
    const cb = (from: string) =>
      request(app).post(`/wecom/callback/${corp.wecomCorpId}`).set('X-Forwarded-For', from).send('<xml/>');
    expect((await cb(nextIp())).status).toBe(400);
    expect((await cb(nextIp())).status).toBe(400);
    expect((await cb(nextIp())).status).toBe(429);
    const up = () =>
      request(app)
        .post('/api/ingest/orders-file')
        .set('Authorization', bearer('fin1'))
        .set('X-Forwarded-For', ip)
        .set('content-type', 'text/csv')
        .send('');
    expect((await up()).status).toBe(400);
    expect((await up()).status).toBe(429);
  });

  it('keeps counting in memory when Redis does not answer', async () => {
    const dead = createRedis('redis://127.0.0.1:1', {
      retryStrategy: () => null,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    dead.on('error', () => undefined);
    const app = createApp({ ...withCfg({ RATE_LIMIT_SIGNIN_IP: 1 }), redis: dead });
    const ip = nextIp();
    expect(
      (await request(app).get(`/api/auth/wecom/start?corp=${corp.wecomCorpId}`).set('X-Forwarded-For', ip)).status,
    ).toBe(302);
    expect(
      (await request(app).get(`/api/auth/wecom/start?corp=${corp.wecomCorpId}`).set('X-Forwarded-For', ip)).status,
    ).toBe(429);
    dead.disconnect();
  });
});

describe('bodies are refused before they are read or parsed', () => {
  it('refuses an oversized callback by its declared length and a chunked one at the cap', async () => {
    const app = createApp(t.ctx);
    const { path } = signedCallback('<xml/>');
    const declared = await answerBeforeBody(app, 'POST', path, { 'content-length': String(900 * 1024) });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    const chunked = await answerBeforeBody(app, 'POST', path, {}, 900 * 1024);
    expect(chunked.status).toBe(413);
  });

  it('checks an unsigned callback without parsing its XML', async () => {
    const parse = vi.spyOn(XMLParser.prototype, 'parse');
    try {
      const { path } = signedCallback('<xml/>');
      const forged = path.replace(/msg_signature=[0-9a-f]{40}/, `msg_signature=${'0'.repeat(40)}`);
      const body = `<xml><Encrypt><![CDATA[${'QUJD'.repeat(1000)}]]></Encrypt>${'<a>'.repeat(5000)}</xml>`;
      const r = await request(createApp(t.ctx)).post(forged).send(body);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('BAD_SIGNATURE');
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it('answers an anonymous or a guide upload before reading it', async () => {
    const app = createApp(t.ctx);
    const big = { 'content-type': 'text/csv', 'content-length': String(19 * 1024 * 1024) };
    const anon = await answerBeforeBody(app, 'POST', '/api/ingest/orders-file', big);
    expect(anon.status).toBe(401);
    const guide = await answerBeforeBody(app, 'POST', '/api/ingest/orders-file', {
      ...big,
      authorization: bearer(guideUserid),
    });
    expect(guide.status).toBe(403);
    const tooBig = await answerBeforeBody(app, 'POST', '/api/ingest/orders-file', {
      ...big,
      'content-length': String(25 * 1024 * 1024),
      authorization: bearer('fin1'),
    });
    expect(tooBig.status).toBe(413);
  });

  it('answers an unsigned POS webhook before reading it', async () => {
    const r = await answerBeforeBody(createApp(t.ctx), 'POST', `/webhooks/pos/${corp.wecomCorpId}`, {
      'content-type': 'application/json',
      'content-length': String(5 * 1024 * 1024),
    });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).error.code).toBe('BAD_SIGNATURE');
  });

  it('caps JSON API bodies', async () => {
    const r = await request(createApp(t.ctx))
      .post('/api/sidebar/sends')
      .set('Authorization', bearer(guideUserid))
      .set('content-type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }));
    expect(r.status).toBe(413);
  });
});

describe('sessions', () => {
  it('logout revokes the session everywhere: the same token is refused afterwards', async () => {
    const app = createApp(t.ctx);
    const other = createApp(t.ctx); // another API process
    const token = bearer(guideUserid);
    expect((await request(app).get('/api/auth/me').set('Authorization', token)).status).toBe(200);
    expect((await request(other).get('/api/auth/me').set('Authorization', token)).status).toBe(200);
    const out = await request(app).post('/api/auth/logout').set('Authorization', token);
    expect(out.status).toBe(200);
    for (const a of [app, other]) {
      const r = await request(a).get('/api/auth/me').set('Authorization', token);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHENTICATED');
    }
    // A cookie carrying the same token is refused too.
    const cookie = `gp_session=${token.slice(7)}`;
    expect((await request(app).get('/api/auth/me').set('Cookie', cookie)).status).toBe(401);
    // Signing out again with the revoked cookie still succeeds and clears it.
    const again = await request(app).post('/api/auth/logout').set('Cookie', cookie);
    expect(again.status).toBe(200);
    expect(String(again.headers['set-cookie'])).toMatch(/gp_session=;/);
    // Signing in again with the revoked cookie is not blocked by it.
    const start = await request(app).get(`/api/auth/wecom/start?corp=${corp.wecomCorpId}`).set('Cookie', cookie);
    expect(start.status).toBe(302);
    const back = await request(app).get('/api/auth/wecom/callback?code=x&state=abc').set('Cookie', cookie);
    expect(back.body.error.field).toBe('state'); // refused for its missing sign-in state, not for the old session
  });

  it('refuses malformed tokens: appended parts, other schemes, garbage', async () => {
    const app = createApp(t.ctx);
    const good = bearer(guideUserid).slice(7);
    for (const h of [
      `Bearer ${good}.x.y`,
      `Bearer ${good}.`,
      `Bearer  ${good}`,
      `Basic ${good}`,
      `Bearer ${'A'.repeat(4_000)}.${'B'.repeat(43)}`,
      'Bearer',
    ]) {
      const r = await request(app).get('/api/auth/me').set('Authorization', h);
      expect(r.status, h.slice(0, 40)).toBe(401);
    }
  });

  it('refuses a token whose signer wrote a lifetime longer than the server allows', async () => {
    const app = createApp(t.ctx);
    const long = bearer(guideUserid, corp.id, t.ctx.cfg.SESSION_TTL_SECONDS + 1);
    expect((await request(app).get('/api/auth/me').set('Authorization', long)).status).toBe(401);
    expect(
      (
        await request(app)
          .get('/api/auth/me')
          .set('Authorization', bearer(guideUserid, corp.id, 3600))
      ).status,
    ).toBe(200);
  });

  it('applies a role change and a deactivation to open sessions at once', async () => {
    const app = createApp(t.ctx);
    await createUser(t.ctx.db, corp.id, { userid: 'admin2', role: 'admin' });
    const token = bearer('admin2');
    expect((await request(app).get('/api/tenant/product-share').set('Authorization', token)).status).toBe(200);
    await updateUser(t.ctx, corp.id, 'admin2', { role: 'finance' });
    expect((await request(app).get('/api/tenant/product-share').set('Authorization', token)).status).toBe(403);
    await updateUser(t.ctx, corp.id, 'admin2', { active: false });
    const r = await request(app).get('/api/auth/me').set('Authorization', token);
    expect(r.status).toBe(401);
  });

  it('answers 503, not 401 or 500, when the session store is down', async () => {
    const dead = createRedis('redis://127.0.0.1:1', {
      retryStrategy: () => null,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    dead.on('error', () => undefined);
    const r = await request(createApp({ ...withCfg({ RATE_LIMIT_API_IP: 0, RATE_LIMIT_API_CORP: 0 }), redis: dead }))
      .get('/api/auth/me')
      .set('Authorization', bearer(guideUserid));
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(r.headers['retry-after']).toBeDefined();
    dead.disconnect();
  });
});

describe('JS-SDK signatures', () => {
  it('signs only pages of the API origin and the corp trusted domains', async () => {
    const app = createApp(t.ctx);
    const sign = (url: string) =>
      request(app).post('/api/wecom/jssdk-signatures').set('Authorization', bearer(guideUserid)).send({ url });
    for (const url of [
      'https://evil.example/sidebar',
      'https://shop.example.com.evil.example/',
      `https://user@shop.example.com/`,
      'http://shop.example.com/sidebar',
    ]) {
      const r = await sign(url);
      expect(r.status, url).toBe(403);
      expect(r.body.error).toMatchObject({ code: 'FORBIDDEN', field: 'body.url' });
    }
    await t.ctx
      .db('corps')
      .where({ id: corp.id })
      .update({ trusted_domains: ['shop.example.com'] });
    // Past the domain check (the WeCom call itself then fails: this corp has no sandbox behind it).
    const trusted = await sign('https://shop.example.com/sidebar');
    expect(trusted.status).not.toBe(403);
    expect(trusted.status).toBeLessThan(600);
  });
});

describe('answers that do not reveal which corps exist', () => {
  it('answers sign-in, callbacks and webhooks alike for unknown and known corps', async () => {
    const app = createApp(t.ctx);
    const known = await request(app).get(`/api/auth/wecom/start?corp=${corp.wecomCorpId}`);
    const unknown = await request(app).get('/api/auth/wecom/start?corp=wwnosuchcorp000001');
    expect([known.status, unknown.status]).toEqual([302, 302]);
    const shape = (loc: string) => [...new URL(loc.replace('#wechat_redirect', '')).searchParams.keys()].sort();
    expect(shape(unknown.headers.location!)).toEqual(shape(known.headers.location!));

    const q = `msg_signature=${'a'.repeat(40)}&timestamp=${Math.floor(Date.now() / 1000)}&nonce=n`;
    const body = `<xml><Encrypt><![CDATA[QUJDRA==]]></Encrypt></xml>`;
    const cbKnown = await request(app).post(`/wecom/callback/${corp.wecomCorpId}?${q}`).send(body);
    const cbUnknown = await request(app).post(`/wecom/callback/wwnosuchcorp000001?${q}`).send(body);
    expect([cbKnown.status, cbUnknown.status]).toEqual([401, 401]);
    expect(cbUnknown.body.error.message).toBe(cbKnown.body.error.message);

    const sig = signPosBody('not-the-secret', '{}');
    const hook = (ref: string) =>
      request(app)
        .post(`/webhooks/pos/${ref}`)
        .set('X-Guidepost-Signature', sig)
        .set('content-type', 'application/json')
        .send('{}');
    const [hk, hu, hn] = await Promise.all([
      hook(corp.wecomCorpId),
      hook('wwnosuchcorp000001'),
      hook('99999999999999999999'),
    ]);
    expect([hk.status, hu.status, hn.status]).toEqual([401, 401, 401]);
    expect(new Set([hk.body.error.message, hu.body.error.message, hn.body.error.message]).size).toBe(1);
  });

  it('shows /healthz detail only to operators', async () => {
    const app = createApp(withCfg({ HEALTH_TOKEN: 'operators-only-token-0123' }));
    const pub = await request(app).get('/healthz').set('X-Forwarded-For', '203.0.113.9');
    expect(pub.status).toBe(200);
    expect(pub.body).toEqual({ ok: true });
    const op = await request(app)
      .get('/healthz')
      .set('X-Forwarded-For', '203.0.113.9')
      .set('X-Health-Token', 'operators-only-token-0123');
    expect(op.body).toMatchObject({ ok: true, services: { database: { ok: true } }, attribution: expect.anything() });
    const local = await request(app).get('/healthz');
    expect(local.body.services).toBeDefined();

    const deadDb = createDb('postgres://postgres@127.0.0.1:1/none', { pool: { min: 0, max: 1 } });
    const down = await request(createApp({ ...t.ctx, db: deadDb }))
      .get('/healthz')
      .set('X-Forwarded-For', '203.0.113.9');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ ok: false });
    expect(JSON.stringify(down.body)).not.toMatch(/5432|127\.0\.0\.1|ECONNREFUSED/);
    await deadDb.destroy();
  });
});

describe('no 5xx for a client mistake; 503 when a dependency is down', () => {
  it('answers every request of the bad-input corpus with a coded 4xx', async () => {
    const app = createApp(withCfg({ RATE_LIMIT_API_IP: 0, RATE_LIMIT_API_CORP: 0 }), { serveSidebar: false });
    const guide = bearer(guideUserid);
    const fin = bearer('fin1');
    const cb = (xml: string) => signedCallback(xml);
    const thirdParty = cb('<xml><SuiteId><![CDATA[ww1]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType></xml>');
    const malformed = cb('<xml><ToUserName>x</ToUserName><CreateTime>1<</xml');
    const deep = cb(`<xml>${'<a>'.repeat(10_000)}x${'</a>'.repeat(10_000)}</xml>`);
    const notXml = cb('{"json": true}');
    const corpus: [string, () => request.Test][] = [
      [
        'bad %-encoding in an API path',
        () => request(app).get('/api/sidebar/customers/%E0%A4%A').set('Authorization', guide),
      ],
      [
        'bad %-encoding in a trail id',
        () => request(app).get('/api/attribution/orders/%ZZ/trail').set('Authorization', fin),
      ],
      [
        'bad %-encoding in a webhook corp',
        () => request(app).post('/webhooks/pos/%ZZ').set('X-Guidepost-Signature', signPosBody('x', '{}')).send('{}'),
      ],
      ['bad %-encoding in a callback corp', () => request(app).post('/wecom/callback/%ZZ').send('<xml/>')],
      [
        'a huge numeric callback corp',
        () =>
          request(app)
            .post(`/wecom/callback/99999999999999999999?msg_signature=${'a'.repeat(40)}&timestamp=1&nonce=n`)
            .send('<xml><Encrypt>QUJD</Encrypt></xml>'),
      ],
      [
        'invalid JSON',
        () =>
          request(app)
            .post('/api/sidebar/sends')
            .set('Authorization', guide)
            .set('content-type', 'application/json')
            .send('{"a":'),
      ],
      [
        'deeply nested JSON',
        () =>
          request(app)
            .post('/api/sidebar/sends')
            .set('Authorization', guide)
            .set('content-type', 'application/json')
            .send('['.repeat(100_000) + ']'.repeat(100_000)),
      ],
      [
        'JSON with an unsupported charset',
        () =>
          request(app)
            .post('/api/sidebar/sends')
            .set('Authorization', guide)
            .set('content-type', 'application/json; charset=ebcdic')
            .send('{}'),
      ],
      [
        'an unterminated CSV quote',
        () =>
          request(app)
            .post('/api/ingest/orders-file')
            .set('Authorization', fin)
            .set('content-type', 'text/csv')
            .send('订单号,门店编码\n"A1,S1\n'),
      ],
      ['a callback without a query', () => request(app).post(`/wecom/callback/${corp.wecomCorpId}`).send('<xml/>')],
      [
        'a callback envelope that is not XML',
        () =>
          request(app)
            .post(`/wecom/callback/${corp.wecomCorpId}?msg_signature=${'a'.repeat(40)}&timestamp=1&nonce=n`)
            .send('\u0000\u0001'),
      ],
      ['a signed callback in a third-party format', () => request(app).post(thirdParty.path).send(thirdParty.body)],
      ['a signed callback with malformed XML', () => request(app).post(malformed.path).send(malformed.body)],
      ['a signed callback nested 10,000 deep', () => request(app).post(deep.path).send(deep.body)],
      ['a signed callback that is not XML', () => request(app).post(notXml.path).send(notXml.body)],
      [
        'URL verification without echostr',
        () =>
          request(app).get(`/wecom/callback/${corp.wecomCorpId}?msg_signature=${'a'.repeat(40)}&timestamp=1&nonce=n`),
      ],
      [
        'a POS batch that is not JSON',
        () => {
          const body = '{"batchId": ';
          return request(app)
            .post(`/webhooks/pos/${corp.wecomCorpId}`)
            .set('X-Guidepost-Signature', signPosBody(corp.posHmacSecret, body))
            .set('content-type', 'application/json')
            .send(body);
        },
      ],
      [
        'an OAuth callback with a forged state cookie',
        () => request(app).get('/api/auth/wecom/callback?code=x&state=abc').set('Cookie', 'gp_oauth=e30.AAAA'),
      ],
      [
        'an OAuth callback with a cookie of bad JSON',
        () => request(app).get('/api/auth/wecom/callback?code=x&state=abc').set('Cookie', 'gp_oauth=%ZZ'),
      ],
      [
        'a session cookie of garbage',
        () =>
          request(app)
            .get('/api/auth/me')
            .set('Cookie', `gp_session=${'%'.repeat(500)}`),
      ],
      ['a long path', () => request(app).get(`/api/${'x'.repeat(8000)}`)],
      ['an unknown route', () => request(app).delete('/api/auth/me').set('Authorization', guide)],
    ];
    const failures: string[] = [];
    for (const [name, send] of corpus) {
      const r = await send();
      if (r.status < 400 || r.status >= 500 || typeof r.body?.error?.code !== 'string')
        failures.push(`${name}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    // A page path is the sidebar's (when built, any page path serves it) or a coded 404: never a 5xx.
    expect((await request(createApp(t.ctx)).get('/%ZZ')).status).toBeLessThan(500);
  });

  it('answers a POS post during a database outage with 503 and Retry-After', async () => {
    const deadDb = createDb('postgres://postgres@127.0.0.1:1/none', { pool: { min: 0, max: 1 } });
    const body = JSON.stringify({ batchId: 'b-outage', orders: [], refunds: [] });
    const r = await request(createApp({ ...t.ctx, db: deadDb }))
      .post(`/webhooks/pos/${corp.wecomCorpId}`)
      .set('X-Guidepost-Signature', signPosBody(corp.posHmacSecret, body))
      .set('content-type', 'application/json')
      .send(body);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(r.headers['retry-after']).toBe('5');
    const api = await request(createApp({ ...t.ctx, db: deadDb }))
      .get('/api/sidebar/bootstrap')
      .set('Authorization', bearer('g2'));
    expect(api.status).toBe(503);
    await deadDb.destroy();
  });
});

describe('security headers', () => {
  it('sends CSP with WeCom frame-ancestors, nosniff and no-store on pages and APIs', async () => {
    const app = createApp(withCfg({ WECOM_JS_BRIDGE_URL: 'http://127.0.0.1:3100/client/bridge.js' }));
    for (const path of ['/', '/api/auth/me', '/healthz', '/api/nope']) {
      const r = await request(app).get(path).set('Authorization', bearer(guideUserid));
      const csp = r.headers['content-security-policy'] ?? '';
      expect(csp, path).toMatch(
        /frame-ancestors 'self' https:\/\/\*\.work\.weixin\.qq\.com https:\/\/work\.weixin\.qq\.com http:\/\/127\.0\.0\.1:3100/,
      );
      expect(csp).toMatch(/script-src 'self' http:\/\/127\.0\.0\.1:3100;/);
      expect(csp).toMatch(/object-src 'none'/);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBeUndefined();
      expect(r.headers['strict-transport-security']).toBeUndefined();
      if (path.startsWith('/api/')) expect(r.headers['cache-control']).toBe('no-store');
    }
  });

  it('sends HSTS when the public URL is https', async () => {
    const r = await request(createApp(withCfg({ publicUrl: 'https://guidepost.example.com' }))).get('/healthz');
    expect(r.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });
});
