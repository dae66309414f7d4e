import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { signSession } from '../../core/auth/session';
import { linkIdentity } from '../../core/customers/identity';
import { recordInteractions } from '../../core/ingest/interactions';
import { signPosBody } from '../../core/ingest/signature';
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

let ctx: TestContext;
let workers: RunningWorkers;
let corp: CorpFixture;
let guideId: number;
let customerId: number;
const T = '2026-11-20T14:00:00+08:00';

const order = (no: string, extra: Record<string, unknown> = {}) => ({
  orderNo: no,
  storeCode: 'NJXL',
  paidAt: T,
  grossFen: 59_900,
  discountFen: 0,
  netFen: 59_900,
  lines: [{ skuCode: 'YX-1-37', qty: 1, netFen: 59_900 }],
  ...extra,
});
function post(body: unknown, secret = corp.posHmacSecret) {
  const raw = JSON.stringify(body);
  return request(createApp(ctx))
    .post(`/webhooks/pos/${corp.wecomCorpId}`)
    .set('content-type', 'application/json')
    .set('X-Guidepost-Signature', signPosBody(secret, raw))
    .send(raw);
}
const finance = () => `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'caiwu' }, 600)}`;

beforeAll(async () => {
  ctx = await createTestContext();
  workers = startWorkers(ctx);
  corp = await createCorp(ctx.db, ctx.secrets);
  const region = await createRegion(ctx.db, corp.id);
  const store = await createStore(ctx.db, corp.id, region, { code: 'NJXL' });
  guideId = (await createGuide(ctx.db, corp.id, store, { userid: 'licui', name: '李翠' })).id;
  await ctx.db('users').insert({ corp_id: corp.id, userid: 'caiwu', name: '财务', role: 'finance' });
  customerId = (await createCustomer(ctx.db, corp.id, { name: '王雅琴', memberNo: 'M0001' })).id;
  await ctx
    .db('customer_identities')
    .insert({ corp_id: corp.id, kind: 'member_no', value: 'M0001', customer_id: customerId });
  await follow(ctx.db, corp.id, customerId, guideId, { exclusive: true });
  await recordInteractions(ctx.db, [
    {
      corpId: corp.id,
      guideId,
      customerId,
      occurredAt: new Date('2026-11-18T10:00:00+08:00'),
      kind: 'script_send',
      source: 'sidebar',
      evidenceId: 's1',
    },
  ]);
});
afterAll(async () => {
  await workers.close();
  await destroyTestContext(ctx);
});

