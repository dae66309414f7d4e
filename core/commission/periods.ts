import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { recordAudit } from './audit';
import { planForMonth, type Plan } from './plans';

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
  category: string | null;
}

/** What a plan contributes to a month's lines. */
export type LinePlan = Pick<Plan, 'rates' | 'tiers' | 'holdDays' | 'version'> & {
  categoryRates?: Plan['categoryRates'] | undefined;
};

/** The columns a commission line is written with, in the order `linesSql` selects them. */
const LINE_COLUMNS = [
  'corp_id',
  'period_id',
  'guide_id',
  'credit_id',
  'kind',
  'rule',
  'plan_version',
  'base_fen',
  'rate_bp',
  'amount_fen',
  'links_line_id',
  'occurred_on',
  'payable_on',
  'category',
] as const;

/**
 * The commission lines a period's credit lines earn under a plan, as one set-based SELECT (named
 * bindings): every live credit dated in the month (and any credit dated in a closed month that has
 * no line yet — a fact that arrived after the close lands in the first open period after it) whose
 * line is not locked. `wholeMonth` (previews): every live credit dated in the month, locked or not,
 * and nothing else.
 *
 * Rates: a line takes the rate of its path — its rule, or `mall` for a mall order when the plan has
 * a mall rate — for its order's category when the plan gives that category one (the category
 * carrying most of the order's net, ties by name), else the path's rate; plus the tier bonus its
 * guide's monthly credited sales reach (the highest `fromFen` ≤ the sum of the guide's credits in
 * the set, refunds included; edge inclusive). A refund claws back at the rate its sale earned (the
 * sale in the same set, else its locked line in a closed period, which the clawback links to), so
 * a refund is never settled as positive commission or at another rate; an engine adjustment takes
 * the rate of the locked line it corrects. Amount = round(base × rate / 10000), halves away from
 * zero, in integer arithmetic (money.ts says why). A sale is payable `holdDays` after its day; a
 * clawback with its sale (when the sale is still unpaid); anything else at once.
 */
