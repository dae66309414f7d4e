/** The sidebar's start-up data and the guide's own numbers (我的业绩). */
import { z } from 'zod';
import type { Bootstrap, Credits } from '../contracts/sidebar';
import type { Db } from '../db/knex';
import { readProductShare } from '../tenant/product-share';
import type { GuidePrincipal } from './access';

export async function bootstrap(db: Db, p: GuidePrincipal): Promise<Bootstrap> {
  const [me, groups, runs, templates, productShare] = await Promise.all([
    db('guides as g')
      .join('stores as s', 's.id', 'g.store_id')
      .where({ 'g.id': p.guideId })
      .first<{ storeId: number; storeName: string; name: string }>('s.id as storeId', 's.name as storeName', 'g.name'),
    db.raw<{ rows: unknown[] }>(
      `select g.id, g.name, g.kind as family, coalesce(json_agg(json_build_object('id', t.id, 'name', t.name) order by t."order", t.id) filter (where t.id is not null), '[]') as tags
         from tag_groups g left join tags t on t.group_id = g.id and t.deleted_at is null
        where g.corp_id = ? and g.deleted_at is null group by g.id order by g."order", g.id`,
      [p.corpId],
    ),
    db('size_runs')
      .where({ corp_id: p.corpId })
      .orderBy('id')
      .select<{ category: string; sizes: string[]; broken_max_left: number }[]>('category', 'sizes', 'broken_max_left'),
    db('coupon_templates').where({ corp_id: p.corpId, enabled: true }).orderBy('id').select<
      {
        id: number;
        name: string;
        kind: 'cash' | 'discount';
        value_fen: number | null;
        discount_bp: number | null;
        min_spend_fen: number;
        valid_days: number;
      }[]
    >('id', 'name', 'kind', 'value_fen', 'discount_bp', 'min_spend_fen', 'valid_days'),
    readProductShare(db, p.corpId),
  ]);
  return {
    me: { userid: p.userid, name: me.name, guideId: p.guideId, storeId: me.storeId, storeName: me.storeName },
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
    sizeRuns: runs.map((r) => ({ category: r.category, sizes: r.sizes, brokenMaxLeft: r.broken_max_left })),
    couponTemplates: templates.map((t) => ({
      id: t.id,
      name: t.name,
      kind: t.kind,
      valueFen: t.value_fen,
      discountBp: t.discount_bp,
      minSpendFen: t.min_spend_fen,
      validDays: t.valid_days,
    })),
    productShare,
  };
}

const latestRow = z.object({
  ref: z.string(),
  at: z.date(),
  amountFen: z.number(),
  rule: z.enum(['transfer', 'coupon', 'interaction']),
  customer: z.string().nullable(),
  evidence: z.record(z.string(), z.unknown()),
  transactionId: z.string().nullable(),
});

/**
 * Today and this month (tenant time zone) by path (`byRule` keys: transfer, mall, coupon, interaction),
 * from the daily rollup; the latest live credits with their evidence.
 */
export async function myCredits(db: Db, p: GuidePrincipal): Promise<Credits> {
  const sums = await db.raw<{ rows: { period: 'today' | 'month'; rule: string; orders: number; amount: number }[] }>(
    `with d as (select (now() at time zone k.timezone)::date as today from corps k where k.id = :corpId)
     select case when r.day = d.today then 'today' else 'month' end as period, r.path::text as rule, sum(r.orders)::int as orders, sum(r.amount_fen)::bigint as amount
       from daily_credits r, d
      where r.corp_id = :corpId and r.guide_id = :guideId and r.day >= date_trunc('month', d.today)::date and r.day <= d.today
      group by 1, 2`,
    { corpId: p.corpId, guideId: p.guideId },
  );
  const empty = () => ({ totalFen: 0, orders: 0, byRule: {} as Record<string, number> });
  const today = empty();
  const month = empty();
  for (const s of sums.rows) {
    for (const bucket of s.period === 'today' ? [today, month] : [month]) {
      bucket.totalFen += s.amount;
      bucket.orders += s.orders;
      bucket.byRule[s.rule] = (bucket.byRule[s.rule] ?? 0) + s.amount;
    }
  }
  const latest = await db.raw<{ rows: unknown[] }>(
    `select coalesce(o.order_no, t.transaction_id) as ref, cr.occurred_at as at, cr.amount_fen as "amountFen", cr.rule, c.name as customer, cr.evidence, t.transaction_id as "transactionId"
       from credits cr
       left join orders o on o.id = cr.order_id
       left join transfers t on t.id = cr.transfer_id
       left join customers c on c.id = coalesce(o.customer_id, t.customer_id)
      where cr.corp_id = :corpId and cr.guide_id = :guideId and cr.superseded_at is null and cr.kind = 'sale'
      order by cr.occurred_at desc, cr.id desc limit 10`,
    { corpId: p.corpId, guideId: p.guideId },
  );
  return {
    today,
    month,
    latest: z
      .array(latestRow)
      .parse(latest.rows)
      .map((r) => ({
        ref: r.ref,
        at: r.at.toISOString(),
        amountFen: r.amountFen,
        rule: r.rule,
        customer: r.customer,
        evidence: {
          ...(typeof r.evidence.kind === 'string' ? { kind: r.evidence.kind } : {}),
          ...(typeof r.evidence.lastAt === 'string' ? { lastAt: r.evidence.lastAt } : {}),
          ...(typeof r.evidence.code === 'string' ? { code: r.evidence.code } : {}),
          ...(r.transactionId ? { transactionId: r.transactionId } : {}),
        },
      })),
  };
}
