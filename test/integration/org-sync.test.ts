/**
 * Org sync from WeCom against the sandbox: departments → regions and stores, members → users and
 * guides, kept in step by the 通讯录同步 assistant's change_contact callbacks (create, move, delete)
 * and by the scheduled re-sync; a guide who moves keeps her history; roles and scopes assigned in
 * the console are audited, take effect through the access layer and sign the user's sessions out.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { onGuidesLeft, syncOrg } from '../../core/admin/org-sync';
import { attributeOrders, attributeTransfers } from '../../core/attribution/attribution.service';
import { signSession, trackSession, verifySession } from '../../core/auth/session';
import { rollupCells } from '../../core/boards/rollup';
import { recordInteractions } from '../../core/ingest/interactions';
import { orgSyncFanoutJob } from '../../core/jobs/maintenance.jobs';
import { startSandbox, type Sandbox } from '../../sandbox/wecom/server';
import { startWorkers, type RunningWorkers } from '../../workers/runtime';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import { createCorp, createCustomer, createUser, type CorpFixture } from '../factories/org.factory';
import { sandboxCorp } from '../helpers/sandbox-corp';

let sb: Sandbox;
let ctx: TestContext;
let server: Server;
let app: Express;
let workers: RunningWorkers;
let corp: CorpFixture;
let adminToken = '';
const left: string[] = [];

const sandbox = (method: string, path: string, body?: unknown) =>
  fetch(`${sb.url}/sandbox/api/corps/${corp.wecomCorpId}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).then(async (r) => {
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<Record<string, unknown>>;
  });

/** Callbacks delivered, the queues drained (the callback job, then the org sync it asks for). */
async function settle(): Promise<void> {
  await expect
    .poll(
      async () =>
        ((await sandbox('GET', '/callbacks')) as unknown as { status: string }[]).every((c) => c.status !== 'pending'),
      { timeout: 5000, interval: 20 },
    )
    .toBe(true);
  await ctx.queues.drain();
}

const guide = (userid: string) =>
  ctx
    .db('guides')
    .where({ corp_id: corp.id, userid })
    .first<{ id: number; store_id: number; status: string; left_at: Date | null; name: string } | undefined>(
      'id',
      'store_id',
      'status',
      'left_at',
      'name',
    );
const storeOfDept = async (wecomId: number) =>
  (await ctx.db('stores').where({ corp_id: corp.id, wecom_department_id: wecomId }).first<{ id: number }>('id')).id;

beforeAll(async () => {
  sb = await startSandbox({ retryDelaysMs: [20, 20] });
  server = createServer((req, res) => app(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx = await createTestContext({ WECOM_API_BASE: sb.url, WECOM_OAUTH_BASE: sb.url, PUBLIC_URL: api });
  app = createApp(ctx, { serveSidebar: false });
  workers = startWorkers(ctx);
  corp = await createCorp(ctx.db, ctx.secrets, { name: '悦享测试' });
  await createUser(ctx.db, corp.id, { userid: 'boss', role: 'admin', name: '总部管理员' });
  await createUser(ctx.db, corp.id, { userid: 'sm101', role: 'store_manager', name: '南京西路店长' });
  adminToken = signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'boss' }, 600);
  const callback = {
    url: `${api}/wecom/callback/${corp.wecomCorpId}`,
    token: corp.callbackToken,
    encodingAESKey: corp.callbackAesKey,
  };
  await sandboxCorp(sb.url, corp, {
    name: '悦享测试',
    extra: { callback, appCreatedAt: Date.parse('2024-03-01T00:00:00+08:00') },
  });
  // The 通讯录同步 assistant's event server is ours, with the same Token and EncodingAESKey (README).
  await sandbox('POST', '/contact-sync', {
    secret: 'sync-secret',
    callback,
    configuredAt: Date.parse('2025-01-01T00:00:00+08:00'),
  });
  // 华东区 (10) → 南京西路店 (101), 淮海路店 (102); 总部职能 (20), left out by the admin later.
  await sandbox('POST', '/departments', {
    departments: [
      { id: 10, name: '华东区', parentid: 1 },
      { id: 101, name: '南京西路店', parentid: 10 },
      { id: 102, name: '淮海路店', parentid: 10 },
      { id: 103, name: '淮海路店-童装组', parentid: 102 },
      { id: 20, name: '总部职能', parentid: 1 },
    ],
  });
  await sandbox('POST', '/members', {
    members: [
      { userid: 'boss', name: '总部管理员', department: [1] },
      { userid: 'licui', name: '李翠', department: [101] },
      { userid: 'zhoumin', name: '周敏', department: [103] },
      { userid: 'manager1', name: '王店长', department: [101] },
      { userid: 'sm101', name: '南京西路店长', department: [101] },
      { userid: 'hidden', name: '范围外', department: [101], in_scope: false },
    ],
  });
  onGuidesLeft.push(async (_ctx, _corpId, guides) => void left.push(...guides.map((g) => g.userid)));
});