export function linesSql(
  corpId: number,
  period: Pick<PeriodRow, 'id' | 'month'>,
  plan: LinePlan,
  tz: string,
  opts: { wholeMonth?: boolean } = {},
): { sql: string; bindings: Record<string, unknown> } {
  const month = period.month.slice(0, 7);
  const cats = plan.categoryRates ?? {};
  const byCategory = Object.keys(cats).length > 0;
  const bindings = {
    corpId,
    periodId: period.id,
    planVersion: plan.version,
    holdDays: plan.holdDays,
    tz,
    m0: monthStart(month),
    m1: nextMonthStart(month),
    whole: opts.wholeMonth ?? false,
    cats: JSON.stringify(
      Object.entries(cats).flatMap(([category, r]) => Object.entries(r).map(([path, bp]) => ({ category, path, bp }))),
    ),
    tiers: JSON.stringify(plan.tiers),
  };
  // The plan's path rates are validated integers (plans.ts): written into the statement as literals,
  // so no row parses JSON. Category rates, which carry names, are read once from a bound parameter.
  const int = (n: number) => String(Math.trunc(n));
  const mall = plan.rates.mall;
  const pathRate = `case x.path when 'transfer' then ${int(plan.rates.transfer)} when 'coupon' then ${int(plan.rates.coupon)} when 'interaction' then ${int(plan.rates.interaction)}${mall === undefined ? '' : ` when 'mall' then ${int(mall)}`} end`;
  const sql = `
    with c as materialized (
      select c.id, c.guide_id, c.kind::text as kind, c.rule, c.amount_fen, c.order_id, c.adjusts_credit_id,
             o.source::text as order_source, (c.occurred_at at time zone :tz)::date as occurred_on
        from credits c left join orders o on o.id = c.order_id
       where c.corp_id = :corpId and c.superseded_at is null
         and (:whole or not exists (select 1 from commission_lines l where l.credit_id = c.id and l.locked))
         and ((c.occurred_at >= ((:m0)::date)::timestamp at time zone :tz and c.occurred_at < ((:m1)::date)::timestamp at time zone :tz)
           or (not :whole and c.occurred_at < ((:m0)::date)::timestamp at time zone :tz
               and exists (select 1 from commission_periods cp where cp.corp_id = c.corp_id and cp.status = 'closed'
                            and cp.month = date_trunc('month', c.occurred_at at time zone :tz)::date)
               and not exists (select 1 from commission_periods q where q.corp_id = c.corp_id and q.status <> 'closed'
                            and q.month < (:m0)::date and q.month > date_trunc('month', c.occurred_at at time zone :tz)::date)))),
    ${
      byCategory
        ? `cat as (
      select distinct on (order_id) order_id, category from (
        select ol.order_id, ol.category, sum(ol.net_fen) as fen from order_lines ol
         where ol.order_id in (select order_id from c where order_id is not null) and ol.category is not null
         group by ol.order_id, ol.category) s
       order by order_id, fen desc, category),`
        : ''
    }
    sales as (select guide_id, sum(amount_fen) as fen from c group by guide_id),
    tier as (select t."fromFen" as from_fen, t."bonusBp" as bonus_bp
               from jsonb_to_recordset((:tiers)::jsonb) as t("fromFen" bigint, "bonusBp" int)),
    bonus as materialized (select s.guide_id, coalesce((select t.bonus_bp from tier t where t.from_fen <= s.fen order by t.from_fen desc limit 1), 0) as bp
                from sales s),
    catrate as materialized (select r.category, r.path, r.bp from jsonb_to_recordset((:cats)::jsonb) as r(category text, path text, bp int)),
    pathed as not materialized (
      select c.*, ${byCategory ? 'cat.category' : 'null::varchar'} as category,
             ${mall === undefined ? 'c.rule::text' : "case when c.order_source = 'mall' then 'mall' else c.rule::text end"} as path
        from c ${byCategory ? 'left join cat on cat.order_id = c.order_id' : ''}),
    rated as not materialized (
      select x.*, cr.bp is not null as by_category, coalesce(cr.bp, ${pathRate}) + b.bp as rate
        from pathed x join bonus b on b.guide_id = x.guide_id
        left join catrate cr on cr.category = x.category and cr.path = x.path),
    locked as materialized (
      select l.id, l.credit_id, s.order_id, s.kind::text as skind, l.rate_bp, l.payable_on, l.paid_in_period_id is not null as paid
        from (select distinct order_id from c where kind = 'refund' and order_id is not null) x
        join credits s on s.order_id = x.order_id and s.kind = 'sale' and s.corp_id = :corpId
        join commission_lines l on l.credit_id = s.id and l.locked
      union
      select l.id, l.credit_id, s.order_id, s.kind::text, l.rate_bp, l.payable_on, l.paid_in_period_id is not null
        from (select distinct adjusts_credit_id from c where adjusts_credit_id is not null) x
        join commission_lines l on l.credit_id = x.adjusts_credit_id and l.locked
        join credits s on s.id = l.credit_id),
    locked_sale as materialized (select distinct on (order_id) id, order_id, rate_bp, payable_on, paid from locked
                     where skind = 'sale' order by order_id, id desc),
    locked_credit as materialized (select distinct on (credit_id) id, credit_id, rate_bp from locked order by credit_id, id desc),
    here as materialized (select order_id, rate, occurred_on + (:holdDays)::int as payable_on from rated
              where kind = 'sale' and order_id in (select order_id from c where kind = 'refund'))
    select cast(:corpId as bigint) as corp_id, cast(:periodId as bigint) as period_id, x.guide_id, x.id as credit_id,
           (case x.kind when 'sale' then 'earn' when 'refund' then 'clawback' else 'adjustment' end)::commission_line_kind as kind,
           x.rule, cast(:planVersion as int) as plan_version, x.amount_fen as base_fen, f.rate as rate_bp,
           case when x.amount_fen * f.rate < 0 then -1 else 1 end * ((abs(x.amount_fen * f.rate) * 2 + 10000) / 20000) as amount_fen,
           f.link as links_line_id, x.occurred_on, f.payable_on,
           case when x.by_category then x.category end as category
      from rated x
      left join here h on x.kind = 'refund' and h.order_id = x.order_id
      left join locked_sale ls on x.kind = 'refund' and ls.order_id = x.order_id
      left join locked_credit lc on x.kind = 'adjustment' and lc.credit_id = x.adjusts_credit_id
      cross join lateral (select
        case when x.kind = 'sale' then x.rate
             when x.kind = 'refund' then coalesce(h.rate, ls.rate_bp, x.rate)
             else coalesce(lc.rate_bp, x.rate) end as rate,
        case when x.kind = 'refund' and h.order_id is null then ls.id
             when x.kind = 'adjustment' then lc.id end as link,
        case when x.kind = 'sale' then x.occurred_on + (:holdDays)::int
             when x.kind = 'refund' and h.order_id is not null then greatest(x.occurred_on, h.payable_on)
             when x.kind = 'refund' and ls.id is not null then
               case when ls.paid then x.occurred_on else greatest(x.occurred_on, ls.payable_on) end
             else x.occurred_on end as payable_on) f`;
  return { sql, bindings };
}

