import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { attributeOrders } from '../../core/attribution/attribution.service';
import { runAttribution } from '../../core/attribution/run';
import type { Principal } from '../../core/auth/principal';
import { decideDispute, escalateDispute, listDisputes, raiseDispute } from '../../core/commission/disputes';
import { commissionFen } from '../../core/commission/money';
import { closePeriod, reviewPeriod, syncPeriod } from '../../core/commission/periods';
import { createPlan } from '../../core/commission/plans';
import { guideStatement } from '../../core/commission/statements';
import { recordInteractions } from '../../core/ingest/interactions';
import { useTestContext } from '../helpers/context';
import { createCorp, createCustomer, createGuide, createRegion, createStore } from '../factories/org.factory';

const t = useTestContext();
const NOW = new Date('2026-11-20T12:00:00+08:00');
let corpId: number;
let storeA: number;
let storeB: number;
let regionId: number;
let zhou: Principal;
let li: Principal;
let managerA: Principal;
let managerB: Principal;
let regional: Principal;
let n = 0;

const principal = (role: Principal['role'], userid: string, over: Partial<Principal> = {}): Principal => ({
  corpId,
  userId: 0,
  userid,
  name: userid,
  role,
  guideId: null,
  storeIds: [],
  regionIds: [],
  ...over,
});

const PAID = new Date('2026-11-10T10:00:00+08:00');

/** A guide's chat with a customer: an interaction the 7-day rule counts. */
async function chat(guideId: number, customerId: number, at: Date, ev: string) {
  await recordInteractions(t.ctx.db, [
    { corpId, guideId, customerId, occurredAt: at, kind: 'message', source: 'test', evidenceId: ev },
  ]);
}

/** The engine's run for an order, as the attribute job does it (the outbox rows it owes settled). */
const engine = (orderId: number) => runAttribution(t.ctx, { corpId, orderIds: [orderId], reason: 'test run' });

/** An order of a new customer in November, credited by the engine to `guideId` (she chatted with her two days before). */
async function creditedOrder(guideId: number, fen: number) {
  n += 1;
  const customer = await createCustomer(t.ctx.db, corpId);
  await chat(guideId, customer.id, new Date(PAID.getTime() - 2 * 86_400_000), `c${n}`);
  const [o] = await t.ctx
    .db('orders')
    .insert({
      corp_id: corpId,
      source: 'pos',
      order_no: `D${n}`,
      store_id: storeA,
      customer_id: customer.id,
      paid_at: PAID,
      gross_fen: fen,
      net_fen: fen,
    })
    .returning<{ id: number }[]>('id');
  await attributeOrders(t.ctx, corpId, [o!.id], 'test');
  const c = await t.ctx
    .db('credits')
    .where({ order_id: o!.id, kind: 'sale' })
    .whereNull('superseded_at')
    .first<{ id: number; guide_id: number }>('id', 'guide_id');
  expect(c?.guide_id).toBe(guideId);
  return { orderId: o!.id, creditId: c!.id, customerId: customer.id };
}

/** The live manual lines of a dispute, and how many were ever written. */
async function manualCredits(disputeId: number) {
  const all = await t.ctx
    .db('credits')
    .where({ dispute_id: disputeId })
    .orderBy('id')
    .select<{ id: number; guide_id: number; amount_fen: number; kind: string; superseded_at: Date | null }[]>(
      'id',
      'guide_id',
      'amount_fen',
      'kind',
      'superseded_at',
    );
  return { all, live: all.filter((c) => c.superseded_at === null) };
}

