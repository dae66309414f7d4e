/**
 * What a real corp does that a lenient sandbox hid: one-way relations after del_follow_user,
 * members outside the app's visible scope, JS-SDK tickets WeCom drops early, rate-limit windows,
 * and WeCom errors reaching API callers coded.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { loadPrincipal } from '../../core/auth/principal';
import { signSession } from '../../core/auth/session';
import { checkCallbackUrl } from '../../core/admin/integrations';
import { syncContactsJob } from '../../core/jobs/wecom.jobs';
import { RATE_HOUR_S, RATE_MINUTE_S, WecomClient } from '../../core/wecom/client';
import { getWecomClient } from '../../core/wecom/corp-client';
import { runContactSync, runTagSync } from '../../core/wecom/service';
import { WecomError } from '../../core/wecom/wecom-error';
import { startSandbox, type Sandbox } from '../../sandbox/wecom/server';
import { startWorkers, type RunningWorkers } from '../../workers/runtime';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import { createCorp, createGuide, createRegion, createStore, type CorpFixture } from '../factories/org.factory';
import { sandboxCorp } from '../helpers/sandbox-corp';

let sb: Sandbox;
let ctx: TestContext;
let server: Server;
let api = '';
let app: Express;
let workers: RunningWorkers;
let corp: CorpFixture;
let licui: { id: number; userid: string };
let zhaolei: { id: number; userid: string };
let wuxin: { id: number; userid: string };
let storeId = 0;
/** The sandbox's clock runs this far ahead of ours (a customer who re-adds does so later). */
let skewMs = 0;

const sandboxApi = (path: string, body?: unknown) =>
  fetch(
    `${sb.url}/sandbox/api/corps/${corp.wecomCorpId}${path}`,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  ).then(async (r) => {
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<Record<string, unknown>>;
  });

async function settle(): Promise<void> {
  await expect
    .poll(
      async () =>
        ((await sandboxApi('/callbacks')) as unknown as { status: string }[]).every((c) => c.status !== 'pending'),
      { timeout: 5000, interval: 20 },
    )
    .toBe(true);
  await ctx.queues.drain();
}

const relation = (ext: string, guideId: number) =>
  ctx
    .db('customer_guides as cg')
    .join('customers as c', 'c.id', 'cg.customer_id')
    .where({ 'c.external_userid': ext, 'cg.guide_id': guideId, 'cg.corp_id': corp.id })
    .first<{ ended_at: Date | null; end_reason: string | null } | undefined>('cg.ended_at', 'cg.end_reason');

const scan = async (userid: string, customer: { name: string; external_userid?: string }) => {
  const r = (await sandboxApi('/actions/scan-contact-way', { state: 'st_rc', userid, customer })) as {
    external_userid: string;
  };
  await settle();
  return r.external_userid;
};

