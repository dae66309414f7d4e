import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { attributeOrders, attributeTransfers, periodClock } from '../../core/attribution/attribution.service';
import { signSession } from '../../core/auth/session';
import { recordInteractions } from '../../core/ingest/interactions';
import { linkIdentity } from '../../core/customers/identity';
import { attributeJob } from '../../core/jobs/attribution.jobs';
import { startWorkers, type RunningWorkers } from '../../workers/runtime';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import { createCorp, createCustomer, createGuide, createRegion, createStore, follow } from '../factories/org.factory';

const DAY = 86_400_000;
const T = Date.parse('2026-11-20T14:00:00+08:00');
let ctx: TestContext;
let workers: RunningWorkers;
let corpId: number;
let storeId: number;
let g1: { id: number; userid: string };
let g2: { id: number; userid: string };
let g3: { id: number; userid: string };
let customerId: number;

const bearer = (userid: string) => `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId, userid }, 600)}`;
const live = (orderId: number) =>
  ctx.db('credits').where({ order_id: orderId }).whereNull('superseded_at').orderBy('id');
async function order(no: string, paidAt: number, netFen: number, extra: Record<string, unknown> = {}): Promise<number> {
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
      ...extra,
    })
    .returning('id');
  return r.id;
}
async function bill(
  tx: string,
  guide: { id: number; userid: string },
  payTime: number,
  fen: number,
  refund?: { no: string; fen: number; at: number },
): Promise<number> {
  const base = {
    corp_id: corpId,
    transaction_id: tx,
    trade_state: 3,
    payee_userid: guide.userid,
    guide_id: guide.id,
    total_fee_fen: fen,
    raw: '{}',
  };
  const [r] = refund
    ? await ctx
        .db('transfers')
        .insert({
          ...base,
          bill_type: 1,
          out_refund_no: refund.no,
          total_refund_fee_fen: refund.fen,
          pay_time: new Date(refund.at),
        })
        .returning('id')
    : await ctx
        .db('transfers')
        .insert({ ...base, bill_type: 0, pay_time: new Date(payTime) })
        .returning('id');
  return r.id;
}

beforeAll(async () => {
  ctx = await createTestContext();
  workers = startWorkers(ctx);
  const corp = await createCorp(ctx.db, ctx.secrets);
  corpId = corp.id;
  const region = await createRegion(ctx.db, corpId);
  storeId = await createStore(ctx.db, corpId, region);
  g1 = await createGuide(ctx.db, corpId, storeId, { userid: 'licui', name: '李翠' });
  g2 = await createGuide(ctx.db, corpId, storeId, { userid: 'zhangmin', name: '张敏' });
  g3 = await createGuide(ctx.db, corpId, storeId, { userid: 'wangfang', name: '王芳' });
  await ctx.db('users').insert([
    { corp_id: corpId, userid: 'caiwu', name: '财务', role: 'finance' },
    { corp_id: corpId, userid: 'admin', name: '管理员', role: 'admin' },
  ]);
  customerId = (await createCustomer(ctx.db, corpId, { name: '王雅琴' })).id;
  await follow(ctx.db, corpId, customerId, g1.id, { exclusive: true });
  const [tpl] = await ctx
    .db('coupon_templates')
    .insert({ corp_id: corpId, code: 'T1', name: '满减', kind: 'cash', value_fen: 5000, valid_days: 30 })
    .returning('id');
  await ctx.db('coupons').insert({
    corp_id: corpId,
    template_id: tpl.id,
    code: 'GC-Z',
    customer_id: customerId,
    guide_id: g2.id,
    issued_at: new Date(T - 5 * DAY),
    sent_at: new Date(T - 5 * DAY),
    status: 'sent',
    expires_at: new Date(T + 20 * DAY),
  });
  await recordInteractions(ctx.db, [
    {
      corpId,
      guideId: g3.id,
      customerId,
      occurredAt: new Date(T - 3_600_000),
      kind: 'message',
      source: 'archive',
      evidenceId: 'm-1',
    },
  ]);
});

