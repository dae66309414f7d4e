/**
 * A guide leaves (离职继承) or hands customers on (在职继承): the sandbox keeps WeCom's rules (errcode 0
 * only starts a transfer, the customer's 24-hour window, refusal, the successor's customer limit, at
 * most two 在职 transfers per customer in 90 days, 100 a call), and Guidepost moves the relation and
 * the exclusive guide at the takeover and re-attributes: a purchase after the takeover is the
 * successor's, or nobody's, as the rule set's `handoverWindows` says.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import {
  handoverCustomers,
  markGuideLeft,
  pollSuccessions,
  refreshSuccessions,
  startTransfers,
  successionOverview,
} from '../../core/admin/succession';
import { attributeOrders } from '../../core/attribution/attribution.service';
import { activateRuleSet, proposeRuleSet } from '../../core/attribution/rule-sets';
import { DEFAULT_RULES } from '../../core/attribution/rules';
import type { Principal } from '../../core/auth/principal';
import { recordInteractions } from '../../core/ingest/interactions';
import { getWecomClient } from '../../core/wecom/corp-client';
import { ERR_REPEAT_LIMIT } from '../../sandbox/wecom/succession';
import { startSandbox, type Sandbox } from '../../sandbox/wecom/server';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import { createCorp, createGuide, createRegion, createStore, type CorpFixture } from '../factories/org.factory';
import { sandboxCorp } from '../helpers/sandbox-corp';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let sb: Sandbox;
let ctx: TestContext;
let server: Server;
let corp: CorpFixture;
let admin: Principal;
let storeId = 0;
const g: Record<'liuyang' | 'chenjing' | 'zhoumin' | 'sunli', { id: number; userid: string }> = {} as never;

const sandboxApi = async (path: string, body?: unknown) => {
  const r = await fetch(
    `${sb.url}/sandbox/api/corps/${corp.wecomCorpId}${path}`,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json() as Promise<Record<string, unknown>>;
};

/** A customer the guide added (through the sandbox, so WeCom and our books both have her). */
async function customerOf(userid: string, name: string, ext: string): Promise<number> {
  await sandboxApi('/contacts', {
    contacts: [
      {
        external_userid: ext,
        name,
        follow_user: [{ userid, createtime: Math.floor(Date.now() / 1000) - 30 * 86_400 }],
      },
    ],
  });
  const [c] = await ctx
    .db('customers')
    .insert({ corp_id: corp.id, external_userid: ext, name })
    .returning<{ id: number }[]>('id');
  const guideId = Object.values(g).find((x) => x.userid === userid)!.id;
  await ctx.db('customer_guides').insert({
    corp_id: corp.id,
    customer_id: c!.id,
    guide_id: guideId,
    added_at: new Date(Date.now() - 30 * DAY),
    add_way: 1,
  });
  return Number(c!.id);
}

const relation = (customerId: number, guideId: number) =>
  ctx
    .db('customer_guides')
    .where({ corp_id: corp.id, customer_id: customerId, guide_id: guideId })
    .first<{ ended_at: Date | null; end_reason: string | null; add_way: number } | undefined>(
      'ended_at',
      'end_reason',
      'add_way',
    );

const storedEvents = (changeType: string) =>
  ctx.db('wecom_callback_events').where({ corp_id: corp.id, change_type: changeType }).pluck<string[]>('xml');

async function callbacksSettled(): Promise<void> {
  await expect
    .poll(
      async () =>
        ((await sandboxApi('/callbacks')) as unknown as { status: string }[]).every((c) => c.status !== 'pending'),
      { timeout: 5000, interval: 20 },
    )
    .toBe(true);
}

let orderN = 0;
async function order(customerId: number, paidAt: number): Promise<number> {
  const [o] = await ctx
    .db('orders')
    .insert({
      corp_id: corp.id,
      source: 'pos',
      order_no: `SUCC-${++orderN}`,
      store_id: storeId,
      customer_id: customerId,
      paid_at: new Date(paidAt),
      gross_fen: 20_000,
      net_fen: 20_000,
    })
    .returning<{ id: number }[]>('id');
  return Number(o!.id);
}
const credit = (orderId: number) =>
  ctx
    .db('credits')
    .where({ order_id: orderId, kind: 'sale' })
    .whereNull('superseded_at')
    .first<{ guide_id: number; evidence: { inheritedFrom?: number[] } } | undefined>('guide_id', 'evidence');

