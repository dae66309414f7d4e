import type { Knex } from 'knex';

/**
 * A store's total sales per tenant day, the denominator of the private-domain share, as a rollup:
 * - `orders`, `net_fen`: the store's orders (POS, mini-program / web shop) by `paid_at`;
 * - `outside_orders`, `outside_fen`: sales no order records — the live credit lines of WeCom
 *   transfer bills that no order names (rule T: a sale taken by 对外收款 that the till never saw),
 *   by the line's day and store, refunds included.
 * Without the second part a store whose guides sold by transfer alone showed a private-domain
 * share above 100 %. Orders move it by statement-level triggers (one aggregate per statement);
 * bill lines by row-level triggers whose WHEN lets every other credit line pass at no cost. The
 * rebuild (core/boards/store-sales.ts) derives the same rows.
 */
const DELTA = {
  insert: `select x.corp_id, (x.paid_at at time zone k.timezone)::date, x.store_id, 1, x.net_fen from new_rows x join corps k on k.id = x.corp_id where x.store_id is not null`,
  delete: `select x.corp_id, (x.paid_at at time zone k.timezone)::date, x.store_id, -1, -x.net_fen from old_rows x join corps k on k.id = x.corp_id where x.store_id is not null`,
};
const upsert = (rows: string) => `
  insert into daily_store_sales as d (corp_id, day, store_id, orders, net_fen)
  select corp_id, day, store_id, sum(n), sum(f) from (${rows}) r (corp_id, day, store_id, n, f)
   group by 1, 2, 3 having sum(n) <> 0 or sum(f) <> 0 order by 3, 2
  on conflict (store_id, day) do update set orders = d.orders + excluded.orders, net_fen = d.net_fen + excluded.net_fen;`;

const OWN_BILL = (r: 'new' | 'old') =>
  `${r}.order_id is null and ${r}.transfer_id is not null and ${r}.store_id is not null`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table daily_store_sales (
      corp_id bigint not null,
      day date not null,
      store_id bigint not null,
      orders integer not null default 0,
      net_fen bigint not null default 0,
      outside_orders integer not null default 0,
      outside_fen bigint not null default 0,
      primary key (store_id, day)
    )`);
  await knex.raw(`comment on column daily_store_sales.day is 'in the tenant''s time zone'`);
  await knex.raw(`create index daily_store_sales_corp_day on daily_store_sales (corp_id, day)`);

  const ops = {
    insert: ['new table as new_rows', DELTA.insert],
    delete: ['old table as old_rows', DELTA.delete],
    update: ['old table as old_rows new table as new_rows', `${DELTA.delete} union all ${DELTA.insert}`],
  } as const;
  for (const [op, [transition, rows]] of Object.entries(ops)) {
    await knex.raw(`
      create function gp_store_sales_orders_${op}() returns trigger language plpgsql as $fn$
      begin
        ${upsert(rows)}
        return null;
      end $fn$`);
    await knex.raw(`
      create trigger orders_store_sales_${op} after ${op} on orders
        referencing ${transition} for each statement execute function gp_store_sales_orders_${op}()`);
  }

  // A live own-bill line: +1 sale (refund lines count no order) and its amount; leaving the live set: the reverse.
  await knex.raw(`
    create function gp_store_sales_bill_line() returns trigger language plpgsql as $fn$
    declare
      r credits%rowtype;
      sign integer;
    begin
      if tg_op = 'INSERT' then r := new; sign := 1; else r := old; sign := -1; end if;
      insert into daily_store_sales as d (corp_id, day, store_id, outside_orders, outside_fen)
      select r.corp_id, (r.occurred_at at time zone k.timezone)::date, r.store_id,
             sign * (r.kind = 'sale')::int, sign * r.amount_fen
        from corps k where k.id = r.corp_id
      on conflict (store_id, day) do update
        set outside_orders = d.outside_orders + excluded.outside_orders, outside_fen = d.outside_fen + excluded.outside_fen;
      return null;
    end $fn$`);
  await knex.raw(`
    create trigger credits_store_sales_insert after insert on credits for each row
      when (${OWN_BILL('new')} and new.superseded_at is null) execute function gp_store_sales_bill_line()`);
  await knex.raw(`
    create trigger credits_store_sales_supersede after update of superseded_at on credits for each row
      when (${OWN_BILL('old')} and old.superseded_at is null and new.superseded_at is not null)
      execute function gp_store_sales_bill_line()`);
  await knex.raw(`
    create trigger credits_store_sales_delete after delete on credits for each row
      when (${OWN_BILL('old')} and old.superseded_at is null) execute function gp_store_sales_bill_line()`);
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['insert', 'supersede', 'delete']) await knex.raw(`drop trigger credits_store_sales_${t} on credits`);
  await knex.raw('drop function gp_store_sales_bill_line()');
  for (const op of ['insert', 'update', 'delete']) {
    await knex.raw(`drop trigger orders_store_sales_${op} on orders`);
    await knex.raw(`drop function gp_store_sales_orders_${op}()`);
  }
  await knex.raw('drop table daily_store_sales');
}
