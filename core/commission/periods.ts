import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { recordAudit } from './audit';
import { commissionFen } from './money';
import { planForMonth, rateBp, type Plan } from './plans';

dayjs.extend(utc);

export type PeriodStatus = 'open' | 'review' | 'closing' | 'closed';
export interface PeriodRow {
  id: number;
  corp_id: number;
  month: string;
  status: PeriodStatus;
  closed_at: Date | null;
  closed_by: string | null;
  export_sha256: string | null;
}

export const monthStart = (month: string): string => `${month}-01`;
export const nextMonthStart = (month: string): string => dayjs.utc(`${month}-01`).add(1, 'month').format('YYYY-MM-DD');
const addDays = (day: string, n: number): string => dayjs.utc(day).add(n, 'day').format('YYYY-MM-DD');

export async function corpTimezone(db: Db, corpId: number): Promise<string> {
  const c = await db('corps').where({ id: corpId }).first<{ timezone: string } | undefined>('timezone');
  if (!c) throw new AppError('NOT_FOUND', 'no such corp');
  return c.timezone;
}

/** The period of a month ('YYYY-MM'), created open on first use. */
export async function ensurePeriod(db: Db, corpId: number, month: string): Promise<PeriodRow> {
  await db('commission_periods')
    .insert({ corp_id: corpId, month: monthStart(month) })
    .onConflict(['corp_id', 'month'])
    .ignore();
  return (await db('commission_periods')
    .where({ corp_id: corpId, month: monthStart(month) })
    .first<PeriodRow>('*'))!;
}

/** A commission line before it is stored. */
export interface NewLine {
  corp_id: number;
  period_id: number;
  guide_id: number;
  credit_id: number;
  kind: 'earn' | 'clawback' | 'adjustment';
  rule: string;
  plan_version: number;
  base_fen: number;
  rate_bp: number;
  amount_fen: number;
  links_line_id: number | null;
  occurred_on: string;
  payable_on: string;
}

interface CreditIn {
  id: number;
  guide_id: number;
  kind: 'sale' | 'refund' | 'adjustment';
  rule: 'transfer' | 'coupon' | 'interaction';
  amount_fen: number;
  order_id: number | null;
  adjusts_credit_id: number | null;
  order_source: string | null;
  occurred_on: string;
}
interface LockedLine {
  id: number;
  credit_id: number;
  order_id: number | null;
  rate_bp: number;
  payable_on: string;
  paid: boolean;
}

/**
 * What a period's credit lines earn under a plan, without writing: every live credit dated in the
 * month (and any credit dated in a closed month that has no line yet — a fact that arrived after
 * the close lands in the first open period after it) whose line is not locked.
 *
 * Rates: a sale takes the plan's rate for its rule (mall orders: the mall rate) plus the tier its
 * guide's monthly credited sales reach. A refund claws back at the rate its sale earned (the locked
 * line's rate when the sale sits in a closed period, and links to it), so a refund is never settled
 * as positive commission or at a different rate; an engine adjustment takes the rate of the locked
 * line it corrects. A refund's clawback becomes payable with its sale (it is held as long as the
 * sale's earning is), so a return inside the hold cancels the earning before it is paid.
 *
 * `wholeMonth` (previews): every live credit dated in the month, locked or not, and nothing else.
 */
