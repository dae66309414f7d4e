/** The sidebar's start-up data and the guide's own numbers (我的业绩). */
import { z } from 'zod';
import type { Bootstrap, Credits } from '../contracts/sidebar';
import type { Db } from '../db/knex';
import { readProductShare } from '../tenant/product-share';
import { AppError } from '../errors';
import type { GuidePrincipal } from './access';

export async function bootstrap(db: Db, p: GuidePrincipal): Promise<Bootstrap> {
  const [me, groups, runs, templates, productShare] = await Promise.all([
    db('guides as g')
      .join('stores as s', 's.id', 'g.store_id')
      .join('corps as k', 'k.id', 'g.corp_id')
      .where({ 'g.id': p.guideId })
      .first<{ storeId: number; storeName: string; name: string; timeZone: string }>(
        's.id as storeId',
        's.name as storeName',
        'g.name',
        'k.timezone as timeZone',
      ),
    db.raw<{ rows: unknown[] }>(
      `select g.id, g.name, g.kind as family, coalesce(json_agg(json_build_object('id', t.id, 'name', t.name) order by t."order", t.id) filter (where t.id is not null), '[]') as tags
         from tag_groups g left join tags t on t.group_id = g.id and t.deleted_at is null
        where g.corp_id = ? and g.deleted_at is null group by g.id order by g."order", g.id`,
      [p.corpId],
    ),
    db('size_runs')
      .where({ corp_id: p.corpId })
      .orderBy('id')
      .select<{ category: string; sizes: string[]; broken_max_left: number; core_sizes: string[] }[]>(
        'category',
        'sizes',
        'broken_max_left',
        'core_sizes',
      ),
    db('coupon_templates').where({ corp_id: p.corpId, enabled: true }).orderBy('id').select<
      {
        id: number;
        name: string;
        kind: 'cash' | 'discount';
        value_fen: number | null;
        discount_bp: number | null;
        min_spend_fen: number;
        valid_days: number | null;
        valid_until: string | null;
      }[]
    >('id', 'name', 'kind', 'value_fen', 'discount_bp', 'min_spend_fen', 'valid_days', db.raw('valid_until::text as valid_until')),
    readProductShare(db, p.corpId),
  ]);
  return {
    me: { userid: p.userid, name: me.name, guideId: p.guideId, storeId: me.storeId, storeName: me.storeName },
    timeZone: me.timeZone,
    tagGroups: z
      .array(
        z.object({
          id: z.number(),
          name: z.string(),
          family: z.enum(['value', 'stage', 'preference', 'size', 'channel', 'custom']),
          tags: z.array(z.object({ id: z.number(), name: z.string() })),
        }),
      )
      .parse(groups.rows),
    sizeRuns: runs.map((r) => ({
      category: r.category,
      sizes: r.sizes,
      brokenMaxLeft: r.broken_max_left,
      coreSizes: r.core_sizes,
    })),
    couponTemplates: templates.map((t) => ({
      id: t.id,
      name: t.name,
      kind: t.kind,
      valueFen: t.value_fen,
      discountBp: t.discount_bp,
      minSpendFen: t.min_spend_fen,
      validDays: t.valid_days,
      validUntil: t.valid_until,
    })),
    productShare,
  };
}

const lineRow = z.object({
  id: z.coerce.number(),
  kind: z.enum(['sale', 'refund', 'adjustment']),
  ref: z.string(),
  at: z.date(),
  amountFen: z.coerce.number(),
  rule: z.enum(['transfer', 'coupon', 'interaction']),
  customer: z.string().nullable(),
  orderId: z.coerce.number().nullable(),
  ruleSetVersion: z.number(),
  evidence: z.record(z.string(), z.unknown()),
  transactionId: z.string().nullable(),
});

export const CREDIT_PAGE = 20;
type Sums = Credits['today'];

/**
 * Sums per period by path (`byRule` keys: transfer, mall, coupon, interaction) from the board
 * rollup (daily_credits: sales, refunds and adjustments of live lines), days counted in the
 * tenant's zone. The one read of the rollup.
 */