describe('POS webhook', () => {
  it('keeps good rows, reports bad ones, links the customer and credits the guide through the workers', async () => {
    const res = await post({
      batchId: 'b1',
      orders: [order('P1', { memberNo: 'M0001' }), order('P2', { netFen: 1 }), order('P3', { storeCode: 'NOPE' })],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ batchId: 'b1', replayed: false, orders: { accepted: 1, duplicates: 0 } });
    expect(res.body.rejected).toEqual([
      expect.objectContaining({ row: 1, ref: 'P2', field: 'netFen', message: 'must equal grossFen − discountFen' }),
      expect.objectContaining({ row: 1, ref: 'P2', field: 'lines', message: 'line netFen must add up to netFen' }),
      expect.objectContaining({
        row: 2,
        ref: 'P3',
        field: 'storeCode',
        code: 'unknown_store',
        message: 'no store with code NOPE',
      }),
    ]);
    await ctx.queues.drain();
    const o = await ctx.db('orders').where({ order_no: 'P1' }).first();
    expect(o.customer_id).toBe(customerId);
    expect(await ctx.db('credits').where({ order_id: o.id }).whereNull('superseded_at')).toMatchObject([
      { guide_id: guideId, rule: 'interaction', amount_fen: 59_900 },
    ]);
    const trail = await request(createApp(ctx))
      .get(`/api/attribution/orders/${o.id}/trail`)
      .set('Authorization', finance());
    expect(trail.body.live[0]).toMatchObject({ guideName: '李翠', rule: 'interaction' });
  });

  it('changes nothing on a replayed batch or replayed orders', async () => {
    // The same batch again (same id, same content): its first report, nothing stored.
    const again = await post({
      batchId: 'b1',
      orders: [order('P1', { memberNo: 'M0001' }), order('P2', { netFen: 1 }), order('P3', { storeCode: 'NOPE' })],
    });
    expect(again.body).toMatchObject({ replayed: true, orders: { accepted: 1, duplicates: 0 } });
    const sameOrders = await post({ batchId: 'b2', orders: [order('P1', { memberNo: 'M0001' })] });
    expect(sameOrders.body.orders).toEqual({ accepted: 0, duplicates: 1 });
    await ctx.queues.drain();
    expect(await ctx.db('orders').where({ order_no: 'P1' }).count('* as n').first()).toEqual({ n: 1 });
    expect(await ctx.db('credits').whereNull('superseded_at').count('* as n').first()).toEqual({ n: 1 });
  });

  it('holds a refund that arrives before its order, then links and reverses it', async () => {
    const r1 = await post({
      batchId: 'b3',
      refunds: [{ refundNo: 'R9', orderNo: 'P9', refundedAt: '2026-11-21T10:00:00+08:00', amountFen: 19_900 }],
    });
    expect(r1.body.refunds).toEqual({ accepted: 1, duplicates: 0, waitingForOrder: 1 });
    await post({ batchId: 'b4', orders: [order('P9', { memberNo: 'M0001' })] });
    await ctx.queues.drain();
    const o = await ctx.db('orders').where({ order_no: 'P9' }).first();
    const lines = await ctx.db('credits').where({ order_id: o.id }).whereNull('superseded_at').orderBy('id');
    expect(lines.map((l) => [l.kind, l.amount_fen])).toEqual([
      ['sale', 59_900],
      ['refund', -19_900],
    ]);
  });

  it('refuses a bad signature (401) and an unusable batch (400 with the report)', async () => {
    expect((await post({ batchId: 'x', orders: [order('Z1')] }, 'wrong-secret')).status).toBe(401);
    const res = await post({ batchId: 'b5', orders: [order('Z2', { paidAt: 'yesterday' })] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.report.rejected[0]).toMatchObject({ ref: 'Z2', field: 'paidAt' });
    const envelope = await post({ orders: [] });
    expect(envelope.status).toBe(400);
    expect(envelope.body.error.field).toBe('body.batchId');
  });

  it('re-attributes earlier orders when an identity is linked later', async () => {
    const phone = '13800138000';
    await post({ batchId: 'b6', orders: [order('P7', { phone })] });
    await ctx.queues.drain();
    const before = await ctx.db('orders').where({ order_no: 'P7' }).first();
    expect(before.customer_id).toBeNull();
    expect(before.phone_hash).toBe(createHash('sha256').update(phone).digest('hex'));
    const ids = await linkIdentity(ctx, corp.id, customerId, 'phone', '+86 138 0013 8000');
    expect(ids).toEqual([before.id]);
    await ctx.queues.drain();
    expect(await ctx.db('credits').where({ order_id: before.id }).whereNull('superseded_at')).toMatchObject([
      { guide_id: guideId },
    ]);
  });
});

describe('order files', () => {
  const header = '订单号,门店编码,支付时间,应付金额(元),优惠金额(元),实付金额(元),会员号,SKU,数量,行金额(元)';
  it('imports a CSV: good orders kept, bad rows reported by sheet row, amounts exact', async () => {
    const csv = [
      header,
      'F1,NJXL,2026-11-20 15:00:00,399.00,0,399.00,M0001,YX-1-37,1,399.00',
      'F1,NJXL,2026-11-20 15:00:00,399.00,0,399.00,M0001,YX-2-M,1,0',
      'F2,NJXL,2026-11-20 16:00:00,12.345,0,12.345,,YX-1-38,1,12.345',
      'F3,NJXL,不是时间,100,0,100,,YX-1-38,1,100',
    ].join('\n');
    const res = await request(createApp(ctx))
      .post('/api/ingest/orders-file')
      .set('Authorization', finance())
      .set('content-type', 'text/csv')
      .send(csv);
    expect(res.status).toBe(200);
    expect(res.body.orders.accepted).toBe(1);
    expect(res.body.rejected.map((r: { row: number; field: string }) => [r.row, r.field]).sort()).toEqual(
      [
        [4, '实付金额(元)'],
        [4, '应付金额(元)'],
        [4, '行金额(元)'],
        [5, 'paidAt'],
      ].sort(),
    );
    const f1 = await ctx.db('orders').where({ order_no: 'F1' }).first();
    expect(f1).toMatchObject({ net_fen: 39_900, customer_id: customerId });
    expect(f1.paid_at.toISOString()).toBe('2026-11-20T07:00:00.000Z');
    expect(await ctx.db('order_lines').where({ order_id: f1.id }).count('* as n').first()).toEqual({ n: 2 });
    // The same file again changes nothing.
    const again = await request(createApp(ctx))
      .post('/api/ingest/orders-file')
      .set('Authorization', finance())
      .set('content-type', 'text/csv')
      .send(csv);
    expect(again.body.replayed).toBe(true);
  });

  it('imports an XLSX with the same rules', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('订单');
    ws.addRow(header.split(','));
    ws.addRow([
      'X1',
      'NJXL',
      '2026-11-22 11:30:00',
      '1,299.00',
      '100.00',
      '1,199.00',
      'M0001',
      'YX-3-L',
      1,
      '1,199.00',
    ]);
    ws.addRow(['X2', 'NJXL', '2026-11-22 12:00:00', '-5', '0', '-5', '', 'YX-3-L', 1, '-5']);
    const buf = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await request(createApp(ctx))
      .post('/api/ingest/orders-file')
      .set('Authorization', finance())
      .set('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .send(buf);
    expect(res.status).toBe(200);
    expect(res.body.orders.accepted).toBe(1);
    expect(res.body.rejected.every((r: { row: number }) => r.row === 3)).toBe(true);
    expect(await ctx.db('orders').where({ order_no: 'X1' }).first()).toMatchObject({
      gross_fen: 129_900,
      discount_fen: 10_000,
      net_fen: 119_900,
    });
  });

  it('takes the WeCom transfer an order was paid by, from the webhook and from files', async () => {
    const hook = await post({
      batchId: 'b-tx',
      orders: [order('PT1', { paymentTransactionId: 'wx-tx-0001' }), order('PT2', { paymentTransactionId: '' })],
    });
    expect(hook.body.orders.accepted).toBe(1);
    expect(hook.body.rejected).toEqual([expect.objectContaining({ ref: 'PT2', field: 'paymentTransactionId' })]);
    const csv = [
      `${header},转账交易号`,
      'FT1,NJXL,2026-11-20 15:00:00,399.00,0,399.00,M0001,YX-1-37,1,399.00,wx-tx-0002',
    ].join('\n');
    const res = await request(createApp(ctx))
      .post('/api/ingest/orders-file')
      .set('Authorization', finance())
      .set('content-type', 'text/csv')
      .send(csv);
    expect(res.body.orders.accepted).toBe(1);
    expect(
      await ctx.db('orders').whereIn('order_no', ['PT1', 'FT1']).orderBy('order_no').pluck('payment_transaction_id'),
    ).toEqual(['wx-tx-0002', 'wx-tx-0001']);
  });

  it('refuses guides and unknown formats', async () => {
    const guide = `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'licui' }, 600)}`;
    expect(
      (
        await request(createApp(ctx))
          .post('/api/ingest/orders-file')
          .set('Authorization', guide)
          .set('content-type', 'text/csv')
          .send(header)
      ).status,
    ).toBe(403);
    const pdf = await request(createApp(ctx))
      .post('/api/ingest/orders-file')
      .set('Authorization', finance())
      .set('content-type', 'application/pdf')
      .send(Buffer.from('%PDF'));
    expect(pdf.status).toBe(415);
  });
});