export async function computeLines(
  db: Db | Knex.Transaction,
  corpId: number,
  period: PeriodRow,
  plan: Pick<Plan, 'rates' | 'tiers' | 'holdDays' | 'version'>,
  tz: string,
  opts: { wholeMonth?: boolean } = {},
): Promise<NewLine[]> {
  const month = period.month.slice(0, 7);
  const m0 = monthStart(month);
  const m1 = nextMonthStart(month);
  const { rows: credits } = await db.raw<{ rows: CreditIn[] }>(
    `select c.id, c.guide_id, c.kind::text as kind, c.rule::text as rule, c.amount_fen, c.order_id, c.adjusts_credit_id,
            o.source::text as order_source, to_char(c.occurred_at at time zone ?, 'YYYY-MM-DD') as occurred_on
       from credits c left join orders o on o.id = c.order_id
      where c.corp_id = ? and c.superseded_at is null
        and (? or not exists (select 1 from commission_lines l where l.credit_id = c.id and l.locked))
        and ((c.occurred_at >= (?::date)::timestamp at time zone ? and c.occurred_at < (?::date)::timestamp at time zone ?)
          or (not ? and c.occurred_at < (?::date)::timestamp at time zone ?
              and exists (select 1 from commission_periods cp where cp.corp_id = c.corp_id and cp.status = 'closed'
                           and cp.month = date_trunc('month', c.occurred_at at time zone ?)::date)
              and not exists (select 1 from commission_periods q where q.corp_id = c.corp_id and q.status <> 'closed'
                           and q.month < ?::date and q.month > date_trunc('month', c.occurred_at at time zone ?)::date)))
      order by c.id`,
    [tz, corpId, opts.wholeMonth ?? false, m0, tz, m1, tz, opts.wholeMonth ?? false, m0, tz, tz, m0, tz],
  );
  const orderIds = [
    ...new Set(credits.flatMap((c) => (c.kind === 'refund' && c.order_id !== null ? [c.order_id] : []))),
  ];
  const adjusted = [...new Set(credits.flatMap((c) => (c.adjusts_credit_id !== null ? [c.adjusts_credit_id] : [])))];
  const { rows: locked } = await db.raw<{ rows: LockedLine[] }>(
    `select l.id, l.credit_id, s.order_id, l.rate_bp, to_char(l.payable_on, 'YYYY-MM-DD') as payable_on,
            l.paid_in_period_id is not null as paid
       from commission_lines l join credits s on s.id = l.credit_id
      where l.corp_id = ? and l.locked and ((s.kind = 'sale' and s.order_id = any(?)) or l.credit_id = any(?))
      order by l.id`,
    [corpId, orderIds, adjusted],
  );
  const lockedSaleOf = new Map<number, LockedLine>();
  const lockedByCredit = new Map<number, LockedLine>();
  for (const l of locked) {
    if (l.order_id !== null) lockedSaleOf.set(l.order_id, l);
    lockedByCredit.set(l.credit_id, l);
  }

  const salesOf = new Map<number, number>();
  for (const c of credits) salesOf.set(c.guide_id, (salesOf.get(c.guide_id) ?? 0) + c.amount_fen);
  const rateOf = (c: CreditIn) => rateBp(plan, c.rule, c.order_source, salesOf.get(c.guide_id) ?? 0);
  const line = (c: CreditIn, kind: NewLine['kind'], rate: number, link: number | null, payableOn: string): NewLine => ({
    corp_id: corpId,
    period_id: period.id,
    guide_id: c.guide_id,
    credit_id: c.id,
    kind,
    rule: c.rule,
    plan_version: plan.version,
    base_fen: c.amount_fen,
    rate_bp: rate,
    amount_fen: commissionFen(c.amount_fen, rate),
    links_line_id: link,
    occurred_on: c.occurred_on,
    payable_on: payableOn,
  });
  const later = (a: string, b: string) => (a > b ? a : b);

  const out: NewLine[] = [];
  const saleHere = new Map<number, NewLine>();
  for (const c of credits) {
    if (c.kind !== 'sale') continue;
    const l = line(c, 'earn', rateOf(c), null, addDays(c.occurred_on, plan.holdDays));
    if (c.order_id !== null) saleHere.set(c.order_id, l);
    out.push(l);
  }
  for (const c of credits) {
    if (c.kind === 'refund') {
      const lockedSale = c.order_id !== null ? lockedSaleOf.get(c.order_id) : undefined;
      const sale = c.order_id !== null ? saleHere.get(c.order_id) : undefined;
      if (sale) out.push(line(c, 'clawback', sale.rate_bp, null, later(c.occurred_on, sale.payable_on)));
      else if (lockedSale)
        out.push(
          line(
            c,
            'clawback',
            lockedSale.rate_bp,
            lockedSale.id,
            lockedSale.paid ? c.occurred_on : later(c.occurred_on, lockedSale.payable_on),
          ),
        );
      else out.push(line(c, 'clawback', rateOf(c), null, c.occurred_on));
    } else if (c.kind === 'adjustment') {
      const orig = c.adjusts_credit_id !== null ? lockedByCredit.get(c.adjusts_credit_id) : undefined;
      out.push(line(c, 'adjustment', orig ? orig.rate_bp : rateOf(c), orig ? orig.id : null, c.occurred_on));
    }
  }
  return out.sort((a, b) => a.credit_id - b.credit_id);
}

async function lockPeriod(trx: Knex.Transaction, period: PeriodRow): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(hashtext(?), ?)', ['commission_period', period.id]);
}

