/**
 * A coupon's lifecycle through the API and the engine: issued by the sidebar (nothing recorded),
 * sent (one interaction, and it can credit from then on), voided (by its guide or an admin, and
 * the order it credited is re-attributed); and a coupon credits at most one order — the earliest
 * paid one it was valid for — whatever order the till's uploads arrive in.
 */
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { signSession } from '../../core/auth/session';
import { markCouponSent } from '../../core/coupons/coupons';
import { recordInteractions } from '../../core/ingest/interactions';
import { ingestBatch } from '../../core/ingest/pos';
import { startWorkers, type RunningWorkers } from '../../workers/runtime';
import { createCorp, createCustomer, createGuide, createRegion, createStore, follow } from '../factories/org.factory';
import { useTestContext } from '../helpers/context';

const t = useTestContext();
const DAY = 86_400_000;
const T = Date.parse('2026-11-20T14:00:00+08:00');
let app: Express;
let workers: RunningWorkers;
let corpId: number;
let templateId: number;
let g1: { id: number; userid: string };
let g2: { id: number; userid: string };
let wang: { id: number; externalUserid: string };
let batch = 0;

const bearer = (userid: string) => `Bearer ${signSession(t.ctx.cfg.SESSION_SECRET, { corpId, userid }, 600)}`;
const post = (userid: string, url: string, body: object) =>
  request(app).post(url).set('Authorization', bearer(userid)).send(body);
const couponRow = (code: string) =>
  t.ctx
    .db('coupons')
    .where({ corp_id: corpId, code })
    .first<{ status: string; sent_at: Date | null; voided_at: Date | null; redeemed_order_id: number | null }>(
      'status',
      'sent_at',
      'voided_at',
      'redeemed_order_id',
    );
const couponSends = (code: string) =>
  t.ctx
    .db('interactions')
    .where({ corp_id: corpId, kind: 'coupon_issue' })
    .whereRaw(`detail->>'couponCode' = ?`, [code])
    .pluck<string[]>('evidence_id');
const send = (
  code: string,
  clientSendId: string,
  userid = g1.userid,
  target: object = { externalUserid: wang.externalUserid },
) =>
  post(userid, '/api/sidebar/sends', {
    clientSendId,
    ...target,
    kind: 'coupon',
    couponCode: code,
    sent: [{ msgtype: 'text', summary: `券码 ${code}` }],
  });
/** A coupon issued through the sidebar (a code reserved for the chat). */
async function issue(userid = g1.userid): Promise<string> {
  const res = await post(userid, `/api/sidebar/customers/${wang.externalUserid}/coupons`, { templateId });
  expect(res.status).toBe(201);
  return res.body.coupon.code as string;
}
/** A guide coupon issued and sent at `sentAt` (facts dated in the past, as a backfilled send would be). */
async function sentCoupon(code: string, guideId: number, sentAt: number): Promise<void> {
  await t.ctx.db('coupons').insert({
    corp_id: corpId,
    template_id: templateId,
    code,
    customer_id: wang.id,
    guide_id: guideId,
    issued_at: new Date(sentAt),
    expires_at: new Date(sentAt + 30 * DAY),
  });
  await markCouponSent(t.ctx.db, corpId, code, new Date(sentAt));
}
/** A till upload of orders by 王雅琴 (her member number), attributed by the workers. */
async function till(orders: { no: string; paidAt: number; coupons: string[] }[]): Promise<void> {
  await ingestBatch(t.ctx, corpId, 'pos', {
    batchId: `coupon-batch-${++batch}`,
    orders: orders.map((o) => ({
      orderNo: o.no,
      storeCode: 'S-CPN',
      paidAt: new Date(o.paidAt).toISOString(),
      grossFen: 50_000,
      discountFen: 0,
      netFen: 50_000,
      memberNo: 'MB-CPN-1',
      couponCodes: o.coupons,
      lines: [{ skuCode: 'CPN-SKU', qty: 1, netFen: 50_000 }],
    })),
    refunds: [],
  });
  await t.ctx.queues.drain();
}
const sale = async (orderNo: string) => {
  const o = await t.ctx.db('orders').where({ corp_id: corpId, order_no: orderNo }).first<{ id: number }>('id');
  return t.ctx.db('credits').where({ corp_id: corpId, order_id: o.id, kind: 'sale' }).whereNull('superseded_at').first<
    | {
        guide_id: number;
        rule: string;
        evidence: { code?: string };
        candidates: { guideId: number; rule: string; lostBecause: string }[];
      }
    | undefined
  >('guide_id', 'rule', 'evidence', 'candidates');
};
const orderId = async (orderNo: string) =>
  (await t.ctx.db('orders').where({ corp_id: corpId, order_no: orderNo }).first<{ id: number }>('id')).id;