/** The lines of `linesSql`, read into memory (tests and small periods; the period paths stay in SQL). */
export async function computeLines(
  db: Db | Knex.Transaction,
  corpId: number,
  period: Pick<PeriodRow, 'id' | 'month'>,
  plan: LinePlan,
  tz: string,
  opts: { wholeMonth?: boolean } = {},
): Promise<NewLine[]> {
  const q = linesSql(corpId, period, plan, tz, opts);
  const { rows } = await db.raw<{ rows: NewLine[] }>(
    `select corp_id, period_id, guide_id, credit_id, kind::text as kind, rule::text as rule, plan_version, base_fen, rate_bp,
            amount_fen, links_line_id, to_char(occurred_on, 'YYYY-MM-DD') as occurred_on,
            to_char(payable_on, 'YYYY-MM-DD') as payable_on, category
       from (${q.sql}) lines order by credit_id`,
    q.bindings,
  );
  return rows;
}

async function lockPeriod(trx: Knex.Transaction, period: PeriodRow): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(hashtext(?), ?)', ['commission_period', period.id]);
}

/**
 * The period's wanted credit lines into a temporary table (dropped at commit), so the statements
 * that compare, total and write them read one computation.
 */
async function stageLines(trx: Knex.Transaction, corpId: number, period: PeriodRow, tz: string): Promise<void> {
  const plan = await planForMonth(trx, corpId, period.month.slice(0, 7));
  const q = linesSql(corpId, period, plan, tz);
  await trx.raw('drop table if exists pg_temp.commission_want');
  await trx.raw(`create temp table commission_want on commit drop as ${q.sql}`, q.bindings);
  await trx.raw('analyze pg_temp.commission_want');
}

const CHANGED = LINE_COLUMNS.filter((c) => c !== 'credit_id' && c !== 'corp_id');

/**
 * Brings the period's stored lines up to what the ledger says, writing only the difference: a
 * stored unlocked line that differs from (or is no longer) its wanted line is deleted, a wanted
 * line with no stored line is inserted. Manual lines (credit_id null) and locked lines stay as
 * they are. An unchanged period is read, not written.
 */
