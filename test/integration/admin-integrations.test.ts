import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { signSession } from '../../core/auth/session';
import { signPosBody } from '../../core/ingest/signature';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import { createCorp, createGuide, createRegion, createStore, type CorpFixture } from '../factories/org.factory';

let ctx: TestContext;
let corp: CorpFixture;
let admin = '';
let guide = '';
const app = () => createApp(ctx, { serveSidebar: false });

/** Posts an empty batch: a signature we accept gets past to body validation (400), a refused one is 401. */
const posWith = (secret: string) => {
  const raw = '{}';
  return request(app())
    .post(`/webhooks/pos/${corp.wecomCorpId}`)
    .set('content-type', 'application/json')
    .set('X-Guidepost-Signature', signPosBody(secret, raw))
    .send(raw);
};

beforeAll(async () => {
  ctx = await createTestContext({ PUBLIC_URL: 'https://guide.example.com' });
  corp = await createCorp(ctx.db, ctx.secrets);
  const store = await createStore(ctx.db, corp.id, await createRegion(ctx.db, corp.id));
  await createGuide(ctx.db, corp.id, store, { userid: 'licui', name: '李翠' });
  await ctx.db('users').insert({ corp_id: corp.id, userid: 'admin1', name: '管理员', role: 'admin' });
  admin = `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'admin1' }, 600)}`;
  guide = `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'licui' }, 600)}`;
});

afterAll(async () => {
  await destroyTestContext(ctx);
});

describe('integrations in the admin console', () => {
  it('shows the WeCom settings to paste (callback URL, toolbar URL, trusted domain) and never a secret', async () => {
    const r = await request(app()).get('/api/admin/integrations').set('authorization', admin);
    expect(r.status).toBe(200);
    expect(r.body.wecom).toMatchObject({
      corpId: corp.wecomCorpId,
      callbackUrl: `https://guide.example.com/wecom/callback/${corp.wecomCorpId}`,
      toolbarUrl: `https://guide.example.com/api/auth/wecom/start?corp=${corp.wecomCorpId}&redirect=%2Fsidebar%3Fcorp%3D${corp.wecomCorpId}`,
      trustedDomain: 'guide.example.com',
    });
    expect(r.body.pos).toMatchObject({ secretSet: true, previousValidUntil: null });
    expect(JSON.stringify(r.body)).not.toContain(corp.posHmacSecret);
    expect((await request(app()).get('/api/admin/integrations').set('authorization', guide)).status).toBe(403);
  });

  it('rotates the POS secret: shown once, the old one accepted during the overlap, then refused', async () => {
    expect((await posWith(corp.posHmacSecret)).status).toBe(400);
    const rot = await request(app())
      .post('/api/admin/integrations/pos-secret')
      .set('authorization', admin)
      .send({ overlapMinutes: 60 });
    expect(rot.status).toBe(200);
    const fresh = rot.body.secret as string;
    expect(fresh).toMatch(/^[0-9a-f]{48}$/);
    expect(Date.parse(rot.body.previousValidUntil) - Date.now()).toBeGreaterThan(59 * 60_000);
    // Both are accepted during the overlap; any other is not.
    expect((await posWith(fresh)).status).toBe(400);
    expect((await posWith(corp.posHmacSecret)).status).toBe(400);
    expect((await posWith('not-a-secret-of-ours')).status).toBe(401);
    // The overlap ends (here: cut short by the admin): the old one is refused.
    await ctx
      .db('corps')
      .where({ id: corp.id })
      .update({ pos_hmac_prev_valid_until: new Date(Date.now() - 1000) });
    expect((await posWith(corp.posHmacSecret)).status).toBe(401);
    expect((await posWith(fresh)).status).toBe(400);
    const settings = await request(app()).get('/api/admin/integrations').set('authorization', admin);
    expect(settings.body.pos).toMatchObject({
      secretSet: true,
      previousValidUntil: null,
      rotatedAt: expect.any(String),
    });
    expect(JSON.stringify(settings.body)).not.toContain(fresh);
    const audit = await ctx.db('audit_log').where({ corp_id: corp.id, action: 'pos_secret.rotate' }).first();
    expect(audit).toMatchObject({ actor: 'admin1', entity: 'integration' });
    expect(JSON.stringify(audit.detail)).not.toContain(fresh);
    // A guide cannot rotate it.
    expect(
      (await request(app()).post('/api/admin/integrations/pos-secret').set('authorization', guide).send({})).status,
    ).toBe(403);
  });

  it('ends the overlap on request', async () => {
    const rot = await request(app()).post('/api/admin/integrations/pos-secret').set('authorization', admin).send({});
    const previous = rot.body.secret as string;
    const next = await request(app()).post('/api/admin/integrations/pos-secret').set('authorization', admin).send({});
    expect((await posWith(previous)).status).toBe(400);
    await request(app()).delete('/api/admin/integrations/pos-secret/previous').set('authorization', admin).expect(200);
    expect((await posWith(previous)).status).toBe(401);
    expect((await posWith(next.body.secret as string)).status).toBe(400);
  });

  it("serves WeCom's trusted-domain verification file at the site root as plain text", async () => {
    const put = await request(app())
      .put('/api/admin/integrations/wecom-verify-file')
      .set('authorization', admin)
      .send({ filename: 'WW_verify_DDzKZAh4svwfgX39.txt', content: 'DDzKZAh4svwfgX39' });
    expect(put.status).toBe(200);
    expect(put.body.url).toBe('https://guide.example.com/WW_verify_DDzKZAh4svwfgX39.txt');
    // With the page fallback on (it used to answer index.html here).
    const withPages = createApp(ctx);
    const r = await request(withPages).get('/WW_verify_DDzKZAh4svwfgX39.txt');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.text).toBe('DDzKZAh4svwfgX39');
    expect((await request(withPages).get('/WW_verify_unknownunknown1.txt')).status).toBe(404);
    const bad = await request(app())
      .put('/api/admin/integrations/wecom-verify-file')
      .set('authorization', admin)
      .send({ filename: 'verify.txt', content: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.filename' });
    expect(
      await ctx.db('audit_log').where({ corp_id: corp.id, action: 'wecom_verify_file.set' }).pluck('entity_id'),
    ).toEqual(['WW_verify_DDzKZAh4svwfgX39.txt']);
  });
});
