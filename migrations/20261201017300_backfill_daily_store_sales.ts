import type { Knex } from 'knex';

/** Fills `daily_store_sales` from the orders and live own-bill lines already stored (as core/boards/store-sales.ts rebuilds it). */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('lock table daily_store_sales in share row exclusive mode');
  await knex.raw(`
    insert into daily_store_sales (corp_id, day, store_id, orders, net_fen, outside_orders, outside_fen)
    select corp_id, day, store_id, sum(n), sum(f), sum(bn), sum(bf) from (
      select o.corp_id, (o.paid_at at time zone k.timezone)::date, o.store_id, count(*), sum(o.net_fen), 0, 0
        from orders o join corps k on k.id = o.corp_id where o.store_id is not null group by 1, 2, 3
      union all
      select c.corp_id, (c.occurred_at at time zone k.timezone)::date, c.store_id, 0, 0, count(*) filter (where c.kind = 'sale'), sum(c.amount_fen)
        from credits c join corps k on k.id = c.corp_id
       where c.order_id is null and c.transfer_id is not null and c.store_id is not null and c.superseded_at is null
       group by 1, 2, 3
    ) r (corp_id, day, store_id, n, f, bn, bf)
    group by 1, 2, 3`);
  await knex.raw('analyze daily_store_sales');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('truncate daily_store_sales');
}
