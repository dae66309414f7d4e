/**
 * The coupon lifecycle migrations keep existing rows meaningful: a coupon a send named is sent, one
 * only issued stays issued (it credits nothing), a redeemed one was sent, a voided one is voided.
 * Run on this file's own database: down to the schema before the lifecycle, old-shape rows in, up
 * again.
 */
import { describe, expect, it } from 'vitest';
import * as addLifecycle from '../../migrations/20261201002000_add_coupon_lifecycle';
import * as backfill from '../../migrations/20261201002100_backfill_coupon_lifecycle';
import * as checks from '../../migrations/20261201002200_add_coupon_lifecycle_checks';
import { createCorp, createCustomer, createGuide, createRegion, createStore } from '../factories/org.factory';
import { useTestContext } from '../helpers/context';

const t = useTestContext();
const T = Date.parse('2026-11-20T14:00:00+08:00');
const H = 3_600_000;

describe('coupon lifecycle migrations', () => {
  it('backfill: sent where a send named it, voided from issue when void, redeemed ones sent; down restores the old shape', async () => {
    const { db } = t.ctx;
    await checks.down(db);
    await backfill.down(db);
    await addLifecycle.down(db);
    const corp = await createCorp(db, t.ctx.secrets);
    const store = await createStore(db, corp.id, await createRegion(db, corp.id));
    const g = await createGuide(db, corp.id, store);
    const c = await createCustomer(db, corp.id);
    const [tpl] = await db('coupon_templates')
      .insert({ corp_id: corp.id, code: 'T', name: '券', kind: 'cash', value_fen: 1000, valid_days: 30 })
      .returning('id');
    const coupon = (code: string, status: string, issuedAt: number) => ({
      corp_id: corp.id,
      template_id: tpl.id,
      code,
      customer_id: c.id,
      guide_id: g.id,
      issued_at: new Date(issuedAt),
      expires_at: new Date(issuedAt + 30 * 24 * H),
      status,
    });
    await db('coupons').insert([
      coupon('SENT', 'issued', T - 5 * H),
      coupon('ONLY-ISSUED', 'issued', T - 4 * H),
      coupon('REDEEMED', 'redeemed', T - 3 * H),
      coupon('VOID', 'void', T - 2 * H),
    ]);
    const interaction = (evidenceId: string, at: number, detail: object) => ({
      corp_id: corp.id,
      guide_id: g.id,
      customer_id: c.id,
      occurred_at: new Date(at),
      kind: 'coupon_issue',
      source: 'sidebar',
      evidence_id: evidenceId,
      detail: JSON.stringify(detail),
    });
    await db('interactions').insert([
      // Issuing wrote one (naming the code as `code`); the send wrote another (as `couponCode`).
      interaction('coupon:SENT', T - 5 * H, { templateId: tpl.id, code: 'SENT' }),
      interaction(`sb1:${c.id}`, T - 5 * H + 60_000, { couponCode: 'SENT', parts: [] }),
      interaction(`sb2:${c.id}`, T - H, { couponCode: 'SENT', parts: [] }),
      interaction('coupon:ONLY-ISSUED', T - 4 * H, { templateId: tpl.id, code: 'ONLY-ISSUED' }),
    ]);
    await addLifecycle.up(db);
    await backfill.up(db);
    await checks.up(db);
    const rows = await db('coupons')
      .where({ corp_id: corp.id })
      .orderBy('code')
      .select<{ code: string; status: string; sent_at: Date | null; voided_at: Date | null }[]>(
        'code',
        'status',
        'sent_at',
        'voided_at',
      );
    expect(rows).toEqual([
      { code: 'ONLY-ISSUED', status: 'issued', sent_at: null, voided_at: null },
      { code: 'REDEEMED', status: 'redeemed', sent_at: new Date(T - 3 * H), voided_at: null },
      { code: 'SENT', status: 'sent', sent_at: new Date(T - 5 * H + 60_000), voided_at: null },
      { code: 'VOID', status: 'void', sent_at: null, voided_at: new Date(T - 2 * H) },
    ]);
    // The checks hold the status to its times from now on.
    await expect(db('coupons').where({ code: 'ONLY-ISSUED' }).update({ status: 'sent' })).rejects.toThrow(
      /coupons_sent_has_time/,
    );
    // And back: the old statuses, without the lifecycle's columns.
    await checks.down(db);
    await backfill.down(db);
    await addLifecycle.down(db);
    expect(await db('coupons').where({ corp_id: corp.id }).orderBy('code').pluck('status')).toEqual([
      'issued',
      'redeemed',
      'issued',
      'void',
    ]);
    await addLifecycle.up(db);
    await backfill.up(db);
    await checks.up(db);
  });
});