afterAll(async () => {
  await workers?.close();
  await new Promise((r) => server?.close(r));
  await sb?.close();
  if (ctx) await destroyTestContext(ctx);
});

describe('the sandbox serves WeCom contacts as documented (§9)', () => {
  it('department/list in scope, user/list not recursive and without the 2022 fields, list_id only with the sync secret', async () => {
    const token = async (secret: string) =>
      (
        (await (await fetch(`${sb.url}/cgi-bin/gettoken?corpid=${corp.wecomCorpId}&corpsecret=${secret}`)).json()) as {
          access_token: string;
        }
      ).access_token;
    const app = await token(corp.agentSecret);
    const get = async (path: string) => (await fetch(`${sb.url}${path}&access_token=${app}`)).json();
    const depts = (await get('/cgi-bin/department/list?x=1')) as { department: { id: number }[] };
    expect(depts.department.map((d) => d.id).sort((a, b) => a - b)).toEqual([1, 10, 20, 101, 102, 103]);
    const store = (await get('/cgi-bin/user/list?department_id=102')) as { userlist: unknown[] };
    expect(store.userlist).toEqual([]); // 周敏 is in 103, under 102: not listed at 102
    const members = (await get('/cgi-bin/user/list?department_id=101')) as { userlist: Record<string, unknown>[] };
    expect(members.userlist.map((m) => m.userid).sort()).toEqual(['licui', 'manager1', 'sm101']);
    expect(members.userlist[0]).not.toHaveProperty('mobile');
    expect(members.userlist[0]).not.toHaveProperty('avatar');
    expect(((await get('/cgi-bin/user/get?userid=hidden')) as { errcode: number }).errcode).toBe(60011);
    expect(((await get('/cgi-bin/user/get?userid=nobody')) as { errcode: number }).errcode).toBe(60111);
    const listId = (secret: string) =>
      token(secret).then(async (t) =>
        (
          await fetch(`${sb.url}/cgi-bin/user/list_id?access_token=${t}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ limit: 2 }),
          })
        ).json(),
      );
    expect(((await listId(corp.agentSecret)) as { errcode: number }).errcode).toBe(48002);
    const page = (await listId('sync-secret')) as { dept_user: unknown[]; next_cursor: string };
    expect(page.dept_user).toHaveLength(2);
    expect(page.next_cursor).not.toBe('');
  });
});

describe('org sync', () => {
  it('maps departments by depth, members in stores to guides, everyone to users; idempotent', async () => {
    const first = await syncOrg(ctx, corp.id, 'manual');
    expect(first.counts).toMatchObject({ regions: 2, stores: 2, guides: 3, created: 3 });
    const s101 = await storeOfDept(101);
    const s102 = await storeOfDept(102);
    expect((await guide('licui'))?.store_id).toBe(s101);
    // A sub-department belongs to its store.
    expect((await guide('zhoumin'))?.store_id).toBe(s102);
    expect(await guide('boss')).toBeUndefined();
    // A store manager sits in his store's department without being one of its guides.
    expect(await guide('sm101')).toBeUndefined();
    // Outside the app's visible scope: invisible, so not synced.
    expect(await guide('hidden')).toBeUndefined();
    const users = await ctx.db('users').where({ corp_id: corp.id }).orderBy('userid').pluck('userid');
    expect(users).toEqual(['boss', 'licui', 'manager1', 'sm101', 'zhoumin']);
    const again = await syncOrg(ctx, corp.id, 'manual');
    expect(again.counts).toMatchObject({ created: 0, moved: 0, left: 0 });
    expect(await ctx.db('stores').where({ corp_id: corp.id }).pluck('name')).toHaveLength(2);
  });

  it('the admin leaves a department out: 总部职能 is no region after the next sync', async () => {
    const res = await request(app)
      .put('/api/admin/org/departments/20/kind')
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ kind: 'none', why: '总部职能部门不是区域' });
    expect(res.status).toBe(200);
    await ctx.queues.drain();
    const overview = await request(app).get('/api/admin/org').set('Authorization', `Bearer ${adminToken}`);
    expect(overview.status).toBe(200);
    const d20 = (overview.body as { departments: { wecomId: number; role: string; kind: string }[] }).departments.find(
      (d) => d.wecomId === 20,
    );
    expect(d20).toMatchObject({ kind: 'none', role: 'none' });
    expect((overview.body as { sync: { last: { status: string } } }).sync.last.status).toBe('ok');
    const audit = await ctx.db('audit_log').where({ corp_id: corp.id, action: 'org.department_kind' }).first();
    expect(audit).toMatchObject({ actor: 'boss', entity_id: '20' });
    expect(audit.detail).toMatchObject({ from: 'auto', to: 'none', why: '总部职能部门不是区域' });
  });

  it('change_contact callbacks: a new member, a move and a deletion reach our rows', async () => {
    await sandbox('POST', '/org/departments', { id: 104, name: '静安寺店', parentid: 10 });
    await sandbox('POST', '/org/members', { userid: 'newbie', name: '新导购', department: [104] });
    await settle();
    const s104 = await storeOfDept(104);
    expect((await guide('newbie'))?.store_id).toBe(s104);
    const lastSync = await ctx.db('org_syncs').where({ corp_id: corp.id }).orderBy('id', 'desc').first();
    expect(lastSync).toMatchObject({ trigger: 'callback', status: 'ok' });
    // The event server was configured after 2022-08-15: member events carry UserID and Department only.
    const ev = await ctx
      .db('wecom_callback_events')
      .where({ corp_id: corp.id, change_type: 'create_user' })
      .first<{ xml: string }>('xml');
    expect(ev.xml).toContain('<UserID><![CDATA[newbie]]></UserID>');
    expect(ev.xml).not.toContain('<Name>');

    await sandbox('PATCH', '/org/members/newbie', { department: [101] });
    await settle();
    expect((await guide('newbie'))?.store_id).toBe(await storeOfDept(101));

    // One deletion can bring an update_user as well: both converge on the member being gone.
    await fetch(`${sb.url}/sandbox/api/corps/${corp.wecomCorpId}/org/members/newbie?alsoUpdate=1`, {
      method: 'DELETE',
    });
    await settle();
    const g = await guide('newbie');
    expect(g?.status).toBe('left');
    expect(g?.left_at).toBeInstanceOf(Date);
    const u = await ctx
      .db('users')
      .where({ corp_id: corp.id, userid: 'newbie' })
      .first<{ active: boolean; left_at: Date | null }>('active', 'left_at');
    expect(u).toMatchObject({ active: false });
    expect(u.left_at).toBeInstanceOf(Date);
    expect(left).toContain('newbie');
    // A department removed in WeCom: its store is closed, not deleted.
    await fetch(`${sb.url}/sandbox/api/corps/${corp.wecomCorpId}/org/departments/104`, { method: 'DELETE' });
    await settle();
    expect((await ctx.db('stores').where({ id: s104 }).first<{ status: string }>('status')).status).toBe('closed');
  });

  it('an app that sees no department fails the sync instead of closing every store', async () => {
    const c = sb.state.corps.get(corp.wecomCorpId)!;
    for (const d of c.departments.values()) d.in_scope = false;
    await expect(syncOrg(ctx, corp.id, 'manual')).rejects.toThrow(/visible scope/);
    for (const d of c.departments.values()) delete d.in_scope;
    expect(await ctx.db('stores').where({ corp_id: corp.id, status: 'open' }).pluck('id')).toHaveLength(2);
    const last = await ctx.db('org_syncs').where({ corp_id: corp.id }).orderBy('id', 'desc').first();
    expect(last).toMatchObject({ status: 'failed' });
    expect(last.error).toContain('可见范围');
  });

  it('a member who only left the app’s visible scope is not marked left', async () => {
    sb.state.corps.get(corp.wecomCorpId)!.members.get('manager1')!.in_scope = false;
    const r = await syncOrg(ctx, corp.id, 'manual');
    expect(r.problems.join(' ')).toContain('manager1');
    expect(
      await ctx.db('users').where({ corp_id: corp.id, userid: 'manager1' }).first<{ active: boolean }>('active'),
    ).toMatchObject({ active: true });
    sb.state.corps.get(corp.wecomCorpId)!.members.get('manager1')!.in_scope = true;
  });

  it('change_contact goes to the 通讯录同步 event server only; without one, the scheduled re-sync catches up', async () => {
    const log = async () => (await sandbox('GET', '/callbacks')) as unknown as { event: string; receiver: string }[];
    const events = (await log()).filter((c) => c.event === 'change_contact');
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((c) => c.receiver))).toEqual(new Set(['contact_sync']));
    // The corp has no sync-assistant event server: WeCom tells the app nothing of a rename.
    await sandbox('POST', '/contact-sync', { secret: 'sync-secret' });
    const before = (await log()).length;
    await sandbox('PATCH', '/org/members/licui', { name: '李翠翠' });
    await settle();
    expect((await log()).length).toBe(before);
    expect((await guide('licui'))?.name).toBe('李翠');
    await ctx.queues.enqueue(orgSyncFanoutJob, {});
    await ctx.queues.drain();
    expect((await guide('licui'))?.name).toBe('李翠翠');
    const last = await ctx.db('org_syncs').where({ corp_id: corp.id }).orderBy('id', 'desc').first();
    expect(last).toMatchObject({ trigger: 'schedule', status: 'ok' });
    await sandbox('POST', '/contact-sync', {
      secret: 'sync-secret',
      callback: {
        url: `${sb.state.corps.get(corp.wecomCorpId)!.callback!.url}`,
        token: corp.callbackToken,
        encodingAESKey: corp.callbackAesKey,
      },
      configuredAt: Date.parse('2025-01-01T00:00:00+08:00'),
    });
  });

  it('a guide who moves store keeps her history: her earlier credits stay with the store she sold in', async () => {
    const s101 = await storeOfDept(101);
    const s102 = await storeOfDept(102);
    const g = (await guide('licui'))!;
    const customerId = (await createCustomer(ctx.db, corp.id, { name: '王雅琴' })).id;
    const paidAt = new Date(Date.now() - 2 * 86_400_000);
    await recordInteractions(ctx.db, [
      {
        corpId: corp.id,
        guideId: g.id,
        customerId,
        occurredAt: new Date(paidAt.getTime() - 3_600_000),
        kind: 'script_send',
        source: 'sidebar',
        evidenceId: 'move-1',
      },
    ]);
    const [o] = await ctx
      .db('orders')
      .insert({
        corp_id: corp.id,
        source: 'pos',
        order_no: 'MOVE-1',
        store_id: s101,
        customer_id: customerId,
        paid_at: paidAt,
        gross_fen: 50_000,
        net_fen: 50_000,
        coupon_codes: [],
      })
      .returning<{ id: number }[]>('id');
    await attributeOrders(ctx, corp.id, [o!.id], 'test');
    await sandbox('PATCH', '/org/members/licui', { department: [102] });
    await settle();
    expect((await guide('licui'))?.store_id).toBe(s102);
    expect(await ctx.db('guide_moves').where({ guide_id: g.id }).select('from_store_id', 'to_store_id')).toEqual([
      { from_store_id: s101, to_store_id: s102 },
    ]);
    // A WeCom bill she was paid before the move, polled only now (and its refund, later still):
    // both stay with the store she sold in. A bill after the move is her new store's.
    const bill = async (tx: string, billType: 0 | 1, payTime: Date, fee: number) =>
      (
        await ctx
          .db('transfers')
          .insert({
            corp_id: corp.id,
            transaction_id: tx,
            bill_type: billType,
            trade_state: 1,
            pay_time: payTime,
            payee_userid: 'licui',
            guide_id: g.id,
            total_fee_fen: fee,
            total_refund_fee_fen: billType === 1 ? 1_000 : 0,
            raw: {},
          })
          .returning<{ id: number }[]>('id')
      )[0]!.id;
    const before = await bill('TX-BEFORE', 0, paidAt, 8_000);
    const refund = await bill('TX-BEFORE', 1, new Date(), 8_000);
    const after = await bill('TX-AFTER', 0, new Date(Date.now() + 1000), 3_000);
    await attributeTransfers(ctx, corp.id, [before, refund, after], 'test');
    const billStores = await ctx
      .db('credits')
      .where({ corp_id: corp.id })
      .whereIn('transfer_id', [before, refund, after])
      .whereNull('superseded_at')
      .orderBy('transfer_id')
      .pluck('store_id');
    expect(billStores).toEqual([s101, s101, s102]);
    // Re-attributing after the move changes nothing: the order and its credit carry the sale's store.
    await attributeOrders(ctx, corp.id, [o!.id], 'test');
    const credits = await ctx
      .db('credits')
      .where({ corp_id: corp.id, order_id: o!.id })
      .whereNull('superseded_at')
      .select('guide_id', 'store_id', 'amount_fen');
    expect(credits).toEqual([{ guide_id: g.id, store_id: s101, amount_fen: 50_000 }]);
    const cells = (await rollupCells(ctx.db, corp.id)).filter((c) => c.guide_id === g.id);
    expect([...new Set(cells.map((c) => c.store_id))]).toEqual([s101, s102]);
    expect(cells.filter((c) => c.store_id === s102)).toEqual([
      expect.objectContaining({ path: 'transfer', amount_fen: 3_000 }),
    ]);
  });
});

describe('roles and scopes in the console', () => {
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  let managerId = 0;
  let managerToken = '';

  it('assigns a store manager: audited, scoped through the access layer, sessions signed out', async () => {
    const s101 = await storeOfDept(101);
    const s102 = await storeOfDept(102);
    managerId = (await ctx.db('users').where({ corp_id: corp.id, userid: 'manager1' }).first<{ id: number }>('id')).id;
    managerToken = signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'manager1' }, 600);
    const claims = verifySession(ctx.cfg.SESSION_SECRET, managerToken, { maxTtlSeconds: 600 });
    if (!claims.ok) throw new Error('token');
    await trackSession({ redis: ctx.redis, prefix: ctx.cfg.QUEUE_PREFIX }, claims.claims);
    // As a guide she has no board.
    expect((await request(app).get('/api/boards/me').set(as(managerToken))).body.role).toBe('guide');

    const res = await request(app)
      .put(`/api/admin/users/${managerId}/role`)
      .set(as(adminToken))
      .send({ role: 'store_manager', storeIds: [s101], why: '南京西路店店长' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ role: 'store_manager', storeIds: [s101], regionIds: [] });
    // Her session was signed out with the change.
    expect((await request(app).get('/api/boards/me').set(as(managerToken))).status).toBe(401);
    const fresh = signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'manager1' }, 600);
    const me = await request(app).get('/api/boards/me').set(as(fresh));
    expect(me.body).toMatchObject({ role: 'store_manager', level: 'store', storeIds: [s101] });
    expect(
      (await request(app).get(`/api/boards/stores/${s102}/guides?from=2026-11-01&to=2026-11-30`).set(as(fresh))).status,
    ).toBe(403);
    const audit = await ctx.db('audit_log').where({ corp_id: corp.id, action: 'user.role_assigned' }).first();
    expect(audit).toMatchObject({ actor: 'boss', entity_id: 'manager1' });
    expect(audit.detail).toMatchObject({
      from: { role: 'guide', storeIds: [] },
      to: { role: 'store_manager', storeIds: [s101] },
      why: '南京西路店店长',
    });
    const list = await request(app).get('/api/admin/users').set(as(adminToken));
    expect(list.status).toBe(200);
    expect(
      (list.body as { users: { userid: string; role: string }[] }).users.find((u) => u.userid === 'manager1'),
    ).toMatchObject({ role: 'store_manager' });
  });

  it('head office sees the whole corp on the boards, and not the console', async () => {
    const uid = (await ctx.db('users').where({ corp_id: corp.id, userid: 'zhoumin' }).first<{ id: number }>('id')).id;
    const res = await request(app)
      .put(`/api/admin/users/${uid}/role`)
      .set(as(adminToken))
      .send({ role: 'head_office', why: '调任总部运营' });
    expect(res.status).toBe(200);
    const token = signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'zhoumin' }, 600);
    expect((await request(app).get('/api/boards/me').set(as(token))).body).toMatchObject({
      role: 'head_office',
      level: 'corp',
    });
    const s102 = await storeOfDept(102);
    expect(
      (await request(app).get(`/api/boards/stores/${s102}/guides?from=2026-11-01&to=2026-11-30`).set(as(token))).status,
    ).toBe(200);
    expect((await request(app).get('/api/admin/org').set(as(token))).status).toBe(403);
  });

  it('made a guide, a store member gets her guide record in her department’s store', async () => {
    const id = (await ctx.db('users').where({ corp_id: corp.id, userid: 'sm101' }).first<{ id: number }>('id')).id;
    const res = await request(app)
      .put(`/api/admin/users/${id}/role`)
      .set(as(adminToken))
      .send({ role: 'guide', why: '转为导购' });
    expect(res.status).toBe(200);
    await ctx.queues.drain();
    expect((await guide('sm101'))?.store_id).toBe(await storeOfDept(101));
    const list = await request(app).get('/api/admin/users').set(as(adminToken));
    expect(
      (list.body as { users: { userid: string; guideStoreId: number | null }[] }).users.find(
        (u) => u.userid === 'sm101',
      ),
    ).toMatchObject({ guideStoreId: await storeOfDept(101) });
  });

  it('refuses bad input with a code and a field', async () => {
    const put = (userId: number | string, body: object) =>
      request(app).put(`/api/admin/users/${userId}/role`).set(as(adminToken)).send(body);
    const bossId = (await ctx.db('users').where({ corp_id: corp.id, userid: 'boss' }).first<{ id: number }>('id')).id;
    const cases: [number | string, object, number, string][] = [
      [managerId, { role: 'store_manager', why: 'x' }, 400, 'body.storeIds'],
      [managerId, { role: 'regional_manager', regionIds: [], why: 'x' }, 400, 'body.regionIds'],
      [managerId, { role: 'finance', storeIds: [1], why: 'x' }, 400, 'body.storeIds'],
      [managerId, { role: 'store_manager', storeIds: [999999], why: 'x' }, 400, 'body.storeIds'],
      [managerId, { role: 'emperor', why: 'x' }, 400, 'body.role'],
      [managerId, { role: 'finance', why: '' }, 400, 'body.why'],
      [managerId, { role: 'finance' }, 400, 'body.why'],
      ['abc', { role: 'finance', why: 'x' }, 400, 'params.userId'],
      [999999, { role: 'finance', why: 'x' }, 404, 'params.userId'],
      [bossId, { role: 'finance', why: 'x' }, 400, 'body.role'],
    ];
    for (const [userId, body, status, field] of cases) {
      const r = await put(userId, body);
      expect([r.status, r.body.error?.field], JSON.stringify(body)).toEqual([status, field]);
    }
    const dept = await request(app)
      .put('/api/admin/org/departments/777/kind')
      .set(as(adminToken))
      .send({ kind: 'store', why: 'x' });
    expect([dept.status, dept.body.error?.field]).toEqual([404, 'params.wecomId']);
    const badKind = await request(app)
      .put('/api/admin/org/departments/10/kind')
      .set(as(adminToken))
      .send({ kind: 'kingdom', why: 'x' });
    expect([badKind.status, badKind.body.error?.field]).toEqual([400, 'body.kind']);
  });

  it('"sync now" queues a sync and is audited', async () => {
    const r = await request(app).post('/api/admin/org/sync').set(as(adminToken));
    expect(r.status).toBe(202);
    await ctx.queues.drain();
    expect(await ctx.db('audit_log').where({ corp_id: corp.id, action: 'org.sync_requested' }).first()).toBeTruthy();
    const last = await ctx.db('org_syncs').where({ corp_id: corp.id }).orderBy('id', 'desc').first();
    expect(last).toMatchObject({ trigger: 'manual', status: 'ok' });
  });
});
