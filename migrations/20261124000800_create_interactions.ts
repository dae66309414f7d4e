import type { Knex } from 'knex';

/**
 * Guide–customer interactions, the evidence of the 7-day window rule. Append-only and the
 * largest table, so range-partitioned by month on occurred_at, with a default partition that
 * catches anything outside the pre-created months (a maintenance job adds months ahead).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create type interaction_kind as enum (
      'script_send', 'product_share', 'coupon_issue', 'message', 'customer_added', 'call', 'transfer', 'archive_message', 'behavior'
    )`);
  await knex.raw(`
    create table interactions (
      id bigint generated always as identity,
      corp_id bigint not null references corps(id) on delete cascade,
      guide_id bigint not null references guides(id),
      customer_id bigint not null references customers(id) on delete cascade,
      occurred_at timestamptz not null,
      kind interaction_kind not null,
      source varchar(16) not null,
      evidence_id varchar(96) not null,
      detail jsonb not null default '{}',
      ingested_at timestamptz not null default now(),
      primary key (occurred_at, id),
      unique (corp_id, source, evidence_id, occurred_at)
    ) partition by range (occurred_at)`);
  await knex.raw(
    'create index interactions_customer_time on interactions (customer_id, occurred_at desc) include (guide_id, kind)',
  );
  await knex.raw('create index interactions_guide_time on interactions (guide_id, occurred_at desc)');
  await knex.raw(`
    create or replace function gp_ensure_month_partitions(tbl text, from_month date, months int) returns void
    language plpgsql as $$
    declare m date; name text;
    begin
      for i in 0..months - 1 loop
        m := (date_trunc('month', from_month) + make_interval(months => i))::date;
        name := format('%s_%s', tbl, to_char(m, 'YYYYMM'));
        if to_regclass(name) is null then
          execute format('create table %I partition of %I for values from (%L) to (%L)', name, tbl,
                         m::timestamptz, (m + interval '1 month')::timestamptz);
        end if;
      end loop;
    end $$`);
  await knex.raw(`select gp_ensure_month_partitions('interactions', '2025-01-01', 48)`);
  await knex.raw('create table interactions_default partition of interactions default');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table interactions');
  await knex.raw('drop function gp_ensure_month_partitions(text, date, int)');
  await knex.raw('drop type interaction_kind');
}
