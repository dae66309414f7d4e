import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { attributeOrders } from '../../core/attribution/attribution.service';
import { signSession } from '../../core/auth/session';
import { recordInteractions } from '../../core/ingest/interactions';
import { deleteTenant } from '../../core/tenant/remove';
import { attributeJob } from '../../core/jobs/attribution.jobs';
import { startWorkers, type RunningWorkers } from '../../workers/runtime';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import { createCorp, createCustomer, createGuide, createRegion, createStore, follow } from '../factories/org.factory';

const DAY = 86_400_000;
const T = Date.parse('2026-11-20T14:00:00+08:00');
let ctx: TestContext;
let ctx2: TestContext;
let w1: RunningWorkers;
let w2: RunningWorkers;
let corpId: number;
let storeId: number;
let g1: { id: number; userid: string };
let g2: { id: number; userid: string };
let customerId: number;

async function order(no: string, paidAt: number, netFen: number, coupons: string[] = []): Promise<number> {
  const [r] = await ctx
    .db('orders')
    .insert({
      corp_id: corpId,
      source: 'pos',
      order_no: no,
      store_id: storeId,
      customer_id: customerId,
      paid_at: new Date(paidAt),
      gross_fen: netFen,
      net_fen: netFen,
      coupon_codes: coupons,
    })
    .returning('id');
  return r.id;
}
const live = (orderId: number) =>
  ctx.db('credits').where({ order_id: orderId }).whereNull('superseded_at').orderBy('id');
const bearer = (userid: string) => `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId, userid }, 600)}`;

beforeAll(async () => {
  ctx = await createTestContext();
  // A second "process": its own connections, same database and queue prefix.
  ctx2 = await createTestContext({ DATABASE_URL: ctx.cfg.DATABASE_URL, QUEUE_PREFIX: ctx.queues.prefix });
  w1 = startWorkers(ctx);
  w2 = startWorkers(ctx2);
  const corp = await createCorp(ctx.db, ctx.secrets);
  corpId = corp.id;
  const region = await createRegion(ctx.db, corpId);
  storeId = await createStore(ctx.db, corpId, region);
  g1 = await createGuide(ctx.db, corpId, storeId, { userid: 'licui', name: '李翠' });
  g2 = await createGuide(ctx.db, corpId, storeId, { userid: 'zhangmin', name: '张敏' });
  await ctx.db('users').insert({ corp_id: corpId, userid: 'caiwu', name: '财务', role: 'finance' });
  customerId = (await createCustomer(ctx.db, corpId, { name: '王雅琴' })).id;
  await follow(ctx.db, corpId, customerId, g1.id, { exclusive: true });
  await follow(ctx.db, corpId, customerId, g2.id);
});

afterAll(async () => {
  await w1.close();
  await w2.close();
  await destroyTestContext(ctx2).catch(() => undefined);
  await destroyTestContext(ctx);
});

