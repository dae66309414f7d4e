import { z } from 'zod';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { arithmetic } from './money';
import { ensurePeriod, nextMonthStart, syncPeriod, type PeriodRow } from './periods';

export const statementLineView = z.object({
  lineId: z.number(),
  kind: z.enum(['earn', 'clawback', 'adjustment']),
  occurredOn: z.string(),
  payableOn: z.string(),
  baseFen: z.number().int(),
  rateBp: z.number().int(),
  amountFen: z.number().int(),
  linksLineId: z.number().nullable(),
  note: z.string().nullable(),
  /** Why it was credited: the credit line and its rule, evidence and rule-set version (the trail). */
  receipt: z.object({
    creditId: z.number().nullable(),
    creditKind: z.string().nullable(),
    rule: z.string().nullable(),
    ruleSetVersion: z.number().nullable(),
    planVersion: z.number().nullable(),
    /** The product category whose rate the line took (null: the path's rate). */
    category: z.string().nullable(),
    orderId: z.number().nullable(),
    orderNo: z.string().nullable(),
    transferId: z.number().nullable(),
    evidence: z.unknown(),
    arithmetic: z.string(),
    trailPath: z.string().nullable(),
  }),
});
export type StatementLine = z.infer<typeof statementLineView>;

export const totalsView = z.object({
  earnFen: z.number().int(),
  clawbackFen: z.number().int(),
  adjustmentFen: z.number().int(),
  totalFen: z.number().int(),
  heldFen: z.number().int(),
});

export const payoutView = z
  .object({
    carryInFen: z.number().int(),
    paidLinesFen: z.number().int(),
    heldFen: z.number().int(),
    payoutFen: z.number().int(),
    carryOutFen: z.number().int(),
  })
  .nullable();

export const statementView = z.object({
  month: z.string(),
  status: z.string(),
  guide: z.object({ id: z.number(), name: z.string(), storeId: z.number(), storeName: z.string() }),
  totals: totalsView,
  payout: payoutView,
  lines: z.array(statementLineView),
});
export type Statement = z.infer<typeof statementView>;

interface LineRow {
  id: number;
  kind: 'earn' | 'clawback' | 'adjustment';
  occurred_on: string;
  payable_on: string;
  base_fen: number;
  rate_bp: number;
  amount_fen: number;
  links_line_id: number | null;
  note: string | null;
  credit_id: number | null;
  credit_kind: string | null;
  rule: string | null;
  rule_set_version: number | null;
  plan_version: number | null;
  category: string | null;
  order_id: number | null;
  order_no: string | null;
  transfer_id: number | null;
  evidence: unknown;
}

const toLine = (r: LineRow): StatementLine => ({
  lineId: r.id,
  kind: r.kind,
  occurredOn: r.occurred_on,
  payableOn: r.payable_on,
  baseFen: r.base_fen,
  rateBp: r.rate_bp,
  amountFen: r.amount_fen,
  linksLineId: r.links_line_id,
  note: r.note,
  receipt: {
    creditId: r.credit_id,
    creditKind: r.credit_kind,
    rule: r.rule,
    ruleSetVersion: r.rule_set_version,
    planVersion: r.plan_version,
    category: r.category,
    orderId: r.order_id,
    orderNo: r.order_no,
    transferId: r.transfer_id,
    evidence: r.evidence ?? null,
    arithmetic: r.credit_id === null ? `manual: ${r.amount_fen}` : arithmetic(r.base_fen, r.rate_bp, r.amount_fen),
    trailPath: r.order_id === null ? null : `/api/attribution/orders/${r.order_id}/trail`,
  },
});

/** The lines of a period (optionally one guide), each with its receipt, in a stable order. */
export async function periodLines(
  db: Db,
  periodId: number,
  guideId?: number,
): Promise<(StatementLine & { guideId: number })[]> {
  const q = db('commission_lines as l')
    .leftJoin('credits as c', 'c.id', 'l.credit_id')
    .leftJoin('orders as o', 'o.id', 'c.order_id')
    .where('l.period_id', periodId)
    .orderBy([{ column: 'l.guide_id' }, { column: 'l.occurred_on' }, { column: 'l.credit_id' }, { column: 'l.id' }])
    .select<(LineRow & { guide_id: number })[]>(
      'l.id',
      'l.guide_id',
      'l.kind',
      db.raw(`to_char(l.occurred_on, 'YYYY-MM-DD') as occurred_on`),
      db.raw(`to_char(l.payable_on, 'YYYY-MM-DD') as payable_on`),
      'l.base_fen',
      'l.rate_bp',
      'l.amount_fen',
      'l.links_line_id',
      'l.note',
      'l.credit_id',
      db.raw('c.kind::text as credit_kind'),
      db.raw('l.rule::text as rule'),
      'c.rule_set_version',
      'l.plan_version',
      'l.category',
      'c.order_id',
      'o.order_no',
      'c.transfer_id',
      'c.evidence',
    );
  if (guideId !== undefined) void q.where('l.guide_id', guideId);
  return (await q).map((r) => ({ ...toLine(r), guideId: r.guide_id }));
}

/** Every total is a sum of lines. Held: lines whose hold runs past the month's end. */
export function totalsOf(lines: Pick<StatementLine, 'kind' | 'amountFen' | 'payableOn'>[], monthEnd: string) {
  const t = { earnFen: 0, clawbackFen: 0, adjustmentFen: 0, totalFen: 0, heldFen: 0 };
  for (const l of lines) {
    t[`${l.kind}Fen`] += l.amountFen;
    t.totalFen += l.amountFen;
    if (l.payableOn >= monthEnd) t.heldFen += l.amountFen;
  }
  return t;
}

