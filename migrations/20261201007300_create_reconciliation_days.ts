import type { Knex } from 'knex';

/**
 * One reconciliation per store and business day: POS, WeCom transfer bills and credited totals
 * side by side, each difference with its reason, and what no reason explains.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reconciliation_days', (t) => {
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('store_id').notNullable().references('stores.id');
    t.date('day').notNullable().comment("in the tenant's time zone");
    t.jsonb('totals').notNullable();
    t.jsonb('differences').notNullable().defaultTo('[]');
    t.bigInteger('unexplained_fen').notNullable().defaultTo(0);
    t.boolean('clean').notNullable();
    t.timestamp('reconciled_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['corp_id', 'store_id', 'day']);
  });
  await knex.raw('create index reconciliation_days_not_clean on reconciliation_days (corp_id, day) where not clean');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('reconciliation_days');
}