beforeAll(async () => {
  const { ctx } = t;
  const corp = await createCorp(ctx.db, ctx.secrets);
  corpId = corp.id;
  const region = await createRegion(ctx.db, corpId);
  const store = await createStore(ctx.db, corpId, region, { code: 'S-CPN' });
  g1 = await createGuide(ctx.db, corpId, store, { userid: 'licui', name: '李翠' });
  g2 = await createGuide(ctx.db, corpId, store, { userid: 'zhangmin', name: '张敏' });
  await ctx.db('users').insert({ corp_id: corpId, userid: 'admin1', name: '管理员', role: 'admin' });
  wang = await createCustomer(ctx.db, corpId, { name: '王雅琴', memberNo: 'MB-CPN-1' });
  await ctx
    .db('customer_identities')
    .insert({ corp_id: corpId, kind: 'member_no', value: 'MB-CPN-1', customer_id: wang.id });
  await follow(ctx.db, corpId, wang.id, g1.id, { exclusive: true });
  await follow(ctx.db, corpId, wang.id, g2.id);
  const [tpl] = await ctx
    .db('coupon_templates')
    .insert({ corp_id: corpId, code: 'C50', name: '满500减50', kind: 'cash', value_fen: 5000, valid_days: 30 })
    .returning('id');
  templateId = tpl.id as number;
  app = createApp(ctx, { serveSidebar: false });
  workers = startWorkers(ctx);
});

afterAll(async () => {
  await workers?.close();
});

describe('coupons in the sidebar', () => {
  it('an issued coupon is only reserved: no interaction, not open, credits nothing', async () => {
    const code = await issue();
    expect(await couponRow(code)).toMatchObject({ status: 'issued', sent_at: null, voided_at: null });
    expect(
      await t.ctx.db('interactions').where({ corp_id: corpId, kind: 'coupon_issue', customer_id: wang.id }).count(),
    ).toEqual([{ count: 0 }]);
    const profile = await request(app)
      .get(`/api/sidebar/customers/${wang.externalUserid}`)
      .set('Authorization', bearer(g1.userid));
    expect(profile.body.openCoupons.map((c: { code: string }) => c.code)).not.toContain(code);
  });

  it('its successful send makes it sent and is exactly one interaction; a retried request records nothing more', async () => {
    const code = await issue();
    expect((await send(code, 'sb-cpn-send-1')).body).toEqual({ recorded: 1, duplicate: false });
    const row = await couponRow(code);
    expect(row).toMatchObject({ status: 'sent', sent_at: expect.any(Date) });
    expect(await couponSends(code)).toEqual([`sb-cpn-send-1:${wang.id}`]);
    expect((await send(code, 'sb-cpn-send-1')).body).toEqual({ recorded: 0, duplicate: true });
    expect(await couponSends(code)).toHaveLength(1);
    // Sent again later (a reminder): a second send, a second interaction; it was sent at the first.
    expect((await send(code, 'sb-cpn-send-2')).body).toEqual({ recorded: 1, duplicate: false });
    expect(await couponSends(code)).toHaveLength(2);
    expect((await couponRow(code))!.sent_at).toEqual(row!.sent_at);
  });

  it('a send naming no coupon of this guide for this customer, or into a group chat, is a 4xx naming the field', async () => {
    const theirs = await issue(g2.userid);
    const r1 = await send(theirs, 'sb-cpn-bad-1');
    expect(r1.status).toBe(404);
    expect(r1.body.error).toMatchObject({ code: 'NOT_FOUND', field: 'body.couponCode' });
    const r2 = await send('GP-NO-SUCH', 'sb-cpn-bad-2');
    expect(r2.status).toBe(404);
    const r3 = await send(await issue(), 'sb-cpn-bad-3', g1.userid, { chatId: 'wrOgQhDgAAcwMTB7YmDkbeBsgT_AAAAA' });
    expect(r3.status).toBe(400);
    expect(r3.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.chatId' });
  });

  it('is voided by its guide or an admin, once; anyone else is refused; a voided coupon cannot be sent', async () => {
    const code = await issue();
    const other = await post(g2.userid, `/api/coupons/${code}/void`, {});
    expect(other.status).toBe(403);
    expect(other.body.error).toMatchObject({ code: 'FORBIDDEN', field: 'params.code' });
    const mine = await post(g1.userid, `/api/coupons/${code}/void`, { reason: 'send cancelled' });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ code, status: 'void', reattributedOrders: 0 });
    expect(await couponRow(code)).toMatchObject({ status: 'void', sent_at: null, voided_at: expect.any(Date) });
    const again = await post(g1.userid, `/api/coupons/${code}/void`, {});
    expect(again.body.voidedAt).toBe(mine.body.voidedAt);
    const late = await send(code, 'sb-cpn-void-1');
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'CONFLICT', field: 'body.couponCode' });
    expect(await couponSends(code)).toEqual([]);
    const byAdmin = await post('admin1', `/api/coupons/${await issue(g2.userid)}/void`, {});
    expect(byAdmin.status).toBe(200);
    const missing = await post('admin1', '/api/coupons/GP-NO-SUCH/void', {});
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', field: 'params.code' });
  });
});