async function rollupSums(db: Db, p: GuidePrincipal): Promise<{ today: Sums; month: Sums; lastMonth: Sums }> {
  const sums = await db.raw<{
    rows: { period: 'today' | 'month' | 'lastMonth'; rule: string; orders: number; amount: string | number }[];
  }>(
    `with d as (select (now() at time zone k.timezone)::date as today from corps k where k.id = :corpId),
     b as (select today, date_trunc('month', today)::date as month, (date_trunc('month', today) - interval '1 month')::date as last from d)
     select case when r.day >= b.month then 'month' else 'lastMonth' end as period, r.day = b.today as is_today, r.path::text as rule,
            sum(r.orders)::int as orders, sum(r.amount_fen)::bigint as amount
       from daily_credits r, b
      where r.corp_id = :corpId and r.guide_id = :guideId and r.day >= b.last and r.day <= b.today
      group by 1, 2, 3`,
    { corpId: p.corpId, guideId: p.guideId },
  );
  const empty = (): Sums => ({ totalFen: 0, orders: 0, byRule: {} });
  const out = { today: empty(), month: empty(), lastMonth: empty() };
  for (const s of sums.rows as ((typeof sums.rows)[number] & { is_today: boolean })[]) {
    const buckets = s.period === 'lastMonth' ? [out.lastMonth] : s.is_today ? [out.today, out.month] : [out.month];
    for (const bucket of buckets) {
      bucket.totalFen += Number(s.amount);
      bucket.orders += s.orders;
      bucket.byRule[s.rule] = (bucket.byRule[s.rule] ?? 0) + Number(s.amount);
    }
  }
  return out;
}

/** "<epoch ms>:<credit id>" of the last line of a page. */
const CURSOR = /^(\d{1,15}):(\d{1,19})$/;

/**
 * Today, this month and last month by path; the guide's ledger lines — sales, refunds and
 * adjustments — newest first, a page at a time, each with its receipt (rule, rule-set version, evidence).
 */
export async function myCredits(db: Db, p: GuidePrincipal, cursor?: string): Promise<Credits> {
  const m = cursor ? CURSOR.exec(cursor) : null;
  if (cursor && !m)
    throw new AppError('VALIDATION_FAILED', 'cursor is not one this API gave', { field: 'query.cursor' });
  const sums = await rollupSums(db, p);
  const lines = await db.raw<{ rows: unknown[] }>(
    `select cr.id, cr.kind::text as kind, coalesce(o.order_no, t.transaction_id) as ref, cr.occurred_at as at, cr.amount_fen as "amountFen", cr.rule,
            c.name as customer, cr.order_id as "orderId", cr.rule_set_version as "ruleSetVersion", cr.evidence, t.transaction_id as "transactionId"
       from credits cr
       left join orders o on o.id = cr.order_id
       left join transfers t on t.id = cr.transfer_id
       left join customers c on c.id = coalesce(o.customer_id, t.customer_id)
      where cr.corp_id = :corpId and cr.guide_id = :guideId and cr.superseded_at is null
        and (:beforeAt::timestamptz is null or (cr.occurred_at, cr.id) < (:beforeAt::timestamptz, :beforeId::bigint))
      order by cr.occurred_at desc, cr.id desc limit :limit`,
    {
      corpId: p.corpId,
      guideId: p.guideId,
      beforeAt: m ? new Date(Number(m[1])).toISOString() : null,
      beforeId: m ? m[2]! : null,
      limit: CREDIT_PAGE + 1,
    },
  );
  const rows = z.array(lineRow).parse(lines.rows);
  const page = rows.slice(0, CREDIT_PAGE);
  const last = page[page.length - 1];
  return {
    ...sums,
    nextCursor: rows.length > CREDIT_PAGE && last ? `${last.at.getTime()}:${last.id}` : null,
    latest: page.map((r) => ({
      id: r.id,
      kind: r.kind,
      ref: r.ref,
      at: r.at.toISOString(),
      amountFen: r.amountFen,
      rule: r.rule,
      customer: r.customer,
      orderId: r.orderId,
      ruleSetVersion: r.ruleSetVersion,
      evidence: {
        ...(typeof r.evidence.kind === 'string' ? { kind: r.evidence.kind } : {}),
        ...(typeof r.evidence.lastAt === 'string' ? { lastAt: r.evidence.lastAt } : {}),
        ...(typeof r.evidence.code === 'string' ? { code: r.evidence.code } : {}),
        ...(r.transactionId ? { transactionId: r.transactionId } : {}),
        ...(Array.isArray(r.evidence.interactionIds) ? { interactionIds: r.evidence.interactionIds.map(String) } : {}),
      },
    })),
  };
}
