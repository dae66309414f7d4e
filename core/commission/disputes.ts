import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { recordAudit } from './audit';
import { commissionFen } from './money';
import { corpTimezone, ensurePeriod, type PeriodRow } from './periods';
import { planForMonth } from './plans';

dayjs.extend(utc);
dayjs.extend(timezone);

export const raiseDisputeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('contest'),
    lineId: z.number().int().positive(),
    claimedFen: z.number().int().positive().max(100_000_000),
    note: z.string().trim().min(2).max(1000),
  }),
  z.object({
    kind: z.literal('claim'),
    orderId: z.number().int().positive(),
    rule: z.enum(['transfer', 'coupon', 'interaction']),
    claimedFen: z.number().int().positive().max(100_000_000).optional(),
    note: z.string().trim().min(2).max(1000),
  }),
]);
export type RaiseDispute = z.infer<typeof raiseDisputeSchema>;

export const decisionSchema = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('approve'),
    /** In full (omitted) or in part. */
    approvedFen: z.number().int().positive().optional(),
    reason: z.string().trim().min(2).max(1000),
  }),
  z.object({ decision: z.literal('reject'), reason: z.string().trim().min(2).max(1000) }),
]);
export type Decision = z.infer<typeof decisionSchema>;

export const disputeView = z.object({
  id: z.number(),
  kind: z.enum(['contest', 'claim']),
  status: z.enum(['open', 'accepted', 'rejected']),
  level: z.enum(['store', 'region']),
  guideId: z.number(),
  guideName: z.string(),
  storeId: z.number().nullable(),
  orderId: z.number().nullable(),
  orderNo: z.string().nullable(),
  lineId: z.number().nullable(),
  rule: z.string().nullable(),
  claimedFen: z.number().int().nullable(),
  approvedFen: z.number().int().nullable(),
  note: z.string(),
  resolution: z.string().nullable(),
  decidedBy: z.string().nullable(),
  createdAt: z.string(),
  resolvedAt: z.string().nullable(),
  /** How long it has been open (or was open), in hours. */
  ageHours: z.number(),
  /** The approval's commission line, once approved. */
  commissionLineId: z.number().nullable(),
});
export type DisputeView = z.infer<typeof disputeView>;

interface DisputeRow {
  id: number;
  corp_id: number;
  kind: 'contest' | 'claim';
  status: 'open' | 'accepted' | 'rejected';
  level: 'store' | 'region';
  guide_id: number;
  store_id: number | null;
  order_id: number | null;
  commission_line_id: number | null;
  rule: string | null;
  claimed_fen: number | null;
  approved_fen: number | null;
  reason: string;
  resolution: string | null;
  decided_by: string | null;
  created_at: Date;
  resolved_at: Date | null;
}

/** The first period that is not closed, from the current month on: where later facts land. */
export async function landingPeriod(db: Db, corpId: number, now: Date): Promise<PeriodRow> {
  const tz = await corpTimezone(db, corpId);
  for (let m = dayjs(now).tz(tz).startOf('month'), i = 0; i < 24; m = m.add(1, 'month'), i++) {
    const p = await ensurePeriod(db, corpId, m.format('YYYY-MM'));
    if (p.status !== 'closed') return p;
  }
  throw new AppError('CONFLICT', 'no open commission period');
}

