/**
 * The attribution outbox: every stored fact reaches a decision whatever fails between its commit and
 * its credit — a crash between the commit and the enqueue, jobs lost with Redis, a re-sent batch —
 * and every change of an order's outcome is in its trail with the fact that caused it.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { pendingOf, requestAttribution, settle, sweepPending, owe } from '../../core/attribution/outbox';
import { orderTrail } from '../../core/attribution/trail';
import type { Principal } from '../../core/auth/principal';
import { checkHealth } from '../../core/health';
import { recordInteractions } from '../../core/ingest/interactions';
import { storeFacts, validateRows } from '../../core/ingest/pos';
import { signPosBody } from '../../core/ingest/signature';
import { attributeJob } from '../../core/jobs/attribution.jobs';
import { startWorkers, type RunningWorkers } from '../../workers/runtime';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import {
  createCorp,
  createCustomer,
  createGuide,
  createRegion,
  createStore,
  follow,
  type CorpFixture,
} from '../factories/org.factory';

const T = Date.now() - 3 * 86_400_000;
let ctx: TestContext;
let corp: CorpFixture;
let guide: { id: number; userid: string };
let customerId: number;
let workers: RunningWorkers | null = null;
let seq = 0;

const finance = (): Principal => ({
  corpId: corp.id,
  userId: 0,
  userid: 'caiwu',
  name: '财务',
  role: 'finance',
  guideId: null,
  storeIds: [],
  regionIds: [],
});

const order = (orderNo: string, at = T) => ({
  orderNo,
  storeCode: 'OBX1',
  paidAt: new Date(at).toISOString(),
  grossFen: 25_900,
  discountFen: 0,
  netFen: 25_900,
  memberNo: 'OB-M1',
  lines: [{ skuCode: 'SKU-1', qty: 1, netFen: 25_900 }],
});

function post(body: unknown) {
  const raw = JSON.stringify(body);
  return request(createApp(ctx))
    .post(`/webhooks/pos/${corp.wecomCorpId}`)
    .set('content-type', 'application/json')
    .set('X-Guidepost-Signature', signPosBody(corp.posHmacSecret, raw))
    .send(raw);
}

async function drained(): Promise<void> {
  await ctx.queues.drain(30_000);
}

const orderId = async (orderNo: string) =>
  Number((await ctx.db('orders').where({ corp_id: corp.id, order_no: orderNo }).first<{ id: number }>('id'))!.id);
const liveSale = async (orderNo: string) =>
  ctx
    .db('credits')
    .where({ corp_id: corp.id, order_id: await orderId(orderNo), kind: 'sale' })
    .whereNull('superseded_at')
    .first<{ guide_id: number; rule: string } | undefined>('guide_id', 'rule');
const owedRows = () => ctx.db('attribution_pending').where({ corp_id: corp.id }).select('subject', 'subject_id');

async function interaction(at: number) {
  seq++;
  return recordInteractions(ctx.db, [
    {
      corpId: corp.id,
      guideId: guide.id,
      customerId,
      occurredAt: new Date(at),
      kind: 'script_send',
      source: 'sidebar',
      evidenceId: `ob-${seq}`,
    },
  ]);
}

beforeAll(async () => {
  ctx = await createTestContext();
  corp = await createCorp(ctx.db, ctx.secrets);
  const store = await createStore(ctx.db, corp.id, await createRegion(ctx.db, corp.id), { code: 'OBX1' });
  guide = await createGuide(ctx.db, corp.id, store, { userid: 'obguide', name: '周晴' });
  customerId = (await createCustomer(ctx.db, corp.id, { memberNo: 'OB-M1' })).id;
  await ctx
    .db('customer_identities')
    .insert({ corp_id: corp.id, kind: 'member_no', value: 'OB-M1', customer_id: customerId });
  await follow(ctx.db, corp.id, customerId, guide.id);
});

afterAll(async () => {
  await workers?.close();
  await destroyTestContext(ctx);
});

describe('the attribution outbox', () => {
  it('an order committed but never queued (the API died before the enqueue) is owed, reported by /healthz, and credited by the sweep', async () => {
    await interaction(T - 3_600_000);
    await ctx.db('attribution_pending').where({ corp_id: corp.id }).del(); // only the order's debt matters here
    const { good } = validateRows([order('OB-CRASH')], []);
    await storeFacts(ctx, corp.id, good, []); // the facts' transaction, with no enqueue after it
    const id = await orderId('OB-CRASH');
    expect(await owedRows()).toEqual([{ subject: 'order', subject_id: id }]);
    expect(await ctx.queues.queue('attribution').count()).toBe(0);
    const health = await checkHealth(ctx);
    expect(health.attribution?.undecided).toBeGreaterThanOrEqual(1);
    expect(health.attribution?.oldestAgeSeconds).toBeGreaterThanOrEqual(0);

    workers = startWorkers(ctx);
    // The job the API would have queued never comes; once its grace has passed, the sweep queues it.
    expect(await sweepPending(ctx)).toBe(0);
    await ctx
      .db('attribution_pending')
      .where({ corp_id: corp.id })
      .update({ due_at: ctx.db.raw("now() - interval '1 second'") });
    expect(await sweepPending(ctx)).toBe(1);
    await drained();
    expect(await liveSale('OB-CRASH')).toMatchObject({ guide_id: guide.id, rule: 'interaction' });
    expect(await owedRows()).toEqual([]);
    expect(await ctx.db('attribution_outcomes').where({ order_id: id }).first()).toMatchObject({
      guide_id: guide.id,
      rule: 'interaction',
    });
  });

  it('a batch whose jobs were lost with Redis is credited when the POS re-sends it', async () => {
    await workers?.close();
    workers = null;
    const batch = { batchId: 'OB-LOST-1', orders: [order('OB-LOST-A'), order('OB-LOST-B', T + 60_000)] };
    const first = await post(batch);
    expect(first.status).toBe(200);
    expect(first.body.orders.accepted).toBe(2);
    // Redis restarted without persistence: the queued job is gone.
    await ctx.queues.queue('attribution').obliterate({ force: true });
    workers = startWorkers(ctx);
    const again = await post(batch);
    expect(again.status).toBe(200);
    expect(again.body.replayed).toBe(true);
    await drained();
    expect(await liveSale('OB-LOST-A')).toMatchObject({ guide_id: guide.id });
    expect(await liveSale('OB-LOST-B')).toMatchObject({ guide_id: guide.id });
    expect(await owedRows()).toEqual([]);
  });

  it('a fact stored while a run is under way keeps its subject owed after that run settles', async () => {
    await workers?.close();
    workers = null;
    const cause = { kind: 'interaction', id: 'x' } as const;
    await requestAttribution(ctx.db, corp.id, owe('customer', [customerId], cause), 'first', { queued: false });
    const read = await pendingOf(ctx.db, corp.id, { customerIds: [customerId] });
    expect(read).toHaveLength(1);
    await requestAttribution(ctx.db, corp.id, owe('customer', [customerId], cause), 'during the run', {
      queued: false,
    });
    expect(await settle(ctx.db, corp.id, read)).toBe(0);
    expect(await owedRows()).toEqual([{ subject: 'customer', subject_id: customerId }]);
    const reread = await pendingOf(ctx.db, corp.id, { customerIds: [customerId] });
    expect(await settle(ctx.db, corp.id, reread)).toBe(1);
    expect(await owedRows()).toEqual([]);
  });

  it('an order first unattributed, then credited by a late sidebar send, tells both decisions and the interaction that changed it', async () => {
    workers = startWorkers(ctx);
    const paidAt = Date.now() - 3_600_000;
    // No interaction of this customer's is within 7 days before this purchase.
    const customer2 = (await createCustomer(ctx.db, corp.id, { memberNo: 'OB-M2' })).id;
    await ctx
      .db('customer_identities')
      .insert({ corp_id: corp.id, kind: 'member_no', value: 'OB-M2', customer_id: customer2 });
    await follow(ctx.db, corp.id, customer2, guide.id);
    const r = await post({ batchId: 'OB-LATE-1', orders: [{ ...order('OB-LATE', paidAt), memberNo: 'OB-M2' }] });
    expect(r.status).toBe(200);
    await drained();
    expect(await liveSale('OB-LATE')).toBeUndefined();

    // The send happened before the purchase but reaches us after it (recorded late, from another device).
    const [added] = await recordInteractions(ctx.db, [
      {
        corpId: corp.id,
        guideId: guide.id,
        customerId: customer2,
        occurredAt: new Date(paidAt - 2 * 3_600_000),
        kind: 'script_send',
        source: 'sidebar',
        evidenceId: 'ob-late-send',
      },
    ]);
    expect(added).toBe(customer2);
    expect(await sweepPending(ctx)).toBe(1); // not queued by its writer: due at once
    await drained();
    expect(await liveSale('OB-LATE')).toMatchObject({ guide_id: guide.id, rule: 'interaction' });

    const send = await ctx
      .db('interactions')
      .where({ corp_id: corp.id, evidence_id: 'ob-late-send' })
      .first<{ id: number }>('id');
    const trail = await orderTrail(ctx, finance(), await orderId('OB-LATE'));
    expect(trail.decisions).toHaveLength(2);
    expect(trail.decisions[0]).toMatchObject({ first: true, from: null, to: null, cause: { kind: 'order' } });
    expect(trail.decisions[1]).toMatchObject({
      first: false,
      from: null,
      to: { guideId: guide.id, rule: 'interaction' },
      cause: { kind: 'interaction', id: String(send!.id) },
      ruleSetVersion: 1,
    });
    expect(trail.decisions[1]!.summary).toContain('unattributed → credited to 周晴 by the interaction rule');
  });

  it('a re-run that changes nothing adds no decision', async () => {
    const id = await orderId('OB-LATE');
    const before = await ctx.db('attribution_decisions').where({ order_id: id }).count<{ n: string }[]>('* as n');
    await ctx.queues.enqueue(attributeJob, {
      corpId: corp.id,
      orderIds: [id],
      reason: 'recompute',
    });
    await drained();
    const after = await ctx.db('attribution_decisions').where({ order_id: id }).count<{ n: string }[]>('* as n');
    expect(after[0]!.n).toBe(before[0]!.n);
  });
});
