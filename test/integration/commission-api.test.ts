import { createHash } from 'node:crypto';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { attributeOrders } from '../../core/attribution/attribution.service';
import { signSession } from '../../core/auth/session';
import { recordInteractions } from '../../core/ingest/interactions';
import { useTestContext } from '../helpers/context';
import { createCorp, createCustomer, createGuide, createRegion, createStore } from '../factories/org.factory';

const t = useTestContext();
let corpId: number;
let storeId: number;
let g1: { id: number; userid: string };
let g2: { id: number; userid: string };
let customerId: number;
let orderId: number;

const as = (userid: string) => `Bearer ${signSession(t.ctx.cfg.SESSION_SECRET, { corpId, userid }, 600)}`;
const api = () => request(createApp(t.ctx));

beforeAll(async () => {
  corpId = (await createCorp(t.ctx.db, t.ctx.secrets)).id;
  storeId = await createStore(t.ctx.db, corpId, await createRegion(t.ctx.db, corpId));
  g1 = await createGuide(t.ctx.db, corpId, storeId, { userid: 'zhouqing', name: '周晴' });
  g2 = await createGuide(t.ctx.db, corpId, storeId, { userid: 'lihua', name: '李华' });
  await t.ctx.db('users').insert([{ corp_id: corpId, userid: 'caiwu', name: '财务', role: 'finance' }]);
  customerId = (await createCustomer(t.ctx.db, corpId)).id;
  await recordInteractions(t.ctx.db, [
    {
      corpId,
      guideId: g1.id,
      customerId,
      occurredAt: new Date('2026-10-19T10:00:00+08:00'),
      kind: 'message',
      source: 'archive',
      evidenceId: 'm-1',
    },
  ]);
  const [o] = await t.ctx
    .db('orders')
    .insert({
      corp_id: corpId,
      source: 'pos',
      order_no: 'POS-1',
      store_id: storeId,
      customer_id: customerId,
      paid_at: new Date('2026-10-20T14:00:00+08:00'),
      gross_fen: 88_850,
      net_fen: 88_850,
    })
    .returning<{ id: number }[]>('id');
  orderId = o!.id;
  await attributeOrders(t.ctx, corpId, [orderId], 'test');
});

describe('commission API', () => {
  it('a plan is created by finance; a client mistake is a 400 naming the field', async () => {
    const bad = await api()
      .post('/api/commission/plans')
      .set('Authorization', as('caiwu'))
      .send({
        name: 'p',
        rates: { transfer: 300, coupon: 200, interaction: 150 },
        effectiveFrom: '2026-09-15',
        changeNote: 'x',
      });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.effectiveFrom' });
    const guide = await api().post('/api/commission/plans').set('Authorization', as(g1.userid)).send({});
    expect(guide.status).toBe(403);
    const ok = await api()
      .post('/api/commission/plans')
      .set('Authorization', as('caiwu'))
      .send({
        name: '标准',
        rates: { transfer: 300, coupon: 200, interaction: 150 },
        effectiveFrom: '2026-09-01',
        changeNote: 'first plan',
      });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ version: 1, holdDays: 7, tiers: [] });
  });

  it('a guide reads her own statement with its receipt, and nobody else’s', async () => {
    const mine = await api().get('/api/sidebar/commission/2026-10').set('Authorization', as(g1.userid));
    expect(mine.status).toBe(200);
    expect(mine.body.lines).toHaveLength(1);
    expect(mine.body.lines[0]).toMatchObject({
      kind: 'earn',
      baseFen: 88_850,
      rateBp: 150,
      amountFen: 1_333, // 1332.75
      receipt: { rule: 'interaction', arithmetic: 'round(88850 × 150 / 10000) = 1333', orderNo: 'POS-1' },
    });
    const other = await api()
      .get(`/api/commission/periods/2026-10/guides/${g1.id}`)
      .set('Authorization', as(g2.userid));
    expect(other.status).toBe(403);
    const zero = await api()
      .post('/api/commission/periods/2026-10/adjustments')
      .set('Authorization', as('caiwu'))
      .send({ guideId: g1.id, amountFen: 0, reason: '测试' });
    expect(zero.status).toBe(400);
    expect(zero.body.error.field).toBe('body.amountFen');
  });

  it('finance adjusts, reviews and closes; the XLSX carries its SHA-256; a later refund is a clawback in the next period', async () => {
    const adj = await api()
      .post('/api/commission/periods/2026-10/adjustments')
      .set('Authorization', as('caiwu'))
      .send({ guideId: g1.id, amountFen: -33, reason: '抹零' });
    expect(adj.status).toBe(201);
    expect((await api().post('/api/commission/periods/2026-10/review').set('Authorization', as('caiwu'))).status).toBe(
      200,
    );
    const closed = await api()
      .post('/api/commission/periods/2026-10/close')
      .set('Authorization', as('caiwu'))
      .send({ reason: '10 月结算' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ lines: 2 });
    const again = await api()
      .post('/api/commission/periods/2026-10/close')
      .set('Authorization', as('caiwu'))
      .send({ reason: '10 月结算' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('PERIOD_CLOSED');

    const xlsx = await api()
      .get('/api/commission/periods/2026-10/exports/payroll.xlsx')
      .set('Authorization', as('caiwu'))
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['x-content-sha256']).toBe(
      createHash('sha256')
        .update(xlsx.body as Buffer)
        .digest('hex'),
    );
    const listed = await api().get('/api/commission/periods/2026-10/exports').set('Authorization', as('caiwu'));
    expect(listed.body).toEqual([
      expect.objectContaining({ name: 'payroll-2026-10.xlsx', sha256: xlsx.headers['x-content-sha256'] }),
    ]);

    const octBefore = (await api().get('/api/sidebar/commission/2026-10').set('Authorization', as(g1.userid))).body;
    await t.ctx.db('refunds').insert({
      corp_id: corpId,
      source: 'pos',
      refund_no: 'RF-1',
      order_no: 'POS-1',
      order_id: orderId,
      refunded_at: new Date('2026-11-02T12:00:00+08:00'),
      amount_fen: 88_850,
    });
    await attributeOrders(t.ctx, corpId, [orderId], 'refund ingested');
    const nov = (await api().get('/api/sidebar/commission/2026-11').set('Authorization', as(g1.userid))).body;
    expect(nov.lines).toEqual([
      expect.objectContaining({
        kind: 'clawback',
        baseFen: -88_850,
        rateBp: 150,
        amountFen: -1_333,
        linksLineId: octBefore.lines.find((l: { kind: string }) => l.kind === 'earn').lineId,
      }),
    ]);
    const octAfter = (await api().get('/api/sidebar/commission/2026-10').set('Authorization', as(g1.userid))).body;
    expect(octAfter).toEqual(octBefore);
    // The sale of 10-20 was payable on 10-27: paid with the −33 adjustment.
    expect(octAfter.payout).toEqual({
      carryInFen: 0,
      paidLinesFen: 1_300,
      heldFen: 0,
      payoutFen: 1_300,
      carryOutFen: 0,
    });

    const audit = await api().get('/api/audit?entity=commission_period').set('Authorization', as('caiwu'));
    expect(audit.body.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(['period.close', 'period.review', 'export.download']),
    );
    expect(audit.body.find((a: { action: string }) => a.action === 'period.close')).toMatchObject({
      actor: 'caiwu',
      detail: { why: '10 月结算' },
    });
  });
});