beforeAll(async () => {
  corpId = (await createCorp(t.ctx.db, t.ctx.secrets)).id;
  regionId = await createRegion(t.ctx.db, corpId);
  storeA = await createStore(t.ctx.db, corpId, regionId);
  storeB = await createStore(t.ctx.db, corpId, regionId);
  const gz = await createGuide(t.ctx.db, corpId, storeA, { name: '周晴' });
  const gl = await createGuide(t.ctx.db, corpId, storeA, { name: '李华' });
  zhou = principal('guide', gz.userid, { guideId: gz.id, storeIds: [storeA] });
  li = principal('guide', gl.userid, { guideId: gl.id, storeIds: [storeA] });
  managerA = principal('store_manager', 'dianzhang-a', { storeIds: [storeA] });
  managerB = principal('store_manager', 'dianzhang-b', { storeIds: [storeB] });
  regional = principal('regional_manager', 'quyu', { regionIds: [regionId] });
  await createPlan(
    t.ctx.db,
    corpId,
    {
      name: '标准',
      rates: { transfer: 300, coupon: 200, interaction: 150 },
      tiers: [],
      holdDays: 7,
      effectiveFrom: '2026-09-01',
      changeNote: 'first',
    },
    'fin',
  );
});

describe('disputes (申诉)', () => {
  it('a claim is decided by her store manager, escalated to the regional manager, approved in part, once', async () => {
    const { orderId } = await creditedOrder(li.guideId!, 40_000);
    const { id } = await raiseDispute(t.ctx.db, zhou, {
      kind: 'claim',
      orderId,
      rule: 'interaction',
      note: '顾客是我前一天在企微里接待的',
    });
    await expect(
      raiseDispute(t.ctx.db, zhou, { kind: 'claim', orderId, rule: 'interaction', note: '再来一次' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(decideDispute(t.ctx, managerB, id, { decision: 'approve', reason: 'x' }, NOW)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await escalateDispute(t.ctx.db, managerA, id, '涉及两位导购，请区域经理定');
    await expect(decideDispute(t.ctx, managerA, id, { decision: 'approve', reason: 'x' }, NOW)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      decideDispute(t.ctx, regional, id, { decision: 'approve', approvedFen: 40_001, reason: 'x' }, NOW),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'approvedFen' });
    const ok = await decideDispute(
      t.ctx,
      regional,
      id,
      { decision: 'approve', approvedFen: 20_000, reason: '两人各半' },
      NOW,
    );
    expect(ok.status).toBe('accepted');
    await expect(
      decideDispute(t.ctx, regional, id, { decision: 'approve', reason: 'again' }, NOW),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    // The approval is a fact the outbox owes the order: the engine's run credits it.
    expect(
      await t.ctx.db('attribution_pending').where({ subject: 'order', subject_id: orderId }).first(),
    ).toMatchObject({ cause_kind: 'dispute', cause_id: String(id) });
    await engine(orderId);
    const s = await guideStatement(t.ctx.db, corpId, '2026-11', zhou.guideId!);
    expect(s.lines).toEqual([
      expect.objectContaining({
        kind: 'adjustment',
        baseFen: 20_000,
        rateBp: 150,
        amountFen: 300,
        receipt: expect.objectContaining({
          creditKind: 'adjustment',
          orderId,
          evidence: expect.objectContaining({
            disputeId: id,
            decidedBy: 'quyu',
            approvedFen: 20_000,
            reason: '两人各半',
          }),
          trailPath: `/api/attribution/orders/${orderId}/trail`,
        }),
      }),
    ]);
    // Li's own credit is untouched: the approval credits Zhou on its own line.
    const li1 = await guideStatement(t.ctx.db, corpId, '2026-11', li.guideId!);
    expect(li1.lines.find((l) => l.receipt.orderId === orderId)).toMatchObject({ kind: 'earn', baseFen: 40_000 });
    const mine = await listDisputes(t.ctx.db, zhou, {}, NOW);
    expect(mine).toEqual([
      expect.objectContaining({
        id,
        status: 'accepted',
        approvedFen: 20_000,
        resolution: '两人各半',
        creditId: (await manualCredits(id)).live[0]!.id,
        commissionLineId: s.lines[0]!.lineId,
      }),
    ]);
    // Another run of the order writes nothing more.
    await engine(orderId);
    expect((await manualCredits(id)).all).toHaveLength(1);
  });

  it('a rejection carries its reason; open disputes show their age; a manager sees only his stores', async () => {
    const { orderId } = await creditedOrder(li.guideId!, 10_000);
    const created = new Date();
    const { id } = await raiseDispute(t.ctx.db, zhou, { kind: 'claim', orderId, rule: 'coupon', note: '我发的券' });
    const later = new Date(created.getTime() + 50 * 3_600_000);
    const open = (await listDisputes(t.ctx.db, managerA, { status: 'open' }, later)).find((d) => d.id === id)!;
    expect(open.ageHours).toBeGreaterThanOrEqual(49.9);
    expect(await listDisputes(t.ctx.db, managerB, {}, later)).toEqual([]);
    await decideDispute(t.ctx, managerA, id, { decision: 'reject', reason: '券核销记录显示是李华的券' }, NOW);
    const mine = (await listDisputes(t.ctx.db, zhou, {}, NOW)).find((d) => d.id === id)!;
    expect(mine).toMatchObject({ status: 'rejected', resolution: '券核销记录显示是李华的券', commissionLineId: null });
  });

  it('an approval credits exactly once under any interleaving with refunds, re-attributions, engine runs, recomputation and a second approval', async () => {
    type Op = 'approve' | 'approveAgain' | 'refund' | 'reattribute' | 'run' | 'sync';
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(['approveAgain', 'refund', 'reattribute', 'run', 'sync'] as Op[]),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 99_999 }),
        fc.constantFrom('contest', 'claim'),
        async (others, at, concurrent, fen, kind) => {
          const ops: Op[] = [...others];
          ops.splice(Math.min(at, ops.length), 0, 'approve');
          // A contest: Zhou's own credited order, contested for more. A claim: Li's order, claimed by Zhou.
          const owner = kind === 'contest' ? zhou : li;
          const { orderId, customerId } = await creditedOrder(owner.guideId!, 100_000);
          const line = async () => {
            await syncPeriod(t.ctx.db, corpId, '2026-11');
            const c = await t.ctx
              .db('commission_lines as l')
              .join('credits as c', 'c.id', 'l.credit_id')
              .where({ 'c.order_id': orderId, 'c.kind': 'sale' })
              .first<{ id: number }>('l.id');
            return c!.id;
          };
          const { id } = await raiseDispute(
            t.ctx.db,
            zhou,
            kind === 'contest'
              ? { kind: 'contest', lineId: await line(), claimedFen: 100_000, note: '这单还有一件是我卖的' }
              : { kind: 'claim', orderId, rule: 'transfer', claimedFen: 100_000, note: '转账是我收的' },
          );
          n += 1;
          const run = async (op: Op) => {
            switch (op) {
              case 'approve':
              case 'approveAgain':
                await decideDispute(
                  t.ctx,
                  managerA,
                  id,
                  { decision: 'approve', approvedFen: fen, reason: '核实' },
                  NOW,
                ).catch((e: { code?: string }) => {
                  if (e.code !== 'CONFLICT') throw e;
                });
                return;
              case 'refund':
                await t.ctx.db('refunds').insert({
                  corp_id: corpId,
                  source: 'pos',
                  refund_no: `R${n}`,
                  order_id: orderId,
                  order_no: `D${orderId}`,
                  refunded_at: new Date('2026-11-12T10:00:00+08:00'),
                  amount_fen: 30_000,
                });
                await engine(orderId);
                return;
              case 'reattribute':
                // A later chat by the other guide: the order now belongs to her.
                await chat(
                  owner === li ? zhou.guideId! : li.guideId!,
                  customerId,
                  new Date(PAID.getTime() - 3_600_000),
                  `re${n}`,
                );
                await engine(orderId);
                return;
              case 'run':
                await engine(orderId);
                return;
              case 'sync':
                await syncPeriod(t.ctx.db, corpId, '2026-11');
                return;
            }
          };
          if (concurrent) await Promise.all(ops.map(run));
          else for (const op of ops) await run(op);
          await engine(orderId);
          await syncPeriod(t.ctx.db, corpId, '2026-11');
          const { all, live } = await manualCredits(id);
          // Once: one manual credit ever written, live, Zhou's, the amount approved.
          expect(all).toEqual([
            expect.objectContaining({ guide_id: zhou.guideId, amount_fen: fen, kind: 'adjustment' }),
          ]);
          expect(live).toHaveLength(1);
          const lines = await t.ctx
            .db('commission_lines')
            .where({ credit_id: live[0]!.id })
            .select('guide_id', 'amount_fen', 'base_fen', 'kind');
          expect(lines).toEqual([
            {
              guide_id: zhou.guideId,
              base_fen: fen,
              // A contest takes the plan's rate of the contested line's path; a claim the path she names.
              amount_fen: commissionFen(fen, kind === 'contest' ? 150 : 300),
              kind: 'adjustment',
            },
          ]);
          // The order's own lines are the rules' alone: one live sale, refunds reversing it pro rata.
          const own = await t.ctx
            .db('credits')
            .where({ order_id: orderId })
            .whereNull('superseded_at')
            .whereNull('dispute_id')
            .select<{ kind: string; amount_fen: number }[]>('kind', 'amount_fen');
          expect(own.filter((c) => c.kind === 'sale')).toEqual([{ kind: 'sale', amount_fen: 100_000 }]);
          expect(own.reduce((s, c) => s + c.amount_fen, 0)).toBe(ops.includes('refund') ? 70_000 : 100_000);
          expect(await t.ctx.db('disputes').where({ id }).first()).toMatchObject({
            status: 'accepted',
            approved_fen: fen,
          });
        },
      ),
      { numRuns: 20, seed: 15 },
    );
  });

  it('an approval never changes a closed period: approved in a month closed before the engine credits it, it lands in the open one', async () => {
    const { orderId } = await creditedOrder(li.guideId!, 50_000);
    const { id } = await raiseDispute(t.ctx.db, zhou, { kind: 'claim', orderId, rule: 'coupon', note: '券是我发的' });
    await decideDispute(t.ctx, managerA, id, { decision: 'approve', approvedFen: 10_000, reason: '核实' }, NOW);
    // September and October first (months close in order), then November — before the engine ran.
    for (const m of ['2026-09', '2026-10', '2026-11']) {
      await reviewPeriod(t.ctx.db, corpId, m, 'fin');
      await closePeriod(t.ctx.db, corpId, m, 'fin', 'month end');
    }
    const locked = await t.ctx
      .db('commission_lines as l')
      .join('commission_periods as p', 'p.id', 'l.period_id')
      .where({ 'p.month': '2026-11-01' })
      .orderBy('l.id')
      .select('l.*');
    await engine(orderId);
    const { live } = await manualCredits(id);
    expect(live).toHaveLength(1);
    const credit = await t.ctx.db('credits').where({ id: live[0]!.id }).first<{ occurred_at: Date }>('occurred_at');
    expect(credit!.occurred_at.getTime()).toBeGreaterThanOrEqual(new Date('2026-12-01T00:00:00+08:00').getTime());
    const s = await guideStatement(t.ctx.db, corpId, '2026-12', zhou.guideId!);
    expect(s.lines.find((l) => l.receipt.creditId === live[0]!.id)).toMatchObject({
      kind: 'adjustment',
      baseFen: 10_000,
      rateBp: 200,
      amountFen: 200,
    });
    const after = await t.ctx
      .db('commission_lines as l')
      .join('commission_periods as p', 'p.id', 'l.period_id')
      .where({ 'p.month': '2026-11-01' })
      .orderBy('l.id')
      .select('l.*');
    expect(after).toEqual(locked);
  });
});