describe('attribution engine through the queues', () => {
  let o1 = 0;

  it('credits the most recent interaction in the window and explains why (trail API)', async () => {
    o1 = await order('POS-1', T, 59_900);
    await recordInteractions(ctx.db, [
      {
        corpId,
        guideId: g2.id,
        customerId,
        occurredAt: new Date(T - 2 * DAY),
        kind: 'script_send',
        source: 'sidebar',
        evidenceId: 'e1',
      },
      {
        corpId,
        guideId: g1.id,
        customerId,
        occurredAt: new Date(T - DAY),
        kind: 'product_share',
        source: 'sidebar',
        evidenceId: 'e2',
      },
    ]);
    await ctx.queues.enqueue(attributeJob, { corpId, orderIds: [o1], reason: 'order ingested' });
    await ctx.queues.drain();
    expect(await live(o1)).toMatchObject([{ guide_id: g1.id, rule: 'interaction', amount_fen: 59_900, kind: 'sale' }]);
    const res = await request(createApp(ctx))
      .get(`/api/attribution/orders/${o1}/trail`)
      .set('Authorization', bearer('licui'));
    expect(res.status).toBe(200);
    expect(res.body.live[0]).toMatchObject({
      guideName: '李翠',
      rule: 'interaction',
      evidence: { kind: 'product_share', windowDays: 7 },
      candidates: [{ guideId: g2.id, guideName: '张敏', rule: 'interaction' }],
    });
    expect(res.body.live[0].events).toEqual([
      {
        event: 'created',
        reason: expect.stringMatching(/^last product_share at .* within 7 days before the purchase$/),
        at: res.body.live[0].validFrom,
      },
    ]);
    // The line is its own creation record: the trail tells it from the line, nothing is stored twice.
    expect(await ctx.db('credit_events').where({ credit_id: res.body.live[0].id })).toEqual([]);
    // Another guide may not read it.
    expect(
      (
        await request(createApp(ctx))
          .get(`/api/attribution/orders/${o1}/trail`)
          .set('Authorization', bearer('zhangmin'))
      ).status,
    ).toBe(403);
  });

  it('re-attributes when a late interaction arrives, keeping the old credit in the trail', async () => {
    const customers = await recordInteractions(ctx.db, [
      {
        corpId,
        guideId: g2.id,
        customerId,
        occurredAt: new Date(T - 3_600_000),
        kind: 'message',
        source: 'archive',
        evidenceId: 'late-1',
      },
    ]);
    await ctx.queues.enqueue(attributeJob, { corpId, customerIds: customers, reason: 'late archived message' });
    await ctx.queues.drain();
    expect(await live(o1)).toMatchObject([{ guide_id: g2.id, rule: 'interaction' }]);
    const res = await request(createApp(ctx))
      .get(`/api/attribution/orders/${o1}/trail`)
      .set('Authorization', bearer('caiwu'));
    expect(res.body.history).toHaveLength(1);
    expect(res.body.history[0]).toMatchObject({
      guideId: g1.id,
      supersededAt: expect.any(String),
      events: [{ event: 'created' }, { event: 'superseded', reason: 'late archived message' }],
    });
    // Re-running with the same facts writes nothing.
    const again = await attributeOrders(ctx, corpId, [o1], 'replay');
    expect(again).toMatchObject({ changed: 0, unchanged: 1 });
  });

  it('prefers a valid guide coupon, and reverses a refund pro rata for that guide', async () => {
    const [tpl] = await ctx
      .db('coupon_templates')
      .insert({ corp_id: corpId, code: 'T1', name: '满减', kind: 'cash', value_fen: 5000, valid_days: 30 })
      .returning('id');
    await ctx.db('coupons').insert({
      corp_id: corpId,
      template_id: tpl.id,
      code: 'GC-A',
      customer_id: customerId,
      guide_id: g1.id,
      issued_at: new Date(T - 5 * DAY),
      sent_at: new Date(T - 5 * DAY),
      status: 'sent',
      expires_at: new Date(T + 20 * DAY),
    });
    const o2 = await order('POS-2', T + 1000, 80_000, ['GC-A']);
    const [ref] = await ctx
      .db('refunds')
      .insert({
        corp_id: corpId,
        source: 'pos',
        refund_no: 'RF-2',
        order_no: 'POS-2',
        order_id: o2,
        refunded_at: new Date(T + 2 * DAY),
        amount_fen: 20_000,
      })
      .returning('id');
    await ctx.queues.enqueue(attributeJob, { corpId, orderIds: [o2], reason: 'order ingested' });
    await ctx.queues.drain();
    const rows = await live(o2);
    expect(rows.map((r) => [r.kind, r.guide_id, r.rule, r.amount_fen, r.refund_id])).toEqual([
      ['sale', g1.id, 'coupon', 80_000, null],
      ['refund', g1.id, 'coupon', -20_000, ref.id],
    ]);
    const res = await request(createApp(ctx))
      .get(`/api/attribution/orders/${o2}/trail`)
      .set('Authorization', bearer('caiwu'));
    expect(res.body.live.map((l: { events: unknown[] }) => l.events)).toEqual([
      [
        {
          event: 'created',
          reason: expect.stringMatching(/^redeemed coupon GC-A issued by this guide at /),
          at: expect.any(String),
        },
      ],
      [{ event: 'reversed', reason: `refund ${ref.id} reverses 20000 fen pro rata`, at: expect.any(String) }],
    ]);
  });

  it('never double-credits with two worker processes racing over the same orders', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push(await order(`RACE-${i}`, T + (i + 10) * 60_000, 10_000 + i));
    const jobs = Array.from({ length: 40 }, (_, k) => ({
      corpId,
      orderIds: ids.filter((_, i) => (i + k) % 3 !== 0),
      reason: `race ${k}`,
    }));
    await Promise.all(jobs.map((j, k) => (k % 2 ? ctx2 : ctx).queues.enqueue(attributeJob, j)));
    await ctx.queues.drain(60_000);
    const counts = await ctx
      .db('credits')
      .whereIn('order_id', ids)
      .whereNull('superseded_at')
      .where({ kind: 'sale' })
      .groupBy('order_id')
      .select('order_id')
      .count('* as n');
    expect(counts).toHaveLength(30);
    expect(counts.every((c) => c.n === 1)).toBe(true);
    const jobsDone = await ctx.queues.queue('attribution').getJobCounts('completed', 'failed');
    expect(jobsDone.failed).toBe(0);
  });

  it('leaves credits of a closed period locked and records the would-be correction', async () => {
    const old = Date.parse('2026-09-10T12:00:00+08:00');
    const o3 = await order('POS-OLD', old, 30_000);
    await recordInteractions(ctx.db, [
      {
        corpId,
        guideId: g1.id,
        customerId,
        occurredAt: new Date(old - DAY),
        kind: 'call',
        source: 'sidebar',
        evidenceId: 'old-1',
      },
    ]);
    await attributeOrders(ctx, corpId, [o3], 'ingest');
    await ctx.db('commission_periods').insert({ corp_id: corpId, month: '2026-09-01', status: 'closed' });
    await recordInteractions(ctx.db, [
      {
        corpId,
        guideId: g2.id,
        customerId,
        occurredAt: new Date(old - 60_000),
        kind: 'call',
        source: 'sidebar',
        evidenceId: 'old-2',
      },
    ]);
    const r = await attributeOrders(ctx, corpId, [o3], 'late call log');
    expect(r.lockedInClosedPeriod).toBe(1);
    const rows = await live(o3);
    // The locked sale is untouched; the correction is two adjustment lines in the open period, linked to it.
    expect(rows[0]).toMatchObject({ kind: 'sale', guide_id: g1.id, amount_fen: 30_000, superseded_at: null });
    expect(rows.slice(1).map((l) => [l.kind, l.guide_id, l.amount_fen, l.adjusts_credit_id])).toEqual([
      ['adjustment', g1.id, -30_000, rows[0].id],
      ['adjustment', g2.id, 30_000, rows[0].id],
    ]);
    expect(rows.slice(1).every((l) => l.occurred_at.getTime() >= Date.parse('2026-10-01T00:00:00+08:00'))).toBe(true);
    expect(await ctx.db('credit_events').where({ credit_id: rows[0].id, event: 'adjusted' }).first()).toMatchObject({
      reason: expect.stringContaining('period closed'),
    });
  });

  it('credits WeCom transfers to their payee and reverses their refunds', async () => {
    const base = {
      corp_id: corpId,
      transaction_id: 'TX1',
      trade_state: 3,
      pay_time: new Date(T),
      payee_userid: 'licui',
      guide_id: g1.id,
      total_fee_fen: 39_900,
      raw: '{}',
    };
    const [pay] = await ctx
      .db('transfers')
      .insert({ ...base, bill_type: 0, total_refund_fee_fen: 9_900 })
      .returning('id');
    const [rf] = await ctx
      .db('transfers')
      .insert({ ...base, bill_type: 1, out_refund_no: 'R1', total_refund_fee_fen: 9_900, pay_time: new Date(T + DAY) })
      .returning('id');
    await ctx.queues.enqueue(attributeJob, { corpId, transferIds: [pay.id, rf.id], reason: 'bills polled' });
    await ctx.queues.enqueue(attributeJob, { corpId, transferIds: [pay.id, rf.id], reason: 'bills polled again' });
    await ctx.queues.drain();
    const rows = await ctx
      .db('credits')
      .whereIn('transfer_id', [pay.id, rf.id])
      .whereNull('superseded_at')
      .orderBy('id');
    expect(rows.map((r) => [r.rule, r.guide_id, r.amount_fen])).toEqual([
      ['transfer', g1.id, 39_900],
      ['transfer', g1.id, -9_900],
    ]);
  });

  it('keeps the daily rollup equal to the live credits, and a recompute from scratch reproduces them', async () => {
    const sum = async () =>
      Number(
        (await ctx.db('credits').where({ corp_id: corpId }).whereNull('superseded_at').sum('amount_fen as s').first())!
          .s,
      );
    const rollup = Number((await ctx.db('daily_credits').where({ corp_id: corpId }).sum('amount_fen as s').first())!.s);
    expect(rollup).toBe(await sum());

    const snapshot = async () =>
      (
        await ctx
          .db('credits')
          .where({ corp_id: corpId })
          .whereNotNull('order_id')
          .whereNull('superseded_at')
          .orderBy(['order_id', 'kind', 'refund_id'])
          .select(
            'order_id',
            'kind',
            'refund_id',
            'guide_id',
            'rule',
            'amount_fen',
            'rule_set_version',
            'evidence',
            'candidates',
          )
      ).map((r) => JSON.stringify(r));
    const before = await snapshot();
    const orderIds = await ctx.db('orders').where({ corp_id: corpId }).pluck('id');
    // From scratch: a fresh tenant-wide recompute with no prior credits (closed-period locks aside).
    await ctx.db('commission_periods').where({ corp_id: corpId }).del();
    await ctx.db('credit_events').where({ corp_id: corpId }).del();
    await ctx.db('credits').where({ corp_id: corpId }).whereNotNull('order_id').del();
    await attributeOrders(ctx, corpId, orderIds, 'recompute');
    const after = await snapshot();
    // The closed-period order was locked to its first attribution; from scratch it follows the latest facts.
    const o3 = await ctx.db('orders').where({ order_no: 'POS-OLD' }).first('id');
    const strip = (rows: string[]) => rows.filter((r) => !r.startsWith(`{"order_id":${o3.id},`));
    expect(strip(after)).toEqual(strip(before));
  });

  it('removes a tenant with its whole ledger, and leaves other tenants alone', async () => {
    const other = await createCorp(ctx.db, ctx.secrets, { wecomCorpId: 'wwothertenant0001' });
    const otherRegion = await createRegion(ctx.db, other.id);
    const otherStore = await createStore(ctx.db, other.id, otherRegion);
    const otherGuide = await createGuide(ctx.db, other.id, otherStore, { userid: 'other' });
    const otherCustomer = (await createCustomer(ctx.db, other.id, { name: '陈' })).id;
    const [oo] = await ctx
      .db('orders')
      .insert({
        corp_id: other.id,
        source: 'pos',
        order_no: 'OTHER-1',
        store_id: otherStore,
        customer_id: otherCustomer,
        paid_at: new Date(T),
        gross_fen: 100,
        net_fen: 100,
      })
      .returning('id');
    await recordInteractions(ctx.db, [
      {
        corpId: other.id,
        guideId: otherGuide.id,
        customerId: otherCustomer,
        occurredAt: new Date(T - DAY),
        kind: 'script_send',
        source: 'sidebar',
        evidenceId: 'other-1',
      },
    ]);
    await attributeOrders(ctx, other.id, [oo.id], 'other tenant');
    expect(await ctx.db('credits').where({ corp_id: corpId }).count('* as n').first()).not.toEqual({ n: 0 });

    expect(await deleteTenant(ctx.db, corpId)).toBe(true);
    for (const table of [
      'credits',
      'credit_events',
      'daily_credits',
      'daily_activity',
      'daily_reach',
      'daily_store_sales',
      'orders',
      'customers',
      'corps',
    ]) {
      expect(
        Number(
          (
            await ctx
              .db(table)
              .where(table === 'corps' ? { id: corpId } : { corp_id: corpId })
              .count<{ n: number }[]>('* as n')
          )[0]!.n,
        ),
        table,
      ).toBe(0);
    }
    expect(
      await ctx
        .db('credits')
        .where({ corp_id: other.id, order_id: oo.id })
        .whereNull('superseded_at')
        .pluck('guide_id'),
    ).toEqual([otherGuide.id]);
    expect(await deleteTenant(ctx.db, corpId)).toBe(false);
  });
});