async function syncIn(trx: Knex.Transaction, corpId: number, period: PeriodRow, tz: string): Promise<number> {
  if (period.status === 'closed')
    throw new AppError('PERIOD_CLOSED', `${period.month.slice(0, 7)} is closed`, { field: 'month' });
  const plan = await planForMonth(trx, corpId, period.month.slice(0, 7));
  const lines = await computeLines(trx, corpId, period, plan, tz);
  // Manual lines (credit_id null) are never touched by a recomputation.
  await trx('commission_lines').where({ period_id: period.id, locked: false }).whereNotNull('credit_id').delete();
  const ids = lines.map((l) => l.credit_id);
  for (let i = 0; i < ids.length; i += 10_000)
    await trx('commission_lines')
      .whereIn('credit_id', ids.slice(i, i + 10_000))
      .where({ locked: false })
      .delete();
  for (let i = 0; i < lines.length; i += 2_000) await trx('commission_lines').insert(lines.slice(i, i + 2_000));
  return lines.length;
}

/**
 * Brings an open period's credit lines up to date with the ledger (idempotent; manual lines and
 * locked lines stay as they are). Statements of an open period are read after this.
 */
export async function syncPeriod(db: Db, corpId: number, month: string): Promise<PeriodRow> {
  const tz = await corpTimezone(db, corpId);
  const p = await ensurePeriod(db, corpId, month);
  if (p.status === 'closed') return p;
  return db.transaction(async (trx) => {
    await lockPeriod(trx, p);
    const fresh = (await trx('commission_periods').where({ id: p.id }).first<PeriodRow>('*'))!;
    if (fresh.status !== 'closed') await syncIn(trx, corpId, fresh, tz);
    return fresh;
  });
}

async function guideTotals(db: Db | Knex.Transaction, periodId: number): Promise<Record<string, number>> {
  const rows = await db('commission_lines')
    .where({ period_id: periodId })
    .groupBy('guide_id')
    .orderBy('guide_id')
    .select<{ guide_id: number; fen: number }[]>('guide_id', db.raw('sum(amount_fen)::bigint as fen'));
  return Object.fromEntries(rows.map((r) => [String(r.guide_id), r.fen]));
}

export interface ReviewChange {
  guideId: number;
  beforeFen: number | null;
  afterFen: number | null;
  deltaFen: number;
}
function diff(before: Record<string, number> | null, after: Record<string, number>): ReviewChange[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])].sort(
    (a, b) => Number(a) - Number(b),
  );
  return keys.flatMap((k) => {
    const b = before?.[k] ?? null;
    const a = after[k] ?? null;
    return (b ?? 0) === (a ?? 0) && (b === null) === (a === null)
      ? []
      : [{ guideId: Number(k), beforeFen: b, afterFen: a, deltaFen: (a ?? 0) - (b ?? 0) }];
  });
}

export interface ReviewResult {
  periodId: number;
  month: string;
  reviewId: number;
  totalFen: number;
  guides: number;
  /** Per guide, what changed since the previous review (every guide on the first review). */
  changes: ReviewChange[];
  firstReview: boolean;
}

/** open/review → review: a dry run — the period recomputed, every guide's total snapshotted and compared with the previous review. */
export async function reviewPeriod(db: Db, corpId: number, month: string, actor: string): Promise<ReviewResult> {
  const tz = await corpTimezone(db, corpId);
  const p0 = await ensurePeriod(db, corpId, month);
  return db.transaction(async (trx) => {
    await lockPeriod(trx, p0);
    const p = (await trx('commission_periods').where({ id: p0.id }).first<PeriodRow>('*'))!;
    await syncIn(trx, corpId, p, tz);
    const totals = await guideTotals(trx, p.id);
    const prev = await trx('commission_reviews')
      .where({ period_id: p.id })
      .orderBy('id', 'desc')
      .first<{ totals: Record<string, number> } | undefined>('totals');
    const [rev] = await trx('commission_reviews')
      .insert({ corp_id: corpId, period_id: p.id, totals: JSON.stringify(totals), reviewed_by: actor })
      .returning<{ id: number }[]>('id');
    await trx('commission_periods').where({ id: p.id }).update({ status: 'review' });
    const changes = diff(prev?.totals ?? null, totals);
    await recordAudit(trx, {
      corpId,
      actor,
      action: 'period.review',
      entity: 'commission_period',
      entityId: month,
      detail: { reviewId: rev!.id, changedGuides: changes.length },
    });
    return {
      periodId: p.id,
      month,
      reviewId: rev!.id,
      totalFen: Object.values(totals).reduce((s, v) => s + v, 0),
      guides: Object.keys(totals).length,
      changes,
      firstReview: !prev,
    };
  });
}

/**
 * review → closed. Refused unless the period was reviewed and nothing changed since that review
 * (finance settles exactly what it saw), and every earlier period is closed (carry-over runs in
 * order). Locks every line and settles payouts: per guide, the carried-in balance plus every
 * locked line not yet paid whose hold ended before the month's end; a negative result pays 0 and
 * carries over.
 */