beforeAll(async () => {
  sb = await startSandbox({ retryDelaysMs: [20, 20] });
  server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx = await createTestContext({ WECOM_API_BASE: sb.url, WECOM_OAUTH_BASE: sb.url, PUBLIC_URL: api });
  server.on('request', createApp(ctx, { serveSidebar: false }));
  corp = await createCorp(ctx.db, ctx.secrets);
  storeId = await createStore(ctx.db, corp.id, await createRegion(ctx.db, corp.id));
  const other = await createStore(ctx.db, corp.id, await createRegion(ctx.db, corp.id));
  g.liuyang = await createGuide(ctx.db, corp.id, storeId, { userid: 'liuyang', name: '刘洋' });
  g.chenjing = await createGuide(ctx.db, corp.id, storeId, { userid: 'chenjing', name: '陈静' });
  g.zhoumin = await createGuide(ctx.db, corp.id, storeId, { userid: 'zhoumin', name: '周敏' });
  g.sunli = await createGuide(ctx.db, corp.id, other, { userid: 'sunli', name: '孙丽' });
  const [u] = await ctx
    .db('users')
    .insert({ corp_id: corp.id, userid: 'admin1', name: '管理员', role: 'admin' })
    .returning<{ id: number }[]>('id');
  admin = {
    corpId: corp.id,
    userId: u!.id,
    userid: 'admin1',
    name: '管理员',
    role: 'admin',
    guideId: null,
    storeIds: [],
    regionIds: [],
  };
  await sandboxCorp(sb.url, corp, { name: '继承测试', callbackTo: api });
  await sandboxApi('/members', {
    members: [
      { userid: 'liuyang', name: '刘洋' },
      { userid: 'chenjing', name: '陈静' },
      { userid: 'zhoumin', name: '周敏' },
      { userid: 'sunli', name: '孙丽' },
    ],
  });
});

afterAll(async () => {
  await destroyTestContext(ctx);
  await sb.close();
  server.close();
});