async function periodFor(db: Db, corpId: number, month: string): Promise<PeriodRow> {
  const p = await ensurePeriod(db, corpId, month);
  return p.status === 'closed' ? p : syncPeriod(db, corpId, month);
}

/** A guide's statement for a month; an open period is brought up to date first (a live dry run). */
export async function guideStatement(db: Db, corpId: number, month: string, guideId: number): Promise<Statement> {
  const guide = await db('guides as g')
    .join('stores as s', 's.id', 'g.store_id')
    .where({ 'g.id': guideId, 'g.corp_id': corpId })
    .first<{ id: number; name: string; store_id: number; store_name: string } | undefined>(
      'g.id',
      'g.name',
      'g.store_id',
      's.name as store_name',
    );
  if (!guide) throw new AppError('NOT_FOUND', 'no such guide', { field: 'guideId' });
  const p = await periodFor(db, corpId, month);
  const lines = await periodLines(db, p.id, guideId);
  const po = await db('commission_payouts')
    .where({ period_id: p.id, guide_id: guideId })
    .first<
      | { carry_in_fen: number; paid_lines_fen: number; held_fen: number; payout_fen: number; carry_out_fen: number }
      | undefined
    >('*');
  return {
    month,
    status: p.status,
    guide: { id: guide.id, name: guide.name, storeId: guide.store_id, storeName: guide.store_name },
    totals: totalsOf(lines, nextMonthStart(month)),
    payout: po
      ? {
          carryInFen: po.carry_in_fen,
          paidLinesFen: po.paid_lines_fen,
          heldFen: po.held_fen,
          payoutFen: po.payout_fen,
          carryOutFen: po.carry_out_fen,
        }
      : null,
    lines: lines.map(({ guideId: _g, ...l }) => l),
  };
}

export const summaryRowView = z.object({
  key: z.string(),
  name: z.string(),
  guides: z.number().int(),
  lines: z.number().int(),
  earnFen: z.number().int(),
  clawbackFen: z.number().int(),
  adjustmentFen: z.number().int(),
  totalFen: z.number().int(),
  payoutFen: z.number().int().nullable(),
});
export type SummaryRow = z.infer<typeof summaryRowView>;
export type SummaryLevel = 'guide' | 'store' | 'region' | 'corp';

/** Per guide / store / region / corp, summed from the same lines as the statements (so they agree). */
export async function periodSummary(
  db: Db,
  corpId: number,
  month: string,
  level: SummaryLevel,
  guideIds?: number[],
): Promise<{ month: string; status: string; rows: SummaryRow[] }> {
  const p = await periodFor(db, corpId, month);
  const keyExpr = {
    guide: `g.id::text`,
    store: `s.id::text`,
    region: `r.id::text`,
    corp: `'corp'`,
  }[level];
  const nameExpr = { guide: 'g.name', store: 's.name', region: 'r.name', corp: `'all'` }[level];
  const { rows } = await db.raw<{
    rows: {
      key: string;
      name: string;
      guides: number;
      lines: number;
      earn: number;
      clawback: number;
      adjustment: number;
      total: number;
      payout: number | null;
    }[];
  }>(
    `with per_guide as (
       select l.guide_id, count(*)::int as lines,
              coalesce(sum(l.amount_fen) filter (where l.kind = 'earn'), 0)::bigint as earn,
              coalesce(sum(l.amount_fen) filter (where l.kind = 'clawback'), 0)::bigint as clawback,
              coalesce(sum(l.amount_fen) filter (where l.kind = 'adjustment'), 0)::bigint as adjustment,
              sum(l.amount_fen)::bigint as total
         from commission_lines l where l.period_id = ? group by l.guide_id),
     guides_in as (
       select guide_id from per_guide union select guide_id from commission_payouts where period_id = ?)
     select ${keyExpr} as key, min(${nameExpr}) as name, count(*)::int as guides,
            coalesce(sum(pg.lines), 0)::int as lines, coalesce(sum(pg.earn), 0)::bigint as earn,
            coalesce(sum(pg.clawback), 0)::bigint as clawback, coalesce(sum(pg.adjustment), 0)::bigint as adjustment,
            coalesce(sum(pg.total), 0)::bigint as total, sum(po.payout_fen)::bigint as payout
       from guides_in gi join guides g on g.id = gi.guide_id join stores s on s.id = g.store_id
       left join regions r on r.id = s.region_id
       left join per_guide pg on pg.guide_id = gi.guide_id
       left join commission_payouts po on po.period_id = ? and po.guide_id = gi.guide_id
      where g.corp_id = ? ${guideIds ? 'and g.id = any(?)' : ''}
      group by 1 order by 1`,
    [p.id, p.id, p.id, corpId, ...(guideIds ? [guideIds] : [])],
  );
  return {
    month,
    status: p.status,
    rows: rows.map((r) => ({
      key: r.key,
      name: r.name,
      guides: r.guides,
      lines: r.lines,
      earnFen: r.earn,
      clawbackFen: r.clawback,
      adjustmentFen: r.adjustment,
      totalFen: r.total,
      payoutFen: p.status === 'closed' ? (r.payout ?? 0) : null,
    })),
  };
}
