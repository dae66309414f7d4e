import type { Knex } from 'knex';

/**
 * The board rollup becomes exact per store and follows the private-domain value model: one row
 * per (tenant day, store, guide, path) where path is `transfer` (WeCom 对外收款), `mall`
 * (mini-program / web-shop orders credited by a coupon or a chat), `coupon` and `interaction`
 * (store orders). `guide_daily_credits` was keyed (guide, day, rule) with max(store_id), so a guide
 * who moved stores within a day credited one store with the other's sales. The new table is
 * filled from the live ledger (the same aggregation as core/boards/rollup.ts rebuildRollup).
 * A store may be unknown (a bill from a guide without a store): the key treats nulls as equal.
 */
const fill = (table: string, key: string) => `
  insert into ${table}
  select c.corp_id, (c.occurred_at at time zone k.timezone)::date as day, c.store_id, c.guide_id, ${key},
         (count(*) filter (where c.kind = 'sale'))::int, sum(c.amount_fen)
    from credits c join corps k on k.id = c.corp_id left join orders o on o.id = c.order_id
   where c.superseded_at is null
   group by 1, 2, 3, 4, 5
  having count(*) filter (where c.kind = 'sale') <> 0 or sum(c.amount_fen) <> 0`;

const PATH = `(case when c.rule = 'transfer' then 'transfer' when o.source = 'mall' then 'mall' else c.rule::text end)::credit_path`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create type credit_path as enum ('transfer', 'mall', 'coupon', 'interaction')`);
  await knex.raw(`
    create table daily_credits (
      corp_id bigint not null,
      day date not null,
      store_id bigint,
      guide_id bigint not null,
      path credit_path not null,
      orders integer not null default 0,
      amount_fen bigint not null default 0
    )`);
  await knex.raw(`comment on column daily_credits.day is 'in the tenant''s time zone'`);
  await knex.raw(
    `create unique index daily_credits_cell on daily_credits (guide_id, day, store_id, path) nulls not distinct`,
  );
  await knex.raw(`create index daily_credits_corp_day on daily_credits (corp_id, day)`);
  await knex.raw(`create index daily_credits_store_day on daily_credits (store_id, day)`);
  await knex.raw(fill('daily_credits (corp_id, day, store_id, guide_id, path, orders, amount_fen)', PATH));
  await knex.schema.dropTable('guide_daily_credits');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.createTable('guide_daily_credits', (t) => {
    t.bigInteger('corp_id').notNullable();
    t.bigInteger('guide_id').notNullable();
    t.bigInteger('store_id');
    t.date('day').notNullable().comment("in the tenant's time zone");
    t.specificType('rule', 'credit_rule').notNullable();
    t.integer('orders').notNullable().defaultTo(0);
    t.bigInteger('amount_fen').notNullable().defaultTo(0);
    t.primary(['guide_id', 'day', 'rule']);
    t.index(['corp_id', 'day']);
  });
  // Rebuilt from the ledger in the old shape: a cell's store is the largest of its lines' stores.
  await knex.raw(`
    insert into guide_daily_credits (corp_id, day, store_id, guide_id, rule, orders, amount_fen)
    select c.corp_id, (c.occurred_at at time zone k.timezone)::date as day, max(c.store_id), c.guide_id, c.rule,
           (count(*) filter (where c.kind = 'sale'))::int, sum(c.amount_fen)
      from credits c join corps k on k.id = c.corp_id
     where c.superseded_at is null
     group by c.corp_id, 2, c.guide_id, c.rule
    having count(*) filter (where c.kind = 'sale') <> 0 or sum(c.amount_fen) <> 0`);
  await knex.schema.dropTable('daily_credits');
  await knex.raw('drop type credit_path');
}
