/**
 * Ties as of the purchase: the exclusive guide is a dated assignment read at paid_at, a change
 * re-attributes what it affects (with the change named in the trail), and the window's SQL
 * pre-filter counts the same exact hours as the rule whatever the session's time zone.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import {
  attributeOrders,
  loadOrderFacts,
  ORDER_COLUMNS,
  type OrderRow,
} from '../../core/attribution/attribution.service';
import { signSession } from '../../core/auth/session';
import { setExclusiveGuide } from '../../core/customers/exclusive-guide';
import { recordInteractions } from '../../core/ingest/interactions';
import { startWorkers, type RunningWorkers } from '../../workers/runtime';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import { createCorp, createCustomer, createGuide, createRegion, createStore, follow } from '../factories/org.factory';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T1 = Date.now() - 10 * DAY; // the exclusive guide changes here
let ctx: TestContext;
let corpId: number;
let storeId: number;
let g1: { id: number; userid: string };
let g2: { id: number; userid: string };
let customerId: number;
let workers: RunningWorkers;
let n = 0;

async function tiedOrder(orderNo: string, paidAt: number): Promise<number> {
  // Both guides reach the customer at the same moment, two hours before the purchase.
  await recordInteractions(
    ctx.db,
    [g1, g2].map((g) => ({
      corpId,
      guideId: g.id,
      customerId,
      occurredAt: new Date(paidAt - 2 * HOUR),
      kind: 'script_send' as const,
      source: 'sidebar',
      evidenceId: `tie-${orderNo}-${g.id}`,
    })),
  );
  const [o] = await ctx
    .db('orders')
    .insert({
      corp_id: corpId,
      source: 'pos',
      order_no: orderNo,
      store_id: storeId,
      customer_id: customerId,
      paid_at: new Date(paidAt),
      gross_fen: 10_000 + n,
      net_fen: 10_000 + n++,
    })
    .returning<{ id: number }[]>('id');
  return Number(o!.id);
}

const credited = async (orderId: number) =>
  ctx
    .db('credits')
    .where({ order_id: orderId, kind: 'sale' })
    .whereNull('superseded_at')
    .first<{ guide_id: number; evidence: { tieBreak: string } }>('guide_id', 'evidence');

beforeAll(async () => {
  ctx = await createTestContext();
  const corp = await createCorp(ctx.db, ctx.secrets);
  corpId = corp.id;
  storeId = await createStore(ctx.db, corpId, await createRegion(ctx.db, corpId));
  g1 = await createGuide(ctx.db, corpId, storeId, { name: '李翠' });
  g2 = await createGuide(ctx.db, corpId, storeId, { name: '张敏' });
  await ctx.db('users').insert({ corp_id: corpId, userid: 'admin1', name: '管理员', role: 'admin' });
  customerId = (await createCustomer(ctx.db, corpId)).id;
  await follow(ctx.db, corpId, customerId, g1.id, { exclusive: true, addedAt: new Date(T1 - 60 * DAY) });
  await follow(ctx.db, corpId, customerId, g2.id, { addedAt: new Date(T1 - 30 * DAY) });
  workers = startWorkers(ctx);
});

afterAll(async () => {
  await workers.close();
  await destroyTestContext(ctx);
});

describe('ties are broken by the exclusive guide at paid_at', () => {
  let before: number;
  let after: number;

  it('credits both tied orders to the exclusive guide of the time', async () => {
    before = await tiedOrder('TIE-BEFORE', T1 - DAY);
    after = await tiedOrder('TIE-AFTER', T1 + DAY);
    await attributeOrders(ctx, corpId, [before, after], 'test');
    expect(await credited(before)).toMatchObject({ guide_id: g1.id, evidence: { tieBreak: 'exclusive_guide' } });
    expect(await credited(after)).toMatchObject({ guide_id: g1.id, evidence: { tieBreak: 'exclusive_guide' } });
  });

  it('a change of exclusive guide (through the API) re-attributes only what it affects, and the trail names it', async () => {
    const admin = `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId, userid: 'admin1' }, 600)}`;
    const r = await request(createApp(ctx))
      .put(`/api/customers/${customerId}/exclusive-guide`)
      .set('authorization', admin)
      .send({ guideId: g2.id, from: new Date(T1).toISOString(), reason: '客户要求更换专属导购' });
    expect(r.status).toBe(200);
    expect(r.body.assignments).toHaveLength(2);
    expect(r.body.assignments[0]).toMatchObject({ guideId: g1.id, validTo: new Date(T1).toISOString() });
    expect(r.body.assignments[1]).toMatchObject({ guideId: g2.id, validTo: null });
    await ctx.queues.drain(30_000);
    expect(await credited(before)).toMatchObject({ guide_id: g1.id });
    expect(await credited(after)).toMatchObject({ guide_id: g2.id, evidence: { tieBreak: 'exclusive_guide' } });
    const decisions = await ctx.db('attribution_decisions').where({ order_id: after }).orderBy('id');
    expect(decisions.at(-1)).toMatchObject({
      from_guide_id: g1.id,
      to_guide_id: g2.id,
      cause_kind: 'exclusive_guide',
    });
    expect(await ctx.db('audit_log').where({ corp_id: corpId, action: 'exclusive_guide.set' })).toHaveLength(1);
  });

  it('the same facts end the same however late an order is processed', async () => {
    // Recompute everything from scratch, after the change: the order before T1 stays with g1.
    await ctx.db('credits').where({ corp_id: corpId }).update({ superseded_at: new Date() });
    await ctx.db('daily_credits').where({ corp_id: corpId }).del();
    await attributeOrders(ctx, corpId, [before, after], 'recompute');
    expect(await credited(before)).toMatchObject({ guide_id: g1.id });
    expect(await credited(after)).toMatchObject({ guide_id: g2.id });
  });

  it('refuses an assignment to a guide who does not follow the customer, and one starting in the future', async () => {
    const g3 = await createGuide(ctx.db, corpId, storeId, { name: '王芳' });
    await expect(
      setExclusiveGuide(ctx, { corpId, customerId, guideId: g3.id, reason: 'x', actor: 'admin1' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      setExclusiveGuide(ctx, {
        corpId,
        customerId,
        guideId: g1.id,
        from: new Date(Date.now() + DAY),
        reason: 'x',
        actor: 'admin1',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe("the window's pre-filter", () => {
  it('keeps an interaction 167.5 hours before the purchase across a daylight-saving change in the session zone', async () => {
    // New York springs forward on 2026-03-08: 7 calendar days before 2026-03-10 12:00 EDT are 167 hours.
    const paidAt = Date.parse('2026-03-10T16:00:00Z');
    const c = (await createCustomer(ctx.db, corpId)).id;
    await recordInteractions(ctx.db, [
      {
        corpId,
        guideId: g1.id,
        customerId: c,
        occurredAt: new Date(paidAt - 167.5 * HOUR),
        kind: 'script_send',
        source: 'sidebar',
        evidenceId: 'dst-edge',
      },
    ]);
    const [o] = await ctx
      .db('orders')
      .insert({
        corp_id: corpId,
        source: 'pos',
        order_no: 'DST-1',
        store_id: storeId,
        customer_id: c,
        paid_at: new Date(paidAt),
        gross_fen: 100,
        net_fen: 100,
      })
      .returning(ORDER_COLUMNS as unknown as string[]);
    const facts = await ctx.db.transaction(async (trx) => {
      await trx.raw(`set local timezone = 'America/New_York'`);
      return loadOrderFacts(trx, corpId, [o as OrderRow], 7, ['script_send']);
    });
    expect(facts.get(Number((o as OrderRow).id))!.interactions.map((i) => i.at)).toEqual([paidAt - 167.5 * HOUR]);
  });
});