describe('what a coupon credits', () => {
  it('credits one order only — the earliest paid — even when the later one was uploaded first', async () => {
    await sentCoupon('GC-TWICE', g1.id, T - 3 * DAY);
    await till([{ no: 'P-LATE', paidAt: T, coupons: ['GC-TWICE'] }]);
    expect(await sale('P-LATE')).toMatchObject({ guide_id: g1.id, rule: 'coupon', evidence: { code: 'GC-TWICE' } });
    // The earlier purchase arrives late: it takes the coupon's credit and the later order is judged again.
    await till([{ no: 'P-EARLY', paidAt: T - DAY, coupons: ['GC-TWICE'] }]);
    expect(await sale('P-EARLY')).toMatchObject({ guide_id: g1.id, rule: 'coupon', evidence: { code: 'GC-TWICE' } });
    const later = await sale('P-LATE');
    expect(later?.rule).not.toBe('coupon');
    const credited = await t.ctx
      .db('credits')
      .where({ corp_id: corpId, kind: 'sale', rule: 'coupon' })
      .whereNull('superseded_at')
      .whereRaw(`evidence->>'code' = 'GC-TWICE'`)
      .count<{ count: number }[]>();
    expect(credited).toEqual([{ count: 1 }]);
    expect(await couponRow('GC-TWICE')).toMatchObject({
      status: 'redeemed',
      redeemed_order_id: await orderId('P-EARLY'),
    });
  });

  it('the later order naming a redeemed coupon keeps the reason it lost among its candidates', async () => {
    await sentCoupon('GC-HELD', g1.id, T - 3 * DAY);
    await recordInteractions(t.ctx.db, [
      {
        corpId,
        guideId: g2.id,
        customerId: wang.id,
        occurredAt: new Date(T - 2 * 3_600_000),
        kind: 'message',
        source: 'archive',
        evidenceId: 'cpn-chat-held',
      },
    ]);
    await till([{ no: 'P-HELD-2', paidAt: T - 3_600_000, coupons: ['GC-HELD'] }]);
    await till([{ no: 'P-HELD-1', paidAt: T - 2 * DAY, coupons: ['GC-HELD'] }]);
    expect(await sale('P-HELD-1')).toMatchObject({ guide_id: g1.id, rule: 'coupon' });
    const later = await sale('P-HELD-2');
    expect(later).toMatchObject({ guide_id: g2.id, rule: 'interaction' });
    expect(later!.candidates).toContainEqual({
      guideId: g1.id,
      rule: 'coupon',
      lostBecause: 'coupon GC-HELD was already redeemed by order P-HELD-1',
    });
    const trail = await request(app)
      .get(`/api/attribution/orders/${await orderId('P-HELD-2')}/trail`)
      .set('Authorization', bearer('admin1'));
    expect(JSON.stringify(trail.body)).toContain('coupon GC-HELD was already redeemed by order P-HELD-1');
  });

  it('a voided coupon credits nothing; a never-sent one neither — each a losing candidate with the reason', async () => {
    await sentCoupon('GC-VOID', g1.id, T - 3 * DAY);
    expect((await post(g1.userid, '/api/coupons/GC-VOID/void', {})).status).toBe(200);
    const unsent = await issue();
    // Chats in the window, so each order is credited by the window rule and its candidates are stored.
    await recordInteractions(t.ctx.db, [
      {
        corpId,
        guideId: g2.id,
        customerId: wang.id,
        occurredAt: new Date(T + 2 * DAY - 3_600_000),
        kind: 'message',
        source: 'archive',
        evidenceId: 'cpn-chat-void',
      },
      {
        corpId,
        guideId: g2.id,
        customerId: wang.id,
        occurredAt: new Date(Date.now() - 60_000),
        kind: 'message',
        source: 'archive',
        evidenceId: 'cpn-chat-unsent',
      },
    ]);
    await till([
      { no: 'P-VOID', paidAt: T + 2 * DAY, coupons: ['GC-VOID'] },
      { no: 'P-UNSENT', paidAt: Date.now() + 60_000, coupons: [unsent] },
    ]);
    const voided = await sale('P-VOID');
    expect(voided).toMatchObject({ guide_id: g2.id, rule: 'interaction' });
    expect(voided!.candidates).toContainEqual({
      guideId: g1.id,
      rule: 'coupon',
      lostBecause: 'coupon GC-VOID was voided',
    });
    const never = await sale('P-UNSENT');
    expect(never?.rule).toBe('interaction');
    expect(never!.candidates).toContainEqual({
      guideId: g1.id,
      rule: 'coupon',
      lostBecause: `coupon ${unsent} was never sent to the customer`,
    });
    expect(await couponRow('GC-VOID')).toMatchObject({ status: 'void', redeemed_order_id: null });
    expect(await couponRow(unsent)).toMatchObject({ status: 'issued', redeemed_order_id: null });
  });

  it('voiding a coupon re-attributes the order it credited: the credit falls to the next rule', async () => {
    await sentCoupon('GC-WITHDRAWN', g1.id, T - 3 * DAY);
    await recordInteractions(t.ctx.db, [
      {
        corpId,
        guideId: g2.id,
        customerId: wang.id,
        occurredAt: new Date(T + 5 * DAY - 3_600_000),
        kind: 'message',
        source: 'archive',
        evidenceId: 'cpn-chat-1',
      },
    ]);
    await till([{ no: 'P-WITHDRAWN', paidAt: T + 5 * DAY, coupons: ['GC-WITHDRAWN'] }]);
    expect(await sale('P-WITHDRAWN')).toMatchObject({ guide_id: g1.id, rule: 'coupon' });
    const res = await post('admin1', '/api/coupons/GC-WITHDRAWN/void', { reason: 'issued by mistake' });
    expect(res.body).toMatchObject({ status: 'void', reattributedOrders: 1 });
    await t.ctx.queues.drain();
    expect(await sale('P-WITHDRAWN')).toMatchObject({ guide_id: g2.id, rule: 'interaction' });
    const superseded = await t.ctx
      .db('credits')
      .where({ corp_id: corpId, order_id: await orderId('P-WITHDRAWN'), rule: 'coupon' })
      .whereNotNull('superseded_at')
      .count<{ count: number }[]>();
    expect(superseded).toEqual([{ count: 1 }]);
  });

  it('a send recorded after the till named the coupon re-attributes that order', async () => {
    const code = await issue();
    await till([{ no: 'P-BEFORE-SEND', paidAt: Date.now() + 3_600_000, coupons: [code] }]);
    expect((await sale('P-BEFORE-SEND'))?.rule).not.toBe('coupon');
    await send(code, 'sb-cpn-late-send');
    await t.ctx.queues.drain();
    expect(await sale('P-BEFORE-SEND')).toMatchObject({ guide_id: g1.id, rule: 'coupon', evidence: { code } });
    expect(await couponRow(code)).toMatchObject({ status: 'redeemed' });
  });
});