async function syncIn(trx: Knex.Transaction, corpId: number, period: PeriodRow, tz: string): Promise<void> {
  if (period.status === 'closed')
    throw new AppError('PERIOD_CLOSED', `${period.month.slice(0, 7)} is closed`, { field: 'month' });
  await stageLines(trx, corpId, period, tz);
  await trx.raw(
    `delete from commission_lines l
      where not l.locked and l.credit_id is not null
        and (l.period_id = ? or l.credit_id in (select credit_id from commission_want))
        and not exists (select 1 from commission_want w where w.credit_id = l.credit_id
                          and (${CHANGED.map((c) => `w.${c}`).join(', ')}) is not distinct from (${CHANGED.map((c) => `l.${c}`).join(', ')}))`,
    [period.id],
  );
  await trx.raw(
    `insert into commission_lines (${LINE_COLUMNS.join(', ')})
     select ${LINE_COLUMNS.map((c) => `w.${c}`).join(', ')} from commission_want w
      where not exists (select 1 from commission_lines l where l.credit_id = w.credit_id)
      order by w.credit_id`,
  );
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

/** Per guide, the period's lines as computed now plus its manual lines: what it would pay as it stands. */
async function computedTotals(
  trx: Knex.Transaction,
  corpId: number,
  period: PeriodRow,
  tz: string,
): Promise<Record<string, number>> {
  const plan = await planForMonth(trx, corpId, period.month.slice(0, 7));
  const q = linesSql(corpId, period, plan, tz);
  const { rows } = await trx.raw<{ rows: { guide_id: number; fen: number }[] }>(
    `select guide_id, sum(amount_fen)::bigint as fen from (
       select guide_id, amount_fen from (${q.sql}) w
       union all
       select guide_id, amount_fen from commission_lines where period_id = :periodId and credit_id is null) x
      group by guide_id order by guide_id`,
    q.bindings,
  );
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

/**
 * open/review → review: a dry run — the period computed as it stands (its credit lines under the
 * plan, and its manual lines), every guide's total snapshotted and compared with the previous
 * review. Nothing is written but the snapshot: statements recompute an open period when read.
 */
export async function reviewPeriod(db: Db, corpId: number, month: string, actor: string): Promise<ReviewResult> {
  const tz = await corpTimezone(db, corpId);
  const p0 = await ensurePeriod(db, corpId, month);
  return db.transaction(async (trx) => {
    await lockPeriod(trx, p0);
    const p = (await trx('commission_periods').where({ id: p0.id }).first<PeriodRow>('*'))!;
    if (p.status === 'closed') throw new AppError('PERIOD_CLOSED', `${month} is closed`, { field: 'month' });
    const totals = await computedTotals(trx, corpId, p, tz);
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
    const m0 = monthStart(month);
    const m1 = nextMonthStart(month);
    // One computation of the period's lines, written locked — and paid, those whose hold ends within
    // the month — in one statement, then checked against the review (a difference rolls it all back).
    // Lines an open-period read stored are replaced; a credit's line only ever lives in the period it
    // lands in, so this period's unlocked lines are all there is to replace.
    await trx('commission_lines').where({ period_id: p.id, locked: false }).whereNotNull('credit_id').delete();
    const plan = await planForMonth(trx, corpId, month);
    const q = linesSql(corpId, p, plan, tz);
    const written = await trx.raw<{ rowCount: number }>(
      `insert into commission_lines (${LINE_COLUMNS.join(', ')}, locked, paid_in_period_id)
       select ${LINE_COLUMNS.map((c) => `w.${c}`).join(', ')}, true, case when w.payable_on < (:m1)::date then w.period_id end
         from (${q.sql}) w`,
      q.bindings,
    );
    const totals = Object.fromEntries(
      (
        await trx('commission_lines')
          .where({ period_id: p.id })
          .groupBy('guide_id')
          .select<{ guide_id: number; fen: number }[]>('guide_id', trx.raw('sum(amount_fen)::bigint as fen'))
      ).map((r) => [String(r.guide_id), r.fen]),
    );
    const last = await trx('commission_reviews')
      .where({ period_id: p.id })
      .orderBy('id', 'desc')
      .first<{ totals: Record<string, number> }>('totals');
    if (diff(last?.totals ?? null, totals).length > 0)
      throw new AppError('CONFLICT', `${month} changed since its last review; review it again`, { field: 'month' });
    const manual = await trx('commission_lines')
      .where({ period_id: p.id })
      .whereNull('credit_id')
      .update({
        locked: true,
        paid_in_period_id: trx.raw('case when payable_on < (?)::date then ?::bigint end', [m1, p.id]),
      });
    // Earlier months' lines whose hold ended this month.
    await trx.raw(
      `update commission_lines l set paid_in_period_id = ?
         from commission_periods cp
        where cp.id = l.period_id and l.corp_id = ? and l.locked and l.paid_in_period_id is null
          and cp.month < (?)::date and l.payable_on < (?)::date`,
      [p.id, corpId, m0, m1],
    );
    const lines = written.rowCount + manual;
    await trx.raw(
      `insert into commission_payouts (period_id, guide_id, corp_id, carry_in_fen, paid_lines_fen, held_fen, payout_fen, carry_out_fen)
       with mine as (
         select guide_id, sum(amount_fen) filter (where paid_in_period_id = ?) as due,
                sum(amount_fen) filter (where period_id = ? and paid_in_period_id is null) as held
           from commission_lines where corp_id = ? and (paid_in_period_id = ? or period_id = ?) group by guide_id),
       carry as (
         select distinct on (po.guide_id) po.guide_id, po.carry_out_fen as fen
           from commission_payouts po join commission_periods cp on cp.id = po.period_id
          where po.corp_id = ? and cp.month < (?)::date order by po.guide_id, cp.month desc),
       g as (select guide_id from mine union select guide_id from carry where fen <> 0)
       select ?, g.guide_id, ?, coalesce(carry.fen, 0), coalesce(mine.due, 0), coalesce(mine.held, 0),
              greatest(0, coalesce(carry.fen, 0) + coalesce(mine.due, 0)), least(0, coalesce(carry.fen, 0) + coalesce(mine.due, 0))
         from g left join mine using (guide_id) left join carry using (guide_id)`,
      [p.id, p.id, corpId, p.id, p.id, corpId, m0, p.id, corpId],
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
  proposed: Pick<Plan, 'rates' | 'tiers' | 'holdDays'> & { categoryRates?: Plan['categoryRates'] | undefined },
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
  const acc = new Map<number, { currentFen: number; proposedFen: number }>();
  for (const [which, plan] of [
    ['currentFen', current],
    ['proposedFen', { ...proposed, version: 0 }],
  ] as const) {
    const q = linesSql(corpId, fake, plan, tz, { wholeMonth: true });
    const { rows } = await db.raw<{ rows: { guide_id: number; fen: number }[] }>(
      `select guide_id, sum(amount_fen)::bigint as fen from (${q.sql}) lines group by guide_id`,
      q.bindings,
    );
    for (const r of rows) {
      const a = acc.get(r.guide_id) ?? { currentFen: 0, proposedFen: 0 };
      a[which] += r.fen;
      acc.set(r.guide_id, a);
    }
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