beforeAll(async () => {
  sb = await startSandbox({ retryDelaysMs: [20, 20], now: () => Date.now() + skewMs });
  server = createServer((req, res) => app(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx = await createTestContext({ WECOM_API_BASE: sb.url, WECOM_OAUTH_BASE: sb.url, PUBLIC_URL: api });
  app = createApp(ctx, { serveSidebar: false });
  workers = startWorkers(ctx);
  corp = await createCorp(ctx.db, ctx.secrets);
  const store = await createStore(ctx.db, corp.id, await createRegion(ctx.db, corp.id));
  storeId = store;
  licui = await createGuide(ctx.db, corp.id, store, { userid: 'licui', name: '李翠' });
  zhaolei = await createGuide(ctx.db, corp.id, store, { userid: 'zhaolei', name: '赵磊' });
  wuxin = await createGuide(ctx.db, corp.id, store, { userid: 'wuxin', name: '吴欣' });
  await sandboxCorp(sb.url, corp, { name: '真实企业', callbackTo: api });
  await sandboxApi('/members', {
    members: [
      { userid: 'licui', name: '李翠' },
      { userid: 'zhaolei', name: '赵磊' },
      { userid: 'wuxin', name: '吴欣', in_scope: false },
    ],
  });
  await sandboxApi('/contact-ways', { state: 'st_rc', userids: ['licui', 'zhaolei', 'wuxin'] });
});

afterAll(async () => {
  await workers.close();
  await destroyTestContext(ctx);
  await sb.close();
  server.close();
});

describe('a real corp', () => {
  it('ends the relation as customer_deleted on del_follow_user although WeCom keeps returning it one-way', async () => {
    const ext = await scan('licui', { name: '钱女士' });
    expect(await relation(ext, licui.id)).toMatchObject({ ended_at: null });

    await sandboxApi('/actions/customer-deletes-guide', { userid: 'licui', external_userid: ext });
    await settle();
    expect(await relation(ext, licui.id)).toMatchObject({ ended_at: expect.any(Date), end_reason: 'customer_deleted' });
    // The sandbox behaves as WeCom does: the member still shows up on a re-read.
    const client = await getWecomClient(ctx, corp.id);
    expect((await client.getExternalContact(ext)).follow_user.map((f) => f.userid)).toContain('licui');

    // Later re-reads (another event about her, the nightly sync) leave the relation ended.
    await sandboxApi('/actions/edit-tags', { userid: 'licui', external_userid: ext, add: [] });
    await settle();
    await runContactSync(ctx, corp.id, 'licui');
    expect(await relation(ext, licui.id)).toMatchObject({ ended_at: expect.any(Date), end_reason: 'customer_deleted' });

    // She adds the guide again (a new add time): the relation is back.
    skewMs += 5_000;
    await scan('licui', { name: '钱女士', external_userid: ext });
    expect(await relation(ext, licui.id)).toMatchObject({ ended_at: null, end_reason: null });
  });

  it('never ends a relation of a member outside the app’s visible scope', async () => {
    const ext = await scan('zhaolei', { name: '孙先生' });
    // wuxin (outside the app's scope) follows the customer too; the app never sees her in WeCom.
    sb.state.corps
      .get(corp.wecomCorpId)!
      .contacts.get(ext)!
      .follow_user.push({
        userid: 'wuxin',
        remark: '',
        description: '',
        createtime: Math.floor(Date.now() / 1000) - 3600,
        add_way: 1,
        oper_userid: ext,
        tag_ids: [],
      });
    const customerId = (await ctx.db('customers').where({ corp_id: corp.id, external_userid: ext }).first('id'))!
      .id as number;
    await ctx.db('customer_guides').insert({
      corp_id: corp.id,
      customer_id: customerId,
      guide_id: wuxin.id,
      added_at: new Date(Date.now() - 3600_000),
      add_way: 1,
    });
    // An event about the in-scope guide re-reads the contact without wuxin...
    await sandboxApi('/actions/edit-tags', { userid: 'zhaolei', external_userid: ext, add: [] });
    await settle();
    expect(await relation(ext, wuxin.id)).toMatchObject({ ended_at: null });
    // ...and even when the in-scope guide leaves and WeCom answers 84061 for the app.
    await sandboxApi('/actions/delete-customer', { userid: 'zhaolei', external_userid: ext });
    await settle();
    expect(await relation(ext, zhaolei.id)).toMatchObject({ ended_at: expect.any(Date), end_reason: 'guide_deleted' });
    expect(await relation(ext, wuxin.id)).toMatchObject({ ended_at: null });
    // Her own contact sync is refused (60011), ending nothing.
    const err = await runContactSync(ctx, corp.id, 'wuxin').catch((e: unknown) => e);
    expect(err).toMatchObject({ errcode: 60011 });
    expect(await relation(ext, wuxin.id)).toMatchObject({ ended_at: null });
  });

  it('drops a JS-SDK ticket WeCom rejected and signs with a fresh one when the sidebar retries', async () => {
    const session = signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'licui' }, 600);
    const url = `${api}/sidebar?corp=x`;
    const sign = (retry?: boolean) =>
      fetch(`${api}/api/wecom/jssdk-signatures`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url, ...(retry ? { retry } : {}) }),
      }).then((r) => r.json() as Promise<{ agentConfig: { timestamp: number; nonceStr: string; signature: string } }>);
    const verify = async (s: { timestamp: number; nonceStr: string; signature: string }) =>
      (
        await fetch(`${sb.url}/client/api/verify-agent-config`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ corpid: corp.wecomCorpId, agentid: corp.agentId, url, ...s }),
        }).then((r) => r.json() as Promise<{ ok: boolean }>)
      ).ok;
    expect(await verify((await sign()).agentConfig)).toBe(true);
    await sandboxApi('/faults', { dropTickets: true });
    // The cached ticket is dead: a plain request signs with it and the client refuses.
    expect(await verify((await sign()).agentConfig)).toBe(false);
    // The sidebar's retry says so; the server fetches fresh tickets and the client accepts.
    expect(await verify((await sign(true)).agentConfig)).toBe(true);
    expect(await verify((await sign()).agentConfig)).toBe(true);
  });

  it('hands WeCom failures to API callers as coded 503/502 with the errcode, never a 500', async () => {
    const session = signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'licui' }, 600);
    const sign = () =>
      fetch(`${api}/api/wecom/jssdk-signatures`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: `${api}/sidebar`, retry: true }),
      });
    await ctx.redis.del(`${ctx.queues.prefix}:wecom:ticket-drop:${corp.wecomCorpId}:agent${corp.agentId}`);
    await sandboxApi('/faults', { dropTickets: true, busy: { path: 'get_jsapi_ticket', count: 9, errcode: -1 } });
    const busy = await sign();
    expect(busy.status).toBe(503);
    expect(await busy.json()).toMatchObject({
      error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/get_jsapi_ticket failed: -1 /) },
    });
    sb.state.corps.get(corp.wecomCorpId)!.faults.busy.clear();

    // A corp whose secret WeCom refuses (40001): 502 naming the errcode.
    const other = await createCorp(ctx.db, ctx.secrets);
    await createGuide(ctx.db, other.id, await createStore(ctx.db, other.id, await createRegion(ctx.db, other.id)), {
      userid: 'zhoumin',
      name: '周敏',
    });
    await sandboxCorp(sb.url, { ...other, agentSecret: 'not-ours' }, { name: '错配' });
    const refused = await fetch(`${api}/api/wecom/jssdk-signatures`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: other.id, userid: 'zhoumin' }, 600)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ url: `${api}/sidebar` }),
    });
    expect(refused.status).toBe(502);
    expect(await refused.json()).toMatchObject({
      error: { code: 'WECOM_ERROR', message: expect.stringMatching(/gettoken failed: 40001 invalid credential$/) },
    });
  });

  it("pauses an API for WeCom's window on 45009 (a minute, then an hour) instead of spending retries", async () => {
    const client = new WecomClient({
      baseUrl: sb.url,
      corpid: corp.wecomCorpId,
      secret: corp.agentSecret,
      app: 'rate',
      redis: ctx.redis,
      keyPrefix: ctx.queues.prefix,
      backoffMs: [5, 5, 5],
    });
    const blockKey = `${ctx.queues.prefix}:wecom:blocked:${corp.wecomCorpId}:/cgi-bin/externalcontact/list`;
    await client.listExternalContacts('licui');
    await sandboxApi('/faults', { rateLimit: { path: 'externalcontact/list', count: 2 } });
    const first = await client.listExternalContacts('licui').catch((e: unknown) => e);
    expect(first).toBeInstanceOf(WecomError);
    expect(first).toMatchObject({ errcode: 45009, status: 503, retryAfterSeconds: RATE_MINUTE_S });
    // During the window nobody calls WeCom: the one 45009 left is still unspent.
    await expect(client.listExternalContacts('licui')).rejects.toMatchObject({ errcode: 45009 });
    expect(sb.state.corps.get(corp.wecomCorpId)!.faults.rateLimits.get('externalcontact/list')).toBe(1);
    expect(await ctx.redis.ttl(blockKey)).toBeGreaterThan(RATE_MINUTE_S - 5);

    // The minute passes; a second 45009 within the hour is the hourly limit.
    await ctx.redis.del(blockKey);
    await expect(client.listExternalContacts('licui')).rejects.toMatchObject({ retryAfterSeconds: RATE_HOUR_S });
    expect(await ctx.redis.ttl(blockKey)).toBeGreaterThan(RATE_HOUR_S - 5);

    // A job that meets the pause waits it out, its attempts unspent.
    const syncBlock = `${ctx.queues.prefix}:wecom:blocked:${corp.wecomCorpId}:/cgi-bin/externalcontact/batch/get_by_user`;
    await ctx.redis.set(syncBlock, '45009', 'EX', RATE_MINUTE_S);
    const jobId = await ctx.queues.enqueue(syncContactsJob, { corpId: corp.id, userid: 'licui' }, { jobId: 'rate-1' });
    const q = ctx.queues.queue(syncContactsJob.queue);
    await expect.poll(async () => (await q.getJob(jobId))?.getState(), { timeout: 5000, interval: 20 }).toBe('delayed');
    const delayed = (await q.getJob(jobId))!;
    expect(delayed.attemptsMade).toBe(0);
    expect(delayed.delay).toBeGreaterThan((RATE_MINUTE_S - 5) * 1000);
    await delayed.remove();
    await ctx.redis.del(blockKey, syncBlock);
  });

  it('creates a channel code through add_contact_way; who scans it arrives with its state, store and channel tag', async () => {
    await sandboxApi('/tags', {
      groups: [{ group_id: 'etGCH', group_name: '渠道来源', tag: [{ id: 'etCH1', name: '门店海报' }] }],
    });
    await runTagSync(ctx, corp.id);
    const tagId = (await ctx.db('tags').where({ corp_id: corp.id, wecom_tag_id: 'etCH1' }).first('id'))!.id as number;
    await ctx.db('users').insert({ corp_id: corp.id, userid: 'admin1', name: '管理员', role: 'admin' });
    const admin = `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'admin1' }, 600)}`;
    const create = (body: unknown) =>
      fetch(`${api}/api/admin/channel-codes`, {
        method: 'POST',
        headers: { authorization: admin, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const res = await create({
      name: '南京西路店 冬季海报（门店二维码，贴在试衣间门口，活动期至十二月底）',
      storeId,
      guideIds: [licui.id, zhaolei.id],
      tagId,
    });
    expect(res.status).toBe(201);
    const code = (await res.json()) as { id: number; state: string; qrCode: string; adds: number };
    expect(code.state).toMatch(/^[a-z0-9]{1,30}$/);
    expect(code.adds).toBe(0);
    // WeCom now has the contact way, with its state and both guides, and the remark cut to 30 characters.
    const way = [...sb.state.corps.get(corp.wecomCorpId)!.contactWays.values()].find((w) => w.state === code.state)!;
    expect(way).toMatchObject({ type: 2, scene: 2, user: ['licui', 'zhaolei'], qr_code: code.qrCode });
    expect([...way.remark].length).toBe(30);
    // The QR image WeCom returns is a PNG on its CDN; the console shows it and downloads it through our API.
    const qr = await fetch(code.qrCode);
    expect(qr.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await qr.arrayBuffer());
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const download = await fetch(`${api}/api/admin/channel-codes/${code.id}/qr`, { headers: { authorization: admin } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="channel-code-\d+\.png"/);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(png);

    const ext = (
      (await sandboxApi('/actions/scan-contact-way', {
        state: code.state,
        userid: 'zhaolei',
        customer: { name: '冯女士' },
      })) as { external_userid: string }
    ).external_userid;
    await settle();
    const rel = await ctx
      .db('customer_guides as cg')
      .join('customers as c', 'c.id', 'cg.customer_id')
      .join('channel_codes as cc', (j) => j.on('cc.corp_id', 'cg.corp_id').andOn('cc.state', 'cg.state'))
      .where({ 'c.external_userid': ext, 'cg.guide_id': zhaolei.id })
      .first('cg.state', 'cc.store_id', 'c.id as customerId');
    expect(rel).toMatchObject({ state: code.state, store_id: storeId });
    expect(
      await ctx
        .db('customer_tags')
        .where({ customer_id: rel.customerId, guide_id: zhaolei.id })
        .select('tag_id', 'source'),
    ).toEqual([{ tag_id: tagId, source: 'rule' }]);
    // …and in WeCom, through mark_tag.
    const follow = sb.state.corps
      .get(corp.wecomCorpId)!
      .contacts.get(ext)!
      .follow_user.find((f) => f.userid === 'zhaolei')!;
    expect(follow.tag_ids).toEqual(['etCH1']);
    const list = await fetch(`${api}/api/admin/channel-codes`, { headers: { authorization: admin } }).then(
      (r) => r.json() as Promise<{ codes: { id: number; adds: number }[] }>,
    );
    expect(list.codes.find((c) => c.id === code.id)).toMatchObject({
      adds: 1,
      kind: 'store',
      storeId,
      guideIds: [licui.id, zhaolei.id],
      guideNames: ['李翠', '赵磊'],
      tagName: '门店海报',
      removedAt: null,
    });
    // Adds over business days in the tenant's zone: today's add counts in today's range, not in last year's.
    const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    const addsIn = async (from: string, to: string) =>
      (
        await fetch(`${api}/api/admin/channel-codes?from=${from}&to=${to}`, { headers: { authorization: admin } }).then(
          (r) => r.json() as Promise<{ codes: { id: number; adds: number }[] }>,
        )
      ).codes.find((c) => c.id === code.id)?.adds;
    expect(await addsIn(today, today)).toBe(1);
    expect(await addsIn('2025-01-01', '2025-01-31')).toBe(0);
    const badRange = await fetch(`${api}/api/admin/channel-codes?from=yesterday&to=${today}`, {
      headers: { authorization: admin },
    });
    expect(badRange.status).toBe(400);
    expect(((await badRange.json()) as { error: { field: string } }).error.field).toBe('query.from');
    // The create form's choices: the corp's stores, guides and tags, channel tags first.
    const opts = (await fetch(`${api}/api/admin/channel-codes/options`, { headers: { authorization: admin } }).then(
      (r) => r.json(),
    )) as { stores: { id: number }[]; guides: { name: string }[]; tags: { id: number; channel: boolean }[] };
    expect(opts.stores.map((x) => x.id)).toContain(storeId);
    expect(opts.guides.map((g) => g.name)).toEqual(expect.arrayContaining(['李翠', '赵磊']));
    expect(opts.tags[0]).toMatchObject({ id: tagId, channel: true });

    // WeCom busy: the caller gets a coded 503 and the code stays as it was.
    await sandboxApi('/faults', { busy: { path: 'externalcontact/del_contact_way', count: 9, errcode: -1 } });
    const busy = await fetch(`${api}/api/admin/channel-codes/${code.id}`, {
      method: 'DELETE',
      headers: { authorization: admin },
    });
    expect(busy.status).toBe(503);
    expect(await busy.json()).toMatchObject({
      error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/del_contact_way failed: -1 /) },
    });
    expect(await ctx.db('channel_codes').where({ id: code.id }).first('removed_at')).toEqual({ removed_at: null });
    sb.state.corps.get(corp.wecomCorpId)!.faults.busy.clear();

    // Removed: WeCom deletes the contact way (its QR stops adding anyone); the customer keeps her channel.
    const del = await fetch(`${api}/api/admin/channel-codes/${code.id}`, {
      method: 'DELETE',
      headers: { authorization: admin },
    });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ id: code.id, removedAt: expect.any(String), adds: 1 });
    expect([...sb.state.corps.get(corp.wecomCorpId)!.contactWays.values()].some((w) => w.state === code.state)).toBe(
      false,
    );
    await expect(
      sandboxApi('/actions/scan-contact-way', { state: code.state, customer: { name: '迟到的客户' } }),
    ).rejects.toThrow(/404/);
    expect(await relation(ext, zhaolei.id)).toMatchObject({ ended_at: null });
    const again = await fetch(`${api}/api/admin/channel-codes/${code.id}`, {
      method: 'DELETE',
      headers: { authorization: admin },
    });
    expect(again.status).toBe(409);
    expect(
      await ctx.db('audit_log').where({ corp_id: corp.id, action: 'channel_code.remove' }).pluck('entity_id'),
    ).toEqual([String(code.id)]);
    expect(
      await ctx.db('audit_log').where({ corp_id: corp.id, action: 'channel_code.create' }).count('* as n'),
    ).toEqual([{ n: 1 }]);
    // A guide of another corp, or none at all, is the caller's mistake.
    const bad = await create({ name: 'x', guideIds: [999999] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('body.guideIds');
  });

  it('checks the callback URL the way WeCom verifies it: ok with the right Token and key, the reason when not', async () => {
    await ctx
      .db('users')
      .insert({ corp_id: corp.id, userid: 'admin2', name: '管理员', role: 'admin' })
      .onConflict(['corp_id', 'userid'])
      .ignore();
    const admin = `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'admin2' }, 600)}`;
    const checkIt = () =>
      fetch(`${api}/api/admin/integrations/callback-check`, { method: 'POST', headers: { authorization: admin } }).then(
        async (r) => ({
          status: r.status,
          body: (await r.json()) as { ok: boolean; status: number | null; reason: string },
        }),
      );
    const ok = await checkIt();
    expect(ok).toMatchObject({ status: 200, body: { ok: true, outcome: 'ok', status: 200 } });
    expect(ok.body).toMatchObject({ url: `${api}/wecom/callback/${corp.wecomCorpId}` });
    // The settings say which secrets are set, never what they are.
    const settings = (await fetch(`${api}/api/admin/integrations`, { headers: { authorization: admin } }).then((r) =>
      r.json(),
    )) as { wecom: { secretsSet: Record<string, boolean> } };
    expect(settings.wecom.secretsSet).toEqual({
      agentSecret: true,
      contactSecret: false,
      callbackToken: true,
      callbackAesKey: true,
    });
    expect(JSON.stringify(settings)).not.toContain(corp.agentSecret);
    expect(JSON.stringify(settings)).not.toContain(corp.callbackToken);

    // Where the public URL does not reach this API, the check says so, as WeCom would fail to save it.
    const principal = (await loadPrincipal(ctx.db, corp.id, 'admin2'))!;
    const elsewhere = (publicUrl: string) => ({ ...ctx, cfg: { ...ctx.cfg, publicUrl } });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await checkCallbackUrl(elsewhere(`http://127.0.0.1:${closedPort}`), principal)).toMatchObject({
      ok: false,
      outcome: 'unreachable',
      status: null,
      reason: expect.stringMatching(/^unreachable: ECONNREFUSED/),
    });
    // Another server (here: the sandbox) answers, but not as our callback does.
    expect(await checkCallbackUrl(elsewhere(sb.url), principal)).toMatchObject({
      ok: false,
      outcome: 'http_error',
      status: 404,
      reason: expect.stringMatching(/^answered 404/),
    });
  });
});