export async function closePeriod(
  db: Db,
  corpId: number,
  month: string,
  actor: string,
  why: string,
): Promise<{ periodId: number; lines: number; payoutFen: number }> {
  const tz = await corpTimezone(db, corpId);
  const p0 = await ensurePeriod(db, corpId, month);
  return db.transaction(async (trx) => {
    await lockPeriod(trx, p0);
    const p = (await trx('commission_periods').where({ id: p0.id }).forUpdate().first<PeriodRow>('*'))!;
    if (p.status === 'closed') throw new AppError('PERIOD_CLOSED', `${month} is already closed`, { field: 'month' });
    if (p.status !== 'review')
      throw new AppError('CONFLICT', `${month} has not been reviewed; review it before closing`, { field: 'month' });
    const earlier = await trx('commission_periods')
      .where({ corp_id: corpId })
      .whereNot({ status: 'closed' })
      .where('month', '<', p.month)
      .first<{ month: string } | undefined>('month');
    if (earlier)
      throw new AppError('CONFLICT', `${earlier.month.slice(0, 7)} is still open; close months in order`, {
        field: 'month',
      });
    await syncIn(trx, corpId, p, tz);
    const totals = await guideTotals(trx, p.id);
    const last = await trx('commission_reviews')
      .where({ period_id: p.id })
      .orderBy('id', 'desc')
      .first<{ totals: Record<string, number> }>('totals');
    if (diff(last?.totals ?? null, totals).length > 0)
      throw new AppError('CONFLICT', `${month} changed since its last review; review it again`, { field: 'month' });

    const m0 = monthStart(month);
    const m1 = nextMonthStart(month);
    const lines = await trx('commission_lines').where({ period_id: p.id }).update({ locked: true });
    await trx.raw(
      `insert into commission_payouts (period_id, guide_id, corp_id, carry_in_fen, paid_lines_fen, held_fen, payout_fen, carry_out_fen)
       with due as (
         select l.guide_id, sum(l.amount_fen) as fen from commission_lines l join commission_periods cp on cp.id = l.period_id
          where l.corp_id = ? and l.locked and l.paid_in_period_id is null and cp.month <= ?::date and l.payable_on < ?::date
          group by l.guide_id),
       held as (
         select guide_id, sum(amount_fen) as fen from commission_lines where period_id = ? and payable_on >= ?::date group by guide_id),
       carry as (
         select distinct on (po.guide_id) po.guide_id, po.carry_out_fen as fen
           from commission_payouts po join commission_periods cp on cp.id = po.period_id
          where po.corp_id = ? and cp.month < ?::date order by po.guide_id, cp.month desc),
       g as (select guide_id from due union select guide_id from held union select guide_id from carry where fen <> 0)
       select ?, g.guide_id, ?, coalesce(carry.fen, 0), coalesce(due.fen, 0), coalesce(held.fen, 0),
              greatest(0, coalesce(carry.fen, 0) + coalesce(due.fen, 0)), least(0, coalesce(carry.fen, 0) + coalesce(due.fen, 0))
         from g left join due using (guide_id) left join held using (guide_id) left join carry using (guide_id)`,
      [corpId, m0, m1, p.id, m1, corpId, m0, p.id, corpId],
    );
    await trx.raw(
      `update commission_lines l set paid_in_period_id = ?
         from commission_periods cp
        where cp.id = l.period_id and l.corp_id = ? and l.locked and l.paid_in_period_id is null
          and cp.month <= ?::date and l.payable_on < ?::date`,
      [p.id, corpId, m0, m1],
    );
    await trx('commission_periods')
      .where({ id: p.id })
      .update({ status: 'closed', closed_at: trx.fn.now(), closed_by: actor });
    const { sum } = (await trx('commission_payouts').where({ period_id: p.id }).sum('payout_fen as sum').first()) as {
      sum: number | string | null;
    };
    await recordAudit(trx, {
      corpId,
      actor,
      action: 'period.close',
      entity: 'commission_period',
      entityId: month,
      detail: { why, lines, payoutFen: Number(sum ?? 0) },
    });
    return { periodId: p.id, lines, payoutFen: Number(sum ?? 0) };
  });
}

