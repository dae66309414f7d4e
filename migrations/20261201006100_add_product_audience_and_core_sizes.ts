import type { Knex } from 'knex';

/** Who a style is for (matches fit the person), and the core sizes whose loss makes a run broken (断码). */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table products add column audience text not null default 'unisex'
    constraint products_audience check (audience in ('women', 'men', 'unisex', 'kids'))`);
  await knex.raw(`comment on column products.audience is 'women, men, unisex or kids: who the style fits'`);
  await knex.raw(`alter table size_runs add column core_sizes text[] not null default '{}'`);
  await knex.raw(
    `comment on column size_runs.core_sizes is 'a style missing any of these sizes in a store is a broken run, however many others are left'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table size_runs drop column core_sizes');
  await knex.raw('alter table products drop column audience');
}