describe('the sandbox keeps WeCom’s succession rules', () => {
  it('离职继承: only a resigned member’s customers; waiting 24 h; one transfer at a time; 100 a call', async () => {
    const client = await getWecomClient(ctx, corp.id);
    await customerOf('zhoumin', '许女士', 'wm_rule_a');
    // Still in service: WeCom refuses the customer (40097), the call itself succeeds.
    const early = await client.transferCustomers('resigned', {
      handover_userid: 'zhoumin',
      takeover_userid: 'chenjing',
      external_userid: ['wm_rule_a', 'wm_nobody'],
    });
    expect(early.customer).toEqual([
      { external_userid: 'wm_rule_a', errcode: 40097 },
      { external_userid: 'wm_nobody', errcode: 40096 },
    ]);
    await sandboxApi('/actions/member-resigns', { userid: 'zhoumin' });
    expect((await client.getUnassignedList()).info).toEqual([
      { handover_userid: 'zhoumin', external_userid: 'wm_rule_a', dimission_time: expect.any(Number) },
    ]);
    const r = await client.transferCustomers('resigned', {
      handover_userid: 'zhoumin',
      takeover_userid: 'chenjing',
      external_userid: ['wm_rule_a'],
    });
    expect(r.customer).toEqual([{ external_userid: 'wm_rule_a', errcode: 0 }]);
    // Started is not done: waiting, with the automatic takeover 24 h on; gone from the unassigned list.
    const res = await client.transferResult('resigned', 'zhoumin', 'chenjing');
    expect(res.customer).toEqual([{ external_userid: 'wm_rule_a', status: 2, takeover_time: expect.any(Number) }]);
    expect(res.customer[0]!.takeover_time - Date.now() / 1000).toBeGreaterThan(24 * 3600 - 60);
    expect((await client.getUnassignedList()).info).toEqual([]);
    const again = await client.transferCustomers('resigned', {
      handover_userid: 'zhoumin',
      takeover_userid: 'sunli',
      external_userid: ['wm_rule_a'],
    });
    expect(again.customer[0]!.errcode).toBe(40100);
    // More than 100 customers in one call is refused outright.
    const many = Array.from({ length: 101 }, (_, i) => `wm_x${i}`);
    await expect(
      client.transferCustomers('resigned', {
        handover_userid: 'zhoumin',
        takeover_userid: 'chenjing',
        external_userid: many,
      }),
    ).rejects.toMatchObject({ errcode: 40058 });
    // The customer refuses: status 3, takeover_time 0, transfer_fail names the successor; she is unassigned again.
    await sandboxApi('/actions/customer-refuses-transfer', { external_userid: 'wm_rule_a' });
    expect((await client.transferResult('resigned', 'zhoumin', 'chenjing')).customer).toEqual([
      { external_userid: 'wm_rule_a', status: 3, takeover_time: 0 },
    ]);
    await callbacksSettled();
    const fail = (await storedEvents('transfer_fail')).find((x) => x.includes('wm_rule_a'))!;
    expect(fail).toContain('<FailReason><![CDATA[customer_refused]]></FailReason>');
    expect(fail).toContain('<UserID><![CDATA[chenjing]]></UserID>');
    expect((await client.getUnassignedList()).info.map((i) => i.external_userid)).toEqual(['wm_rule_a']);
  });

  it('在职继承: completes after 24 h with the relation moved and WeCom’s events; at most twice in 90 days; the limit', async () => {
    const client = await getWecomClient(ctx, corp.id);
    await customerOf('chenjing', '钟先生', 'wm_rule_b');
    const start = (from: string, to: string) =>
      client.transferCustomers('in_service', {
        handover_userid: from,
        takeover_userid: to,
        external_userid: ['wm_rule_b'],
        transfer_success_msg: '您好，后续由我的同事继续为您服务。',
      });
    expect((await start('chenjing', 'sunli')).customer[0]!.errcode).toBe(0);
    await sandboxApi('/actions/transfers-elapse', { external_userid: ['wm_rule_b'] });
    expect((await client.transferResult('in_service', 'chenjing', 'sunli')).customer[0]!.status).toBe(1);
    const contact = await client.getExternalContact('wm_rule_b');
    expect(contact.follow_user.map((f) => [f.userid, f.add_way])).toEqual([['sunli', 202]]);
    await callbacksSettled();
    expect((await storedEvents('del_external_contact')).some((x) => x.includes('DELETE_BY_TRANSFER'))).toBe(true);
    expect((await storedEvents('add_external_contact')).some((x) => x.includes('wm_rule_b'))).toBe(true);
    // Back again (the second transfer in 90 days), then a third is refused.
    expect((await start('sunli', 'chenjing')).customer[0]!.errcode).toBe(0);
    await sandboxApi('/actions/transfers-elapse', { external_userid: ['wm_rule_b'] });
    expect((await start('chenjing', 'sunli')).customer[0]!.errcode).toBe(ERR_REPEAT_LIMIT);

    // A successor at her customer limit: the takeover fails at the 24 h mark (status 4, transfer_fail).
    await customerOf('chenjing', '韩女士', 'wm_rule_c');
    await sandboxApi('/members/sunli/customer-limit', { limit: 0 });
    expect(
      (
        await client.transferCustomers('in_service', {
          handover_userid: 'chenjing',
          takeover_userid: 'sunli',
          external_userid: ['wm_rule_c'],
        })
      ).customer[0]!.errcode,
    ).toBe(0);
    await sandboxApi('/actions/transfers-elapse', { external_userid: ['wm_rule_c'] });
    expect((await client.transferResult('in_service', 'chenjing', 'sunli')).customer).toContainEqual({
      external_userid: 'wm_rule_c',
      status: 4,
      takeover_time: expect.any(Number),
    });
    expect((await client.getExternalContact('wm_rule_c')).follow_user.map((f) => f.userid)).toEqual(['chenjing']);
    await callbacksSettled();
    expect((await storedEvents('transfer_fail')).some((x) => x.includes('customer_limit_exceed'))).toBe(true);
    await sandboxApi('/members/sunli/customer-limit', { limit: 100_000 });
  });
});

