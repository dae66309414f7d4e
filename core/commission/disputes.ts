import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import { z } from 'zod';
import { creditStandaloneDispute } from '../attribution/attribution.service';
import { enqueueAttribution, owe, requestAttribution } from '../attribution/outbox';
import type { Principal } from '../auth/principal';
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { recordAudit } from './audit';
import { corpTimezone, ensurePeriod, type PeriodRow } from './periods';

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
  /** The approval's manual credit line, once the engine has credited it. */
  creditId: z.number().nullable(),
  /** That credit line's commission line, once its period has been computed. */
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
    let creditId: number | null = null;
    let claimedFen: number;
    let rule: string | null;
    if (input.kind === 'contest') {
      const l = await trx('commission_lines as l')
        .leftJoin('credits as c', 'c.id', 'l.credit_id')
        .where({ 'l.id': input.lineId, 'l.corp_id': p.corpId })
        .first<
          { guide_id: number; order_id: number | null; rule: string | null; credit_id: number | null } | undefined
        >('l.guide_id', 'c.order_id', trx.raw('l.rule::text as rule'), 'l.credit_id');
      if (!l || l.guide_id !== p.guideId) throw new AppError('NOT_FOUND', 'no such line of yours', { field: 'lineId' });
      if (l.credit_id === null)
        throw new AppError('CONFLICT', 'a manual line is not a credit; ask finance about it', { field: 'lineId' });
      lineId = input.lineId;
      creditId = l.credit_id;
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
        if (creditId !== null) void q.where({ credit_id: creditId });
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
        credit_id: creditId,
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
 * Approve (in full or in part) or reject. An approval is a fact the attribution engine reads: the
 * dispute becomes `accepted` with the amount granted and the moment its credit counts (now, in the
 * open period; or the start of the first open period when this month is closed), and in the same
 * transaction the outbox owes its order an attribution (core/attribution/outbox.ts). The engine
 * then writes one manual credit line for the guide — its evidence the dispute, its trail the
 * decision — and commission follows from that credit line like any other (the plan's rate for its
 * path and category, the tier, or the contested line's rate when that line is locked). The row
 * lock and status check make the decision once; the partial unique index on credits.dispute_id
 * makes the credit once; re-attributions and refunds of the order never replace it.
 */
export async function decideDispute(
  ctx: Pick<AppContext, 'db' | 'queues' | 'logger'>,
  p: Principal,
  id: number,
  decision: Decision,
  now = new Date(),
): Promise<{ status: 'accepted' | 'rejected'; commissionLineId: number | null }> {
  const db = ctx.db;
  const landing = await landingPeriod(db, p.corpId, now);
  const tz = await corpTimezone(db, p.corpId);
  const owed = await db.transaction(async (trx) => {
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
      return null;
    }
    const approvedFen = decision.approvedFen ?? d.claimed_fen ?? 0;
    if (approvedFen <= 0 || (d.claimed_fen !== null && approvedFen > d.claimed_fen))
      throw new AppError('VALIDATION_FAILED', 'between 1 fen and the amount claimed', { field: 'approvedFen' });
    const period = (await trx('commission_periods').where({ id: landing.id }).forUpdate().first<PeriodRow>('*'))!;
    if (period.status === 'closed')
      throw new AppError('CONFLICT', 'the period just closed; decide again', { field: 'id' });
    const opens = dayjs.tz(period.month, tz).toDate();
    const creditAt = opens > now ? opens : now;
    await trx('disputes').where({ id }).update({
      status: 'accepted',
      approved_fen: approvedFen,
      credit_at: creditAt,
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
      detail: { why: decision.reason, approvedFen, claimedFen: d.claimed_fen, creditAt: creditAt.toISOString() },
    });
    if (d.order_id === null) {
      await creditStandaloneDispute(trx, p.corpId, id, now);
      return [];
    }
    const o = owe('order', [d.order_id], { kind: 'dispute', id: String(id) });
    await requestAttribution(trx, p.corpId, o, `dispute ${id} approved`, { queued: true });
    return o;
  });
  if (owed === null) return { status: 'rejected', commissionLineId: null };
  await enqueueAttribution(ctx, p.corpId, owed, `dispute ${id} approved`);
  return { status: 'accepted', commissionLineId: null };
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
    .leftJoin('credits as cr', function () {
      this.on('cr.dispute_id', 'd.id').andOnNull('cr.superseded_at');
    })
    .leftJoin('commission_lines as l', 'l.credit_id', 'cr.id')
    // A contest's line as it is now (an open period's lines are recomputed): the contested credit's line.
    .leftJoin('commission_lines as cl', 'cl.credit_id', 'd.credit_id')
    .where('d.corp_id', p.corpId)
    .orderBy('d.id', 'desc')
    .limit(500)
    .select<
      (DisputeRow & {
        guide_name: string;
        order_no: string | null;
        line_id: number | null;
        credit_id: number | null;
        contested_line_id: number | null;
      })[]
    >(
      'd.*',
      'g.name as guide_name',
      'o.order_no',
      'l.id as line_id',
      'cr.id as credit_id',
      'cl.id as contested_line_id',
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
    lineId: d.contested_line_id ?? d.commission_line_id,
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
    creditId: d.credit_id,
  }));
}
