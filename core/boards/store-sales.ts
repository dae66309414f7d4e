/**
 * A store's total sales per tenant day (`daily_store_sales`, migration 20261201017200), the
 * denominator of the private-domain share: its orders (POS and mini-program / web shop) plus the
 * sales no order records — live credit lines of WeCom transfer bills that no order names. Triggers
 * on `orders` and `credits` move it in the writers' transactions; `rebuildStoreSales` derives it
 * again, and the two agree (test/integration/boards-rollup.test.ts).
 */
import type { Db } from '../db/knex';

export interface StoreSalesCell {
  day: string;
  store_id: number;
  orders: number;
  net_fen: number;
  outside_orders: number;
  outside_fen: number;
}

/** Replaces a tenant's store-sales rollup by the aggregation of its orders and own-bill lines; returns the rows written. */
export async function rebuildStoreSales(db: Db, corpId: number): Promise<number> {
  return db.transaction(async (trx) => {
    await trx.raw('lock table daily_store_sales in share row exclusive mode');
    await trx('daily_store_sales').where({ corp_id: corpId }).del();
    const tz = `(select timezone from corps where id = ?)`;
    const r = await trx.raw<{ rowCount: number }>(
      `insert into daily_store_sales (corp_id, day, store_id, orders, net_fen, outside_orders, outside_fen)
       select ?, day, store_id, sum(n), sum(f), sum(bn), sum(bf) from (
         select (o.paid_at at time zone ${tz})::date, o.store_id, count(*), sum(o.net_fen), 0, 0
           from orders o where o.corp_id = ? and o.store_id is not null group by 1, 2
         union all
         select (c.occurred_at at time zone ${tz})::date, c.store_id, 0, 0, count(*) filter (where c.kind = 'sale'), sum(c.amount_fen)
           from credits c
          where c.corp_id = ? and c.order_id is null and c.transfer_id is not null and c.store_id is not null and c.superseded_at is null
          group by 1, 2
       ) r (day, store_id, n, f, bn, bf)
       group by 2, 3
       order by 3, 2`,
      [corpId, corpId, corpId, corpId, corpId],
    );
    return r.rowCount;
  });
}

/** A tenant's non-empty store-sales rows in key order (tests and checks). */
export async function storeSalesCells(db: Db, corpId: number): Promise<StoreSalesCell[]> {
  const r = await db.raw<{
    rows: {
      day: string;
      store_id: string;
      orders: number;
      net_fen: string;
      outside_orders: number;
      outside_fen: string;
    }[];
  }>(
    `select to_char(day, 'YYYY-MM-DD') as day, store_id, orders, net_fen, outside_orders, outside_fen
       from daily_store_sales
      where corp_id = ? and (orders <> 0 or net_fen <> 0 or outside_orders <> 0 or outside_fen <> 0)
      order by store_id, day`,
    [corpId],
  );
  return r.rows.map((x) => ({
    day: x.day,
    store_id: Number(x.store_id),
    orders: x.orders,
    net_fen: Number(x.net_fen),
    outside_orders: x.outside_orders,
    outside_fen: Number(x.outside_fen),
  }));
}
