import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../core/auth/principal';
import { decideDispute, escalateDispute, listDisputes, raiseDispute } from '../../core/commission/disputes';
import { commissionFen } from '../../core/commission/money';
import { syncPeriod } from '../../core/commission/periods';
import { createPlan } from '../../core/commission/plans';
import { guideStatement } from '../../core/commission/statements';
import { useTestContext } from '../helpers/context';
import { createCorp, createGuide, createRegion, createStore } from '../factories/org.factory';

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

/** An order credited by the rules to `guideId` (sale line), in November. */
async function creditedOrder(guideId: number, fen: number) {
  n += 1;
  const [o] = await t.ctx
    .db('orders')
    .insert({
      corp_id: corpId,
      source: 'pos',
      order_no: `D${n}`,
      store_id: storeA,
      paid_at: new Date('2026-11-10T10:00:00+08:00'),
      gross_fen: fen,
      net_fen: fen,
    })
    .returning<{ id: number }[]>('id');
  const [c] = await t.ctx
    .db('credits')
    .insert({
      corp_id: corpId,
      order_id: o!.id,
      guide_id: guideId,
      store_id: storeA,
      rule: 'interaction',
      kind: 'sale',
      amount_fen: fen,
      occurred_at: new Date('2026-11-10T10:00:00+08:00'),
      rule_set_version: 1,
      evidence: '{}',
    })
    .returning<{ id: number }[]>('id');
  return { orderId: o!.id, creditId: c!.id };
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
    await expect(
      decideDispute(t.ctx.db, managerB, id, { decision: 'approve', reason: 'x' }, NOW),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await escalateDispute(t.ctx.db, managerA, id, '涉及两位导购，请区域经理定');
    await expect(
      decideDispute(t.ctx.db, managerA, id, { decision: 'approve', reason: 'x' }, NOW),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      decideDispute(t.ctx.db, regional, id, { decision: 'approve', approvedFen: 40_001, reason: 'x' }, NOW),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'approvedFen' });
    const ok = await decideDispute(
      t.ctx.db,
      regional,
      id,
      { decision: 'approve', approvedFen: 20_000, reason: '两人各半' },
      NOW,
    );
    expect(ok.status).toBe('accepted');
    await expect(
      decideDispute(t.ctx.db, regional, id, { decision: 'approve', reason: 'again' }, NOW),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const s = await guideStatement(t.ctx.db, corpId, '2026-11', zhou.guideId!);
    expect(s.lines).toEqual([
      expect.objectContaining({
        kind: 'adjustment',
        baseFen: 20_000,
        rateBp: 150,
        amountFen: 300,
        note: expect.stringContaining(`申诉 #${id}`),
      }),
    ]);
    const mine = await listDisputes(t.ctx.db, zhou, {}, NOW);
    expect(mine).toEqual([
      expect.objectContaining({
        id,
        status: 'accepted',
        approvedFen: 20_000,
        resolution: '两人各半',
        commissionLineId: ok.commissionLineId,
      }),
    ]);
  });

  it('a rejection carries its reason; open disputes show their age; a manager sees only his stores', async () => {
    const { orderId } = await creditedOrder(li.guideId!, 10_000);
    const created = new Date();
    const { id } = await raiseDispute(t.ctx.db, zhou, { kind: 'claim', orderId, rule: 'coupon', note: '我发的券' });
    const later = new Date(created.getTime() + 50 * 3_600_000);
    const open = (await listDisputes(t.ctx.db, managerA, { status: 'open' }, later)).find((d) => d.id === id)!;
    expect(open.ageHours).toBeGreaterThanOrEqual(49.9);
    expect(await listDisputes(t.ctx.db, managerB, {}, later)).toEqual([]);
    await decideDispute(t.ctx.db, managerA, id, { decision: 'reject', reason: '券核销记录显示是李华的券' }, NOW);
    const mine = (await listDisputes(t.ctx.db, zhou, {}, NOW)).find((d) => d.id === id)!;
    expect(mine).toMatchObject({ status: 'rejected', resolution: '券核销记录显示是李华的券', commissionLineId: null });
  });

  it('an approval credits exactly once under any interleaving with refunds, re-attributions, recomputation and a second approval', async () => {
    type Op = 'approve' | 'approveAgain' | 'refund' | 'reattribute' | 'sync';
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(['approveAgain', 'refund', 'reattribute', 'sync'] as Op[]),
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 99_999 }),
        async (others, at, concurrent, fen) => {
          const ops: Op[] = [...others];
          ops.splice(Math.min(at, ops.length), 0, 'approve');
          const { orderId, creditId } = await creditedOrder(li.guideId!, 100_000);
          const { id } = await raiseDispute(t.ctx.db, zhou, {
            kind: 'claim',
            orderId,
            rule: 'transfer',
            note: '转账是我收的',
          });
          const run = async (op: Op) => {
            switch (op) {
              case 'approve':
              case 'approveAgain':
                await decideDispute(
                  t.ctx.db,
                  managerA,
                  id,
                  { decision: 'approve', approvedFen: fen, reason: '核实' },
                  NOW,
                ).catch((e: { code?: string }) => {
                  if (e.code !== 'CONFLICT') throw e;
                });
                return;
              case 'refund':
                await t.ctx.db('credits').insert({
                  corp_id: corpId,
                  order_id: orderId,
                  guide_id: li.guideId,
                  store_id: storeA,
                  rule: 'interaction',
                  kind: 'refund',
                  amount_fen: -30_000,
                  occurred_at: new Date('2026-11-12T10:00:00+08:00'),
                  rule_set_version: 1,
                  evidence: '{}',
                });
                return;
              case 'reattribute':
                await t.ctx.db.transaction(async (trx) => {
                  await trx('credits').where({ id: creditId }).update({ superseded_at: trx.fn.now() });
                  await trx('credits').insert({
                    corp_id: corpId,
                    order_id: orderId,
                    guide_id: zhou.guideId,
                    store_id: storeA,
                    rule: 'transfer',
                    kind: 'sale',
                    amount_fen: 100_000,
                    occurred_at: new Date('2026-11-10T10:00:00+08:00'),
                    rule_set_version: 1,
                    evidence: '{}',
                  });
                });
                return;
              case 'sync':
                await syncPeriod(t.ctx.db, corpId, '2026-11');
                return;
            }
          };
          if (concurrent) await Promise.all(ops.map(run));
          else for (const op of ops) await run(op);
          await syncPeriod(t.ctx.db, corpId, '2026-11');
          const lines = await t.ctx
            .db('commission_lines')
            .where({ dispute_id: id })
            .select('guide_id', 'amount_fen', 'base_fen');
          expect(lines).toEqual([{ guide_id: zhou.guideId, base_fen: fen, amount_fen: commissionFen(fen, 300) }]);
          const d = await t.ctx.db('disputes').where({ id }).first();
          expect(d).toMatchObject({ status: 'accepted', approved_fen: fen });
        },
      ),
      { numRuns: 25, seed: 15 },
    );
  });
});