describe('a guide leaves and her customers move to a successor', () => {
  let a = 0;
  let b = 0;
  let interactionAt = 0;

  it('marks her as left, starts 离职继承 to a same-store successor, reads back waiting, refused and done', async () => {
    a = await customerOf('liuyang', '林女士', 'wm_leave_a');
    b = await customerOf('liuyang', '高先生', 'wm_leave_b');
    // She was A's exclusive guide, and chatted with A two days ago: an open 7-day window.
    await ctx.db('exclusive_assignments').insert({
      corp_id: corp.id,
      customer_id: a,
      guide_id: g.liuyang.id,
      valid_from: new Date(Date.now() - 30 * DAY),
      set_by: 'test',
      reason: 'test',
    });
    await ctx.db('customer_guides').where({ customer_id: a, guide_id: g.liuyang.id }).update({ is_exclusive: true });
    interactionAt = Date.now() - 2 * DAY;
    await recordInteractions(ctx.db, [
      {
        corpId: corp.id,
        guideId: g.liuyang.id,
        customerId: a,
        occurredAt: new Date(interactionAt),
        kind: 'script_send',
        source: 'sidebar',
        evidenceId: 'leaver-chat-a',
      },
    ]);

    await markGuideLeft(ctx, admin, g.liuyang.id, { reason: '离职' }, 'req-1');
    await expect(markGuideLeft(ctx, admin, g.liuyang.id, { reason: 'again' }, 'req-2')).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    const detail = await handoverCustomers(ctx, admin, g.liuyang.id);
    // Same store, fewest customers: 陈静 has fewer than 周敏? 周敏 resigned in WeCom but is active here; both in store.
    expect([g.chenjing.id, g.zhoumin.id]).toContain(detail.defaultSuccessorId);
    expect(detail.customers.map((c) => c.status)).toEqual(['unassigned', 'unassigned']);

    // Not yet resigned in WeCom: every customer is reported failed with WeCom's errcode, nothing lost.
    const early = await startTransfers(
      ctx,
      admin,
      { handoverGuideId: g.liuyang.id, takeoverGuideId: g.chenjing.id },
      'req-3',
    );
    expect(early).toMatchObject({ kind: 'resigned', started: 0 });
    expect(early.failed.map((f) => [f.errcode, f.reason])).toEqual([
      [40097, 'not_resigned'],
      [40097, 'not_resigned'],
    ]);
    expect((await handoverCustomers(ctx, admin, g.liuyang.id)).customers.map((c) => [c.status, c.reason])).toEqual([
      ['failed', 'not_resigned'],
      ['failed', 'not_resigned'],
    ]);

    await sandboxApi('/actions/member-resigns', { userid: 'liuyang' });
    const r = await startTransfers(
      ctx,
      admin,
      { handoverGuideId: g.liuyang.id, takeoverGuideId: g.chenjing.id },
      'req-4',
    );
    expect(r).toEqual({ kind: 'resigned', started: 2, failed: [] });
    expect(
      await ctx.db('audit_log').where({ corp_id: corp.id, action: 'succession.start' }).pluck('entity_id'),
    ).toEqual([String(g.liuyang.id), String(g.liuyang.id)]);
    expect(await pollSuccessions(ctx, corp.id)).toMatchObject({ read: 2, done: 0, applied: 0 });
    expect((await successionOverview(ctx, admin)).leavers.find((l) => l.guideId === g.liuyang.id)).toMatchObject({
      waiting: 2,
      unassigned: 0,
    });

    await sandboxApi('/actions/customer-refuses-transfer', { external_userid: 'wm_leave_b' });
    await sandboxApi('/actions/transfers-elapse', { external_userid: ['wm_leave_a'] });
    expect(await pollSuccessions(ctx, corp.id)).toMatchObject({ done: 1, refused: 1, applied: 1 });
    const after = await handoverCustomers(ctx, admin, g.liuyang.id);
    expect(after.customers.map((c) => [c.name, c.status, c.successorName])).toEqual(
      expect.arrayContaining([
        ['高先生', 'refused', '陈静'],
        ['林女士', 'done', '陈静'],
      ]),
    );
    // The refused customer stays hers, reported to be handed again.
    expect(await relation(b, g.liuyang.id)).toMatchObject({ ended_at: null });
    expect((await successionOverview(ctx, admin)).leavers.find((l) => l.guideId === g.liuyang.id)).toMatchObject({
      done: 1,
      problems: 1,
      unassigned: 1,
    });
  });

  it('moves the relation and the exclusive guide at the takeover time and owes a re-attribution', async () => {
    const s = await ctx
      .db('customer_successions')
      .where({ customer_id: a, status: 'done' })
      .first<{ id: number; takeover_at: Date; applied_at: Date | null }>('id', 'takeover_at', 'applied_at');
    expect(s!.applied_at).not.toBeNull();
    expect(await relation(a, g.liuyang.id)).toMatchObject({ ended_at: s!.takeover_at, end_reason: 'transferred' });
    expect(await relation(a, g.chenjing.id)).toMatchObject({ ended_at: null, add_way: 202 });
    const assignments = await ctx
      .db('exclusive_assignments')
      .where({ customer_id: a })
      .orderBy('valid_from')
      .select<{ guide_id: number; valid_from: Date; valid_to: Date | null }[]>('guide_id', 'valid_from', 'valid_to');
    expect(assignments.map((x) => [Number(x.guide_id), x.valid_to?.getTime() ?? null])).toEqual([
      [g.liuyang.id, s!.takeover_at.getTime()],
      [g.chenjing.id, null],
    ]);
    expect(assignments[1]!.valid_from).toEqual(s!.takeover_at);
    expect(
      await ctx
        .db('attribution_pending')
        .where({ corp_id: corp.id, subject: 'customer', subject_id: a })
        .first('cause_kind', 'cause_id'),
    ).toEqual({ cause_kind: 'succession', cause_id: String(s!.id) });
    // No customer_added interaction comes of a transfer: a takeover is not the customer reaching out.
    expect(await ctx.db('interactions').where({ customer_id: a, guide_id: g.chenjing.id }).pluck('id')).toEqual([]);
    // Polling again changes nothing.
    expect(await pollSuccessions(ctx, corp.id)).toMatchObject({ applied: 0 });
  });

  it('a purchase after the takeover: the leaver’s open window is the successor’s by default, nobody’s when the rule set says so', async () => {
    const takeover = (await ctx
      .db('customer_successions')
      .where({ customer_id: a, status: 'done' })
      .first<{ takeover_at: Date }>('takeover_at'))!.takeover_at.getTime();
    const before = await order(a, takeover - HOUR);
    const after = await order(a, Math.max(takeover, interactionAt) + 10 * 60_000);
    await attributeOrders(ctx, corp.id, [before, after], 'test');
    // Before the takeover the window is hers; after it, the successor's, the evidence naming whose it was.
    expect(await credit(before)).toMatchObject({ guide_id: g.liuyang.id });
    expect(await credit(after)).toMatchObject({ guide_id: g.chenjing.id, evidence: { inheritedFrom: [g.liuyang.id] } });

    const version = await proposeRuleSet(ctx.db, corp.id, 'admin1', {
      name: '离职窗口不计',
      effectiveFrom: new Date(takeover - 3 * DAY),
      config: { ...DEFAULT_RULES, handoverWindows: 'nobody' },
      note: 'open windows of a leaver go to nobody',
    });
    await activateRuleSet(ctx, corp.id, 'admin1', version, 'test');
    await attributeOrders(ctx, corp.id, [before, after], 'test');
    expect(await credit(before)).toMatchObject({ guide_id: g.liuyang.id });
    expect(await credit(after)).toBeUndefined();
  });

  it('在职继承 from an active guide, with the message WeCom sends the customer; WeCom’s resigned members are marked left', async () => {
    const c = await customerOf('sunli', '冯女士', 'wm_active_a');
    await expect(
      startTransfers(ctx, admin, { handoverGuideId: g.sunli.id, takeoverGuideId: g.sunli.id }, 'req-5'),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.takeoverGuideId' });
    const r = await startTransfers(
      ctx,
      admin,
      {
        handoverGuideId: g.sunli.id,
        takeoverGuideId: g.chenjing.id,
        customerIds: [c],
        message: '您好，后续由我的同事陈静为您服务。',
      },
      'req-6',
    );
    expect(r).toEqual({ kind: 'in_service', started: 1, failed: [] });
    await sandboxApi('/actions/transfers-elapse', { external_userid: ['wm_active_a'] });
    // 周敏 resigned in WeCom (the first test) with a customer still to assign, but is active here; 刘洋’s refused customer is unassigned again.
    const refreshed = await refreshSuccessions(ctx, admin, 'req-7');
    expect(refreshed).toMatchObject({ done: 1, applied: 1, markedLeft: 1, unassigned: 2 });
    expect(await ctx.db('guides').where({ id: g.zhoumin.id }).first('status')).toEqual({ status: 'left' });
    expect(await relation(c, g.sunli.id)).toMatchObject({ end_reason: 'transferred' });
    expect(await relation(c, g.chenjing.id)).toMatchObject({ ended_at: null, add_way: 202 });
  });
});