/** A guide raises a dispute on one of her lines, or claims an order she was not credited for. */
export async function raiseDispute(db: Db, p: Principal, input: RaiseDispute): Promise<{ id: number }> {
  if (p.guideId === null) throw new AppError('FORBIDDEN', 'only a guide raises a dispute');
  const guide = (await db('guides')
    .where({ id: p.guideId, corp_id: p.corpId })
    .first<{ store_id: number }>('store_id'))!;
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?), ?)', ['dispute', p.guideId]);
    let orderId: number | null = null;
    let lineId: number | null = null;
    let claimedFen: number;
    let rule: string | null;
    if (input.kind === 'contest') {
      const l = await trx('commission_lines as l')
        .leftJoin('credits as c', 'c.id', 'l.credit_id')
        .where({ 'l.id': input.lineId, 'l.corp_id': p.corpId })
        .first<{ guide_id: number; order_id: number | null; rule: string | null } | undefined>(
          'l.guide_id',
          'c.order_id',
          trx.raw('l.rule::text as rule'),
        );
      if (!l || l.guide_id !== p.guideId) throw new AppError('NOT_FOUND', 'no such line of yours', { field: 'lineId' });
      lineId = input.lineId;
      orderId = l.order_id;
      claimedFen = input.claimedFen;
      rule = l.rule;
    } else {
      const o = await trx('orders')
        .where({ id: input.orderId, corp_id: p.corpId })
        .first<{ id: number; net_fen: number } | undefined>('id', 'net_fen');
      if (!o) throw new AppError('NOT_FOUND', 'no such order', { field: 'orderId' });
      const mine = await trx('credits')
        .where({ order_id: o.id, guide_id: p.guideId, kind: 'sale' })
        .whereNull('superseded_at')
        .first('id');
      if (mine)
        throw new AppError('CONFLICT', 'this order is credited to you; contest its line instead', { field: 'orderId' });
      claimedFen = input.claimedFen ?? o.net_fen;
      if (claimedFen > o.net_fen)
        throw new AppError('VALIDATION_FAILED', 'more than the order’s net amount', { field: 'claimedFen' });
      orderId = o.id;
      rule = input.rule;
    }
    const dup = await trx('disputes')
      .where({ corp_id: p.corpId, guide_id: p.guideId, status: 'open' })
      .where((q) => {
        if (lineId !== null) void q.where({ commission_line_id: lineId });
        else void q.where({ order_id: orderId });
      })
      .first('id');
    if (dup) throw new AppError('CONFLICT', 'you already have an open dispute on this', { field: 'kind' });
    const [row] = await trx('disputes')
      .insert({
        corp_id: p.corpId,
        guide_id: p.guideId,
        store_id: guide.store_id,
        kind: input.kind,
        order_id: orderId,
        commission_line_id: lineId,
        rule,
        claimed_fen: claimedFen,
        reason: input.note,
        raised_by: p.userid,
      })
      .returning<{ id: number }[]>('id');
    await recordAudit(trx, {
      corpId: p.corpId,
      actor: p.userid,
      action: 'dispute.raise',
      entity: 'dispute',
      entityId: row!.id,
      detail: { why: input.note, ...input },
    });
    return { id: row!.id };
  });
}

async function regionOf(db: Db, storeId: number | null): Promise<number | null> {
  if (storeId === null) return null;
  const s = await db('stores').where({ id: storeId }).first<{ region_id: number } | undefined>('region_id');
  return s ? s.region_id : null;
}

/** Who decides: the store manager of the guide's store; once escalated, the regional manager; head office always. */
async function assertDecider(db: Db, p: Principal, d: DisputeRow): Promise<void> {
  if (p.role === 'admin') return;
  if (d.level === 'store' && p.role === 'store_manager' && d.store_id !== null && p.storeIds.includes(d.store_id))
    return;
  if (d.level === 'region' && p.role === 'regional_manager') {
    const r = await regionOf(db, d.store_id);
    if (r !== null && p.regionIds.includes(r)) return;
  }
  throw new AppError(
    'FORBIDDEN',
    d.level === 'store' ? "the guide's store manager decides" : 'her regional manager decides',
  );
}

async function lockOpen(trx: Db, corpId: number, id: number): Promise<DisputeRow> {
  const d = await trx('disputes').where({ id, corp_id: corpId }).forUpdate().first<DisputeRow | undefined>('*');
  if (!d) throw new AppError('NOT_FOUND', 'no such dispute', { field: 'id' });
  if (d.status !== 'open') throw new AppError('CONFLICT', `this dispute was already ${d.status}`, { field: 'id' });
  return d;
}

/** The store manager passes a dispute to the regional manager. */
export async function escalateDispute(db: Db, p: Principal, id: number, note: string): Promise<void> {
  await db.transaction(async (trx) => {
    const d = await lockOpen(trx, p.corpId, id);
    if (d.level !== 'store') throw new AppError('CONFLICT', 'already with the regional manager', { field: 'id' });
    await assertDecider(trx, p, d);
    await trx('disputes')
      .where({ id })
      .update({ level: 'region', escalated_by: p.userid, escalated_at: trx.fn.now(), escalation_note: note });
    await recordAudit(trx, {
      corpId: p.corpId,
      actor: p.userid,
      action: 'dispute.escalate',
      entity: 'dispute',
      entityId: id,
      detail: { why: note },
    });
  });
}

/**
 * Approve (in full or in part) or reject. An approval posts one manual commission line in the open
 * period with its evidence (the dispute, the order, the decider): credited sales `approvedFen` at
 * the contested line's rate, or for a claim the plan's rate for the path she named. The dispute row
 * lock, the status check and the unique (dispute_id) index make it pay exactly once; recomputation
 * never touches manual lines, so refunds and re-attributions of the order leave it in place.
 */