afterAll(async () => {
  await workers.close();
  await destroyTestContext(ctx);
});

describe('an order paid by a WeCom transfer', () => {
  let orderId = 0;
  let payId = 0;

  it('a bill no order names is credited to its payee on its own', async () => {
    payId = await bill('TX-100', g1, T - 60_000, 80_000);
    await attributeTransfers(ctx, corpId, [payId], 'bills polled');
    expect(await ctx.db('credits').where({ transfer_id: payId }).whereNull('superseded_at')).toMatchObject([
      { kind: 'sale', guide_id: g1.id, rule: 'transfer', amount_fen: 80_000, order_id: null },
    ]);
  });

  it('once an order names the bill, the order carries the credit by transfer (first by default) and the bill loses its own: never both', async () => {
    orderId = await order('POS-TX', T, 80_000, { coupon_codes: ['GC-Z'], payment_transaction_id: 'TX-100' });
    await attributeOrders(ctx, corpId, [orderId], 'order ingested');
    expect(await ctx.db('credits').where({ transfer_id: payId }).whereNull('superseded_at')).toEqual([]);
    const rows = await live(orderId);
    expect(rows).toMatchObject([
      {
        kind: 'sale',
        guide_id: g1.id,
        rule: 'transfer',
        amount_fen: 80_000,
        evidence: { rule: 'transfer', transactionId: 'TX-100', transferId: payId },
      },
    ]);
    expect(rows[0].candidates).toEqual([
      { guideId: g2.id, rule: 'coupon', lostBecause: 'the transfer rule comes first' },
      { guideId: g3.id, rule: 'interaction', lostBecause: 'the transfer rule comes first' },
    ]);
    const trail = await request(createApp(ctx))
      .get(`/api/attribution/orders/${orderId}/trail`)
      .set('Authorization', bearer('licui'));
    expect(trail.status).toBe(200);
    expect(trail.body.live[0]).toMatchObject({
      guideName: '李翠',
      rule: 'transfer',
      ruleSetVersion: 1,
      candidates: [
        { guideName: '张敏', rule: 'coupon' },
        { guideName: '王芳', rule: 'interaction' },
      ],
    });
    expect(trail.body.history).toMatchObject([
      {
        transferId: payId,
        rule: 'transfer',
        events: [{ event: 'created' }, { event: 'superseded', reason: 'order ingested' }],
      },
    ]);
  });

  it("the bill's refund record reverses the order's credit pro rata; polling the bills again changes nothing", async () => {
    const rf = await bill('TX-100', g1, 0, 80_000, { no: 'R-1', fen: 20_000, at: T + DAY });
    await attributeTransfers(ctx, corpId, [payId, rf], 'bills polled');
    const rows = await live(orderId);
    expect(rows.map((r) => [r.kind, r.guide_id, r.amount_fen])).toEqual([
      ['sale', g1.id, 80_000],
      ['refund', g1.id, -20_000],
    ]);
    expect(await ctx.db('credits').whereIn('transfer_id', [payId, rf]).whereNull('superseded_at')).toEqual([]);
    expect(await attributeOrders(ctx, corpId, [orderId], 'again')).toMatchObject({ unchanged: 1 });
  });

  it('what-if with coupon above transfer reports the owner change without touching live credits', async () => {
    const res = await request(createApp(ctx))
      .post('/api/attribution/what-if')
      .set('Authorization', bearer('caiwu'))
      .send({
        ruleSet: { precedence: ['coupon', 'transfer', 'interaction'], windowDays: 7, countedKinds: ['message'] },
        from: '2026-11-01T00:00:00+08:00',
        to: '2026-12-01T00:00:00+08:00',
      });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ orders: 1, changedOwner: 1 });
    expect(res.body.byGuide.map((g: { guideId: number; deltaFen: number }) => [g.guideId, g.deltaFen])).toEqual([
      [g1.id, -80_000],
      [g2.id, 80_000],
    ]);
    expect(await live(orderId)).toMatchObject([{ guide_id: g1.id }, { guide_id: g1.id }]);
  });

  it('a rule-set version is proposed, activated, logged, and re-attributes the orders it covers by its paid_at', async () => {
    const early = await order('POS-EARLY', T - 10 * DAY, 10_000, { payment_transaction_id: 'TX-200' });
    const pay2 = await bill('TX-200', g1, T - 10 * DAY - 60_000, 10_000);
    await ctx.db('coupons').insert({
      corp_id: corpId,
      template_id: (await ctx.db('coupon_templates').first('id')).id,
      code: 'GC-Y',
      customer_id: customerId,
      guide_id: g2.id,
      issued_at: new Date(T - 12 * DAY),
      sent_at: new Date(T - 12 * DAY),
      status: 'sent',
      expires_at: new Date(T + 20 * DAY),
    });
    await ctx
      .db('orders')
      .where({ id: early })
      .update({ coupon_codes: ['GC-Y'] });
    await attributeTransfers(ctx, corpId, [pay2], 'bills polled');
    expect(await live(early)).toMatchObject([{ guide_id: g1.id, rule: 'transfer' }]);

    const app = createApp(ctx);
    const proposal = {
      name: '券优先',
      effectiveFrom: '2026-11-15T00:00:00+08:00',
      config: {
        precedence: ['coupon', 'transfer', 'interaction'],
        windowDays: 5,
        countedKinds: ['message', 'script_send'],
      },
      note: 'coupons sent in chat come first',
    };
    expect(
      (await request(app).post('/api/attribution/rule-sets').set('Authorization', bearer('caiwu')).send(proposal))
        .status,
    ).toBe(403);
    const made = await request(app)
      .post('/api/attribution/rule-sets')
      .set('Authorization', bearer('admin'))
      .send(proposal);
    expect(made.status).toBe(201);
    expect(made.body).toEqual({ version: 2 });
    // Proposed only: nothing changes yet.
    expect(await attributeOrders(ctx, corpId, [orderId], 'check')).toMatchObject({ unchanged: 1 });

    const act = await request(app)
      .post('/api/attribution/rule-sets/2/activate')
      .set('Authorization', bearer('admin'))
      .send({ note: 'approved by the brand' });
    expect(act.status).toBe(200);
    expect(act.body.reattributeOrders).toBe(1);
    await ctx.queues.drain();
    // Paid after the effective date: judged by version 2 (coupon first). Paid before: still version 1.
    expect(await live(orderId)).toMatchObject([
      { kind: 'sale', guide_id: g2.id, rule: 'coupon', rule_set_version: 2 },
      { kind: 'refund', guide_id: g2.id, amount_fen: -20_000, rule_set_version: 2 },
    ]);
    expect(await live(early)).toMatchObject([{ guide_id: g1.id, rule: 'transfer', rule_set_version: 1 }]);
    expect(
      (
        await request(app)
          .post('/api/attribution/rule-sets/2/activate')
          .set('Authorization', bearer('admin'))
          .send({ note: 'again' })
      ).status,
    ).toBe(409);

    const log = await request(app).get('/api/attribution/rule-sets').set('Authorization', bearer('caiwu'));
    expect(log.status).toBe(200);
    expect(log.body.versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [1, 'active'],
      [2, 'active'],
    ]);
    expect(log.body.versions[1]).toMatchObject({
      effectiveFrom: '2026-11-14T16:00:00.000Z',
      createdBy: 'admin',
      activatedBy: 'admin',
      config: proposal.config,
    });
    expect(
      log.body.changes.map((c: { version: number; action: string; actor: string; note: string }) => [
        c.version,
        c.action,
        c.actor,
        c.note,
      ]),
    ).toEqual([
      [2, 'proposed', 'admin', 'coupons sent in chat come first'],
      [2, 'activated', 'admin', 'approved by the brand'],
    ]);
    // Both are manual actions in the audit log, with the reason given.
    const audit = await ctx
      .db('audit_log')
      .where({ corp_id: corpId, entity: 'rule_set', entity_id: '2' })
      .orderBy('id')
      .select<{ action: string; actor: string; detail: { why: string } }[]>('action', 'actor', 'detail');
    expect(audit.map((a) => [a.action, a.actor, a.detail.why])).toEqual([
      ['rule_set.propose', 'admin', 'coupons sent in chat come first'],
      ['rule_set.activate', 'admin', 'approved by the brand'],
    ]);
  });
});

