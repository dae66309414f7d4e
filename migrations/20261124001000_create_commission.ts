import type { Knex } from 'knex';

/** Commission plans, monthly periods, lines (earn / clawback / adjustment), disputes. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('commission_plans', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('name', 64).notNullable();
    t.jsonb('rates').notNullable().comment('{ rule: bp, categories?: { category: bp } }');
    t.date('effective_from').notNullable();
    t.date('effective_to');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('commission_periods', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.date('month').notNullable().comment('first day of the calendar month, tenant time zone');
    t.enu('status', ['open', 'closing', 'closed'], { useNative: true, enumName: 'period_status' })
      .notNullable()
      .defaultTo('open');
    t.timestamp('closed_at', { useTz: true });
    t.string('closed_by', 64);
    t.string('export_sha256', 64);
    t.unique(['corp_id', 'month']);
  });

  await knex.schema.createTable('commission_lines', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('period_id').notNullable().references('commission_periods.id');
    t.bigInteger('guide_id').notNullable().references('guides.id');
    t.bigInteger('credit_id').references('credits.id');
    t.enu('kind', ['earn', 'clawback', 'adjustment'], {
      useNative: true,
      enumName: 'commission_line_kind',
    }).notNullable();
    t.bigInteger('base_fen').notNullable();
    t.integer('rate_bp').notNullable();
    t.bigInteger('amount_fen').notNullable();
    t.bigInteger('links_line_id')
      .references('commission_lines.id')
      .comment('the original line a clawback or adjustment corrects');
    t.string('note', 256);
    t.boolean('locked').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['period_id', 'guide_id']);
    t.index(['credit_id']);
  });

  await knex.schema.createTable('adjustments', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('period_id').notNullable().references('commission_periods.id');
    t.bigInteger('guide_id').notNullable().references('guides.id');
    t.bigInteger('amount_fen').notNullable();
    t.string('reason', 256).notNullable();
    t.bigInteger('commission_line_id').references('commission_lines.id');
    t.string('created_by', 64).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('disputes', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('order_id').references('orders.id');
    t.bigInteger('guide_id').notNullable().references('guides.id');
    t.enu('status', ['open', 'accepted', 'rejected'], { useNative: true, enumName: 'dispute_status' })
      .notNullable()
      .defaultTo('open');
    t.text('reason').notNullable();
    t.text('resolution');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('resolved_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('disputes');
  await knex.schema.dropTable('adjustments');
  await knex.schema.dropTable('commission_lines');
  await knex.schema.dropTable('commission_periods');
  await knex.schema.dropTable('commission_plans');
  await knex.raw('drop type if exists dispute_status, commission_line_kind, period_status');
}