export async function decideDispute(
  db: Db,
  p: Principal,
  id: number,
  decision: Decision,
  now = new Date(),
): Promise<{ status: 'accepted' | 'rejected'; commissionLineId: number | null }> {
  const landing = await landingPeriod(db, p.corpId, now);
  return db.transaction(async (trx) => {
    const d = await lockOpen(trx, p.corpId, id);
    await assertDecider(trx, p, d);
    if (decision.decision === 'reject') {
      await trx('disputes')
        .where({ id })
        .update({ status: 'rejected', resolution: decision.reason, decided_by: p.userid, resolved_at: trx.fn.now() });
      await recordAudit(trx, {
        corpId: p.corpId,
        actor: p.userid,
        action: 'dispute.reject',
        entity: 'dispute',
        entityId: id,
        detail: { why: decision.reason },
      });
      return { status: 'rejected', commissionLineId: null };
    }
    const approvedFen = decision.approvedFen ?? d.claimed_fen ?? 0;
    if (approvedFen <= 0 || (d.claimed_fen !== null && approvedFen > d.claimed_fen))
      throw new AppError('VALIDATION_FAILED', 'between 1 fen and the amount claimed', { field: 'approvedFen' });
    const period = (await trx('commission_periods').where({ id: landing.id }).forUpdate().first<PeriodRow>('*'))!;
    if (period.status === 'closed')
      throw new AppError('CONFLICT', 'the period just closed; decide again', { field: 'id' });
    let rateBp: number;
    let links: number | null = null;
    if (d.commission_line_id !== null) {
      const l = (await trx('commission_lines')
        .where({ id: d.commission_line_id })
        .first<{ rate_bp: number }>('rate_bp'))!;
      rateBp = l.rate_bp;
      links = d.commission_line_id;
    } else {
      const plan = await planForMonth(trx, p.corpId, period.month.slice(0, 7));
      rateBp = plan.rates[(d.rule ?? 'interaction') as 'transfer' | 'coupon' | 'interaction'];
    }
    const order = d.order_id
      ? await trx('orders').where({ id: d.order_id }).first<{ order_no: string }>('order_no')
      : undefined;
    const [line] = await trx('commission_lines')
      .insert({
        corp_id: p.corpId,
        period_id: period.id,
        guide_id: d.guide_id,
        credit_id: null,
        dispute_id: id,
        kind: 'adjustment',
        rule: d.rule,
        base_fen: approvedFen,
        rate_bp: rateBp,
        amount_fen: commissionFen(approvedFen, rateBp),
        links_line_id: links,
        note: `申诉 #${id}${order ? ` ${order.order_no}` : ''}: ${decision.reason}`.slice(0, 256),
        occurred_on: period.month,
        payable_on: period.month,
        created_by: p.userid,
      })
      .returning<{ id: number }[]>('id');
    await trx('disputes').where({ id }).update({
      status: 'accepted',
      approved_fen: approvedFen,
      resolution: decision.reason,
      decided_by: p.userid,
      resolved_at: trx.fn.now(),
    });
    await recordAudit(trx, {
      corpId: p.corpId,
      actor: p.userid,
      action: 'dispute.approve',
      entity: 'dispute',
      entityId: id,
      detail: { why: decision.reason, approvedFen, claimedFen: d.claimed_fen, commissionLineId: line!.id },
    });
    return { status: 'accepted', commissionLineId: line!.id };
  });
}

/** Disputes in a principal's reach: a guide her own, a manager his stores / her regions, finance and head office all. */
export async function listDisputes(
  db: Db,
  p: Principal,
  opts: { status?: 'open' | 'accepted' | 'rejected' | undefined },
  now = new Date(),
): Promise<DisputeView[]> {
  const q = db('disputes as d')
    .join('guides as g', 'g.id', 'd.guide_id')
    .leftJoin('stores as s', 's.id', 'd.store_id')
    .leftJoin('orders as o', 'o.id', 'd.order_id')
    .leftJoin('commission_lines as l', 'l.dispute_id', 'd.id')
    .where('d.corp_id', p.corpId)
    .orderBy('d.id', 'desc')
    .limit(500)
    .select<(DisputeRow & { guide_name: string; order_no: string | null; line_id: number | null })[]>(
      'd.*',
      'g.name as guide_name',
      'o.order_no',
      'l.id as line_id',
    );
  if (opts.status) void q.where('d.status', opts.status);
  if (p.role === 'guide') void q.where('d.guide_id', p.guideId ?? -1);
  else if (p.role === 'store_manager') void q.whereIn('d.store_id', p.storeIds);
  else if (p.role === 'regional_manager') void q.whereIn('s.region_id', p.regionIds);
  return (await q).map((d) => ({
    id: d.id,
    kind: d.kind,
    status: d.status,
    level: d.level,
    guideId: d.guide_id,
    guideName: d.guide_name,
    storeId: d.store_id,
    orderId: d.order_id,
    orderNo: d.order_no,
    lineId: d.commission_line_id,
    rule: d.rule,
    claimedFen: d.claimed_fen,
    approvedFen: d.approved_fen,
    note: d.reason,
    resolution: d.resolution,
    decidedBy: d.decided_by,
    createdAt: d.created_at.toISOString(),
    resolvedAt: d.resolved_at ? d.resolved_at.toISOString() : null,
    ageHours: Math.round(((d.resolved_at ?? now).getTime() - d.created_at.getTime()) / 360_000) / 10,
    commissionLineId: d.line_id,
  }));
}