describe('closed periods', () => {
  const SEP = Date.parse('2026-09-10T12:00:00+08:00');
  let locked = 0;

  it('a refund arriving after the period closed is reversed in the open period; the locked sale is untouched', async () => {
    await recordInteractions(ctx.db, [
      {
        corpId,
        guideId: g1.id,
        customerId,
        occurredAt: new Date(SEP - DAY),
        kind: 'script_send',
        source: 'sidebar',
        evidenceId: 'sep-1',
      },
    ]);
    locked = await order('POS-SEP', SEP, 30_000);
    await attributeOrders(ctx, corpId, [locked], 'ingest');
    await ctx.db('commission_periods').insert({ corp_id: corpId, month: '2026-09-01', status: 'closed' });
    const [sale] = await live(locked);
    await ctx.db('refunds').insert({
      corp_id: corpId,
      source: 'pos',
      refund_no: 'RF-SEP',
      order_no: 'POS-SEP',
      order_id: locked,
      refunded_at: new Date(T),
      amount_fen: 12_000,
    });
    await attributeOrders(ctx, corpId, [locked], 'refund ingested');
    const rows = await live(locked);
    expect(rows[0]).toEqual(sale);
    expect(rows.slice(1).map((r) => [r.kind, r.guide_id, r.amount_fen])).toEqual([['refund', g1.id, -12_000]]);
  });

  it('a late POS order for a closed month is credited by an adjustment line in the open period, not in the closed month', async () => {
    const late = await order('POS-SEP-LATE', SEP + 3_600_000, 9_900);
    const r = await attributeOrders(ctx, corpId, [late], 'late upload');
    expect(r.lockedInClosedPeriod).toBe(1);
    const rows = await live(late);
    expect(rows.map((l) => [l.kind, l.guide_id, l.amount_fen, l.adjusts_credit_id])).toEqual([
      ['adjustment', g1.id, 9_900, null],
    ]);
    expect(rows[0].occurred_at.getTime()).toBeGreaterThanOrEqual(Date.parse('2026-10-01T00:00:00+08:00'));
    expect(rows[0].evidence).toMatchObject({
      why: 'credited after its period closed',
      attribution: { rule: 'interaction' },
    });
    const septemberSum = await ctx
      .db('credits')
      .where({ corp_id: corpId })
      .whereNull('superseded_at')
      .where('occurred_at', '<', new Date('2026-10-01T00:00:00+08:00'))
      .sum('amount_fen as s')
      .first();
    expect(Number(septemberSum!.s)).toBe(30_000);
    // The rollup agrees with the live lines.
    const rollup = await ctx.db('daily_credits').where({ corp_id: corpId }).sum('amount_fen as s').first();
    const lines = await ctx
      .db('credits')
      .where({ corp_id: corpId })
      .whereNull('superseded_at')
      .sum('amount_fen as s')
      .first();
    expect(Number(rollup!.s)).toBe(Number(lines!.s));
  });

  it("a closed month runs from the tenant's local midnight on the 1st to the next 1st; adjustments are dated in the open period", async () => {
    const { isClosed, postAt } = await periodClock(ctx.db, corpId, 'Asia/Shanghai', new Date(T));
    expect(isClosed(Date.parse('2026-08-31T23:59:59.999+08:00'))).toBe(false);
    expect(isClosed(Date.parse('2026-09-01T00:00:00+08:00'))).toBe(true);
    expect(isClosed(Date.parse('2026-09-30T23:59:59.999+08:00'))).toBe(true);
    expect(isClosed(Date.parse('2026-10-01T00:00:00+08:00'))).toBe(false);
    expect(postAt).toBe(T);
    // The same month seen from another time zone has other bounds.
    const ny = await periodClock(ctx.db, corpId, 'America/New_York', new Date(T));
    expect(ny.isClosed(Date.parse('2026-09-01T00:00:00+08:00'))).toBe(false);
    expect(ny.isClosed(Date.parse('2026-09-01T00:00:00-04:00'))).toBe(true);
    expect(ny.isClosed(Date.parse('2026-10-01T00:00:00-04:00'))).toBe(false);
  });
});