/** A manual adjustment with its reason, in an open (or in-review) period; never touched by recomputation. */
export async function addAdjustment(
  db: Db,
  corpId: number,
  input: { month: string; guideId: number; amountFen: number; reason: string; linksLineId?: number | undefined },
  actor: string,
): Promise<{ adjustmentId: number; lineId: number }> {
  const p0 = await ensurePeriod(db, corpId, input.month);
  return db.transaction(async (trx) => {
    await lockPeriod(trx, p0);
    const p = (await trx('commission_periods').where({ id: p0.id }).first<PeriodRow>('*'))!;
    if (p.status === 'closed')
      throw new AppError('PERIOD_CLOSED', `${input.month} is closed; adjust in the open period`, { field: 'month' });
    const guide = await trx('guides').where({ id: input.guideId, corp_id: corpId }).first('id');
    if (!guide) throw new AppError('NOT_FOUND', 'no such guide', { field: 'guideId' });
    if (input.linksLineId !== undefined) {
      const l = await trx('commission_lines').where({ id: input.linksLineId, corp_id: corpId }).first('id');
      if (!l) throw new AppError('NOT_FOUND', 'no such commission line', { field: 'linksLineId' });
    }
    const day = p.month;
    const [line] = await trx('commission_lines')
      .insert({
        corp_id: corpId,
        period_id: p.id,
        guide_id: input.guideId,
        credit_id: null,
        kind: 'adjustment',
        base_fen: 0,
        rate_bp: 0,
        amount_fen: input.amountFen,
        links_line_id: input.linksLineId ?? null,
        note: input.reason,
        occurred_on: day,
        payable_on: day,
        created_by: actor,
      })
      .returning<{ id: number }[]>('id');
    const [adj] = await trx('adjustments')
      .insert({
        corp_id: corpId,
        period_id: p.id,
        guide_id: input.guideId,
        amount_fen: input.amountFen,
        reason: input.reason,
        commission_line_id: line!.id,
        created_by: actor,
      })
      .returning<{ id: number }[]>('id');
    await recordAudit(trx, {
      corpId,
      actor,
      action: 'adjustment.create',
      entity: 'commission_line',
      entityId: line!.id,
      detail: { why: input.reason, ...input },
    });
    return { adjustmentId: adj!.id, lineId: line!.id };
  });
}

export interface PreviewRow {
  guideId: number;
  guideName: string;
  currentFen: number;
  proposedFen: number;
  deltaFen: number;
}

/**
 * What each guide would have earned in a month under a proposed plan, beside what the plan in force
 * gives for the same credit lines (manual lines aside). Writes nothing.
 */
export async function previewPlan(
  db: Db,
  corpId: number,
  month: string,
  proposed: Pick<Plan, 'rates' | 'tiers' | 'holdDays'>,
): Promise<{ month: string; currentPlanVersion: number; rows: PreviewRow[]; currentFen: number; proposedFen: number }> {
  const tz = await corpTimezone(db, corpId);
  const current = await planForMonth(db, corpId, month);
  const fake = {
    id: 0,
    corp_id: corpId,
    month: monthStart(month),
    status: 'open',
    closed_at: null,
    closed_by: null,
    export_sha256: null,
  } as const;
  const now = await computeLines(db, corpId, fake, current, tz, { wholeMonth: true });
  const next = await computeLines(db, corpId, fake, { ...proposed, version: 0 }, tz, { wholeMonth: true });
  const acc = new Map<number, { currentFen: number; proposedFen: number }>();
  for (const l of now) {
    const a = acc.get(l.guide_id) ?? { currentFen: 0, proposedFen: 0 };
    a.currentFen += l.amount_fen;
    acc.set(l.guide_id, a);
  }
  for (const l of next) {
    const a = acc.get(l.guide_id) ?? { currentFen: 0, proposedFen: 0 };
    a.proposedFen += l.amount_fen;
    acc.set(l.guide_id, a);
  }
  const ids = [...acc.keys()].sort((a, b) => a - b);
  const names = new Map(
    (await db('guides').whereIn('id', ids).select<{ id: number; name: string }[]>('id', 'name')).map((g) => [
      g.id,
      g.name,
    ]),
  );
  const rows = ids.map((id) => {
    const a = acc.get(id)!;
    return { guideId: id, guideName: names.get(id) ?? '', ...a, deltaFen: a.proposedFen - a.currentFen };
  });
  return {
    month,
    currentPlanVersion: current.version,
    rows,
    currentFen: rows.reduce((s, r) => s + r.currentFen, 0),
    proposedFen: rows.reduce((s, r) => s + r.proposedFen, 0),
  };
}

export async function listPeriods(db: Db, corpId: number) {
  const rows = await db('commission_periods')
    .where({ corp_id: corpId })
    .orderBy('month', 'desc')
    .select<PeriodRow[]>('*');
  return rows.map((p) => ({
    id: p.id,
    month: p.month.slice(0, 7),
    status: p.status,
    closedAt: p.closed_at ? p.closed_at.toISOString() : null,
    closedBy: p.closed_by,
  }));
}
