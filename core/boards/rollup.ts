/**
 * The board rollup `daily_credits`: one row per (tenant day, store, guide, path) of the live credit
 * lines. The attribution engine moves it in the same statement as the lines (writeLines in
 * core/attribution/attribution.service.ts, with `PATH_OF_LINE`); `rebuildRollup` derives it again
 * from the ledger, and the two agree cell by cell (test/integration/boards-rollup.test.ts).
 */
import type { Db } from '../db/knex';

/** The private-domain value model's paths: direct (transfer, mall) and indirect (coupon, interaction). */
export const PATHS = ['transfer', 'mall', 'coupon', 'interaction'] as const;
export type CreditPath = (typeof PATHS)[number];
export const DIRECT_PATHS: readonly CreditPath[] = ['transfer', 'mall'];

/**
 * A line's path from its rule and its order's source: a transfer is direct whatever it paid; an
 * order from the mini-program / web shop (`mall`) is direct, shown apart from store orders; a
 * store order is credited by a coupon or a 7-day interaction (indirect).
 */
export const pathOfLine = (rule: string, source: string | null) =>
  `(case when ${rule} = 'transfer' then 'transfer' when ${source} = 'mall' then 'mall' else ${rule}::text end)::credit_path`;

/** Replaces a tenant's rollup by the aggregation of its live lines; returns the cells written. */
export async function rebuildRollup(db: Db, corpId: number): Promise<number> {
  return db.transaction(async (trx) => {
    // Writers move cells under the orders' row locks; a rebuild takes the whole table for the tenant.
    await trx.raw('lock table daily_credits in share row exclusive mode');
    await trx('daily_credits').where({ corp_id: corpId }).del();
    const r = await trx.raw<{ rowCount: number }>(
      `insert into daily_credits (corp_id, day, store_id, guide_id, path, orders, amount_fen)
       select c.corp_id, (c.occurred_at at time zone k.timezone)::date as day, c.store_id, c.guide_id, ${pathOfLine('c.rule', 'o.source')},
              (count(*) filter (where c.kind = 'sale'))::int, sum(c.amount_fen)
         from credits c join corps k on k.id = c.corp_id left join orders o on o.id = c.order_id
        where c.corp_id = ? and c.superseded_at is null
        group by 1, 2, 3, 4, 5
       having count(*) filter (where c.kind = 'sale') <> 0 or sum(c.amount_fen) <> 0
        order by 4, 2, 3, 5`,
      [corpId],
    );
    return r.rowCount;
  });
}

/** A tenant's non-empty cells in key order, as comparable rows (tests and checks). */
export async function rollupCells(
  db: Db,
  corpId: number,
): Promise<
  { day: string; store_id: number | null; guide_id: number; path: CreditPath; orders: number; amount_fen: number }[]
> {
  const r = await db.raw<{
    rows: {
      day: string;
      store_id: string | null;
      guide_id: string;
      path: CreditPath;
      orders: number;
      amount_fen: string;
    }[];
  }>(
    `select to_char(day, 'YYYY-MM-DD') as day, store_id, guide_id, path::text as path, orders, amount_fen
       from daily_credits where corp_id = ? and (orders <> 0 or amount_fen <> 0) order by guide_id, day, store_id nulls first, path`,
    [corpId],
  );
  return r.rows.map((c) => ({
    day: c.day,
    store_id: c.store_id === null ? null : Number(c.store_id),
    guide_id: Number(c.guide_id),
    path: c.path,
    orders: c.orders,
    amount_fen: Number(c.amount_fen),
  }));
}