describe('identity links made later', () => {
  it('a unionid WeCom reports later links the earlier orders carrying it and credits them', async () => {
    const other = (await createCustomer(ctx.db, corpId, { name: '李女士' })).id;
    await follow(ctx.db, corpId, other, g3.id);
    await recordInteractions(ctx.db, [
      {
        corpId,
        guideId: g3.id,
        customerId: other,
        occurredAt: new Date(T + 5 * DAY),
        kind: 'message',
        source: 'archive',
        evidenceId: 'u-1',
      },
    ]);
    const [o] = await ctx
      .db('orders')
      .insert({
        corp_id: corpId,
        source: 'mall',
        order_no: 'MALL-1',
        store_id: storeId,
        unionid: 'oU-late',
        paid_at: new Date(T + 6 * DAY),
        gross_fen: 5_000,
        net_fen: 5_000,
      })
      .returning('id');
    await attributeOrders(ctx, corpId, [o.id], 'ingest');
    expect(await live(o.id)).toEqual([]);
    // Contact sync stores the unionid identity, then enqueues the customer's attribution.
    await ctx
      .db('customer_identities')
      .insert({ corp_id: corpId, kind: 'unionid', value: 'oU-late', customer_id: other });
    await ctx.queues.enqueue(attributeJob, {
      corpId,
      customerIds: [other],
      reason: 'customer added (add_external_contact)',
    });
    await ctx.queues.drain();
    expect(await ctx.db('orders').where({ id: o.id }).first('customer_id')).toEqual({ customer_id: other });
    expect(await live(o.id)).toMatchObject([{ guide_id: g3.id, rule: 'interaction' }]);
  });

  it('refuses to link an identity that already belongs to another customer', async () => {
    const a = (await createCustomer(ctx.db, corpId)).id;
    await linkIdentity(ctx, corpId, a, 'member_no', 'M-777');
    const b = (await createCustomer(ctx.db, corpId)).id;
    await expect(linkIdentity(ctx, corpId, b, 'member_no', 'M-777')).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('refunds recorded twice', () => {
  it('the till recording a transfer refund again reverses nothing twice; a till refund of its own does', async () => {
    const orderId = (await ctx.db('orders').where({ corp_id: corpId, order_no: 'POS-TX' }).first('id')).id as number;
    expect((await live(orderId)).filter((r) => r.kind === 'refund').map((r) => r.amount_fen)).toEqual([-20_000]);
    const [again] = await ctx
      .db('refunds')
      .insert({
        corp_id: corpId,
        source: 'pos',
        refund_no: 'RF-TX-1',
        order_no: 'POS-TX',
        order_id: orderId,
        refunded_at: new Date(T + DAY + 600_000),
        amount_fen: 20_000,
      })
      .returning('id');
    await attributeOrders(ctx, corpId, [orderId], 'till refund');
    let rows = await live(orderId);
    expect(rows.map((r) => [r.kind, r.amount_fen])).toEqual([
      ['sale', 80_000],
      ['refund', -20_000],
    ]);
    expect(rows[1].evidence).toMatchObject({ alsoRecordedAsRefundId: again.id });
    await ctx.db('refunds').insert({
      corp_id: corpId,
      source: 'pos',
      refund_no: 'RF-TX-2',
      order_no: 'POS-TX',
      order_id: orderId,
      refunded_at: new Date(T + 2 * DAY),
      amount_fen: 8_000,
    });
    await attributeOrders(ctx, corpId, [orderId], 'cash refund');
    rows = await live(orderId);
    expect(rows.map((r) => [r.kind, r.amount_fen])).toEqual([
      ['sale', 80_000],
      ['refund', -20_000],
      ['refund', -8_000],
    ]);
  });
});
