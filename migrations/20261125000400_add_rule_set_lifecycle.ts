import type { Knex } from 'knex';

/**
 * Rule sets are proposed, then activated; only active versions judge orders. Every proposal and
 * activation is kept in the change log with who did it and why.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rule_sets', (t) => {
    t.string('status', 16).notNullable().defaultTo('active');
    t.timestamp('activated_at', { useTz: true });
    t.string('activated_by', 64);
  });
  await knex.raw(`alter table rule_sets add constraint rule_sets_status check (status in ('proposed', 'active'))`);
  await knex.schema.createTable('rule_set_changes', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.string('action', 16).notNullable().comment('proposed | activated');
    t.string('actor', 64).notNullable();
    t.text('note').notNullable().defaultTo('');
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['corp_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rule_set_changes');
  await knex.raw('alter table rule_sets drop constraint rule_sets_status');
  await knex.schema.alterTable('rule_sets', (t) => {
    t.dropColumn('status');
    t.dropColumn('activated_at');
    t.dropColumn('activated_by');
  });
}
