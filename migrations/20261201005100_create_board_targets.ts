import type { Knex } from 'knex';

/**
 * Monthly sales targets (业绩目标) per guide, store and region, each set by the manager above
 * (every change in audit_log). `subject_id` is the guide, store or region id by `level`; `month`
 * is the first day of the month in the tenant's time zone.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('board_targets', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.enu('level', ['guide', 'store', 'region'], { useNative: true, enumName: 'target_level' }).notNullable();
    t.bigInteger('subject_id').notNullable();
    t.date('month').notNullable();
    t.bigInteger('amount_fen').notNullable();
    t.string('set_by', 64).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'level', 'subject_id', 'month']);
  });
  await knex.raw(`alter table board_targets add constraint board_targets_month check (extract(day from month) = 1)`);
  await knex.raw(`alter table board_targets add constraint board_targets_amount check (amount_fen >= 0)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('board_targets');
  await knex.raw('drop type if exists target_level');
}
