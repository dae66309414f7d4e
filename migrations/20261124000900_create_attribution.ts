import type { Knex } from 'knex';

/**
 * Engine output: versioned rule sets, credits (with supersession history), their trail, and
 * a daily rollup for boards. The partial unique index is the database's guarantee that an
 * order never has two live credits in one role, whatever the workers do concurrently.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rule_sets', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.string('name', 64).notNullable();
    t.timestamp('effective_from', { useTz: true }).notNullable();
    t.jsonb('config').notNullable().comment('precedence, window_days, counted interaction kinds');
    t.text('change_note').notNullable().defaultTo('');
    t.string('created_by', 64).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'version']);
  });

  await knex.raw(`create type credit_rule as enum ('transfer', 'coupon', 'interaction')`);
  await knex.raw(`create type credit_kind as enum ('sale', 'refund')`);
  await knex.schema.createTable('credits', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('order_id')
      .references('orders.id')
      .comment('null for a transfer credit, which is keyed by transfer_id');
    t.bigInteger('transfer_id').references('transfers.id');
    t.bigInteger('refund_id').references('refunds.id');
    t.specificType('kind', 'credit_kind').notNullable().defaultTo('sale');
    t.string('role', 16).notNullable().defaultTo('seller');
    t.bigInteger('guide_id').notNullable().references('guides.id');
    t.bigInteger('store_id').references('stores.id');
    t.specificType('rule', 'credit_rule').notNullable();
    t.bigInteger('amount_fen').notNullable().comment('negative for refund lines');
    t.timestamp('occurred_at', { useTz: true }).notNullable().comment('paid_at or refunded_at: decides the period');
    t.integer('rule_set_version').notNullable();
    t.jsonb('evidence').notNullable();
    t.jsonb('candidates').notNullable().defaultTo('[]').comment('other guides considered and why each lost');
    t.timestamp('valid_from', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('superseded_at', { useTz: true });
    t.bigInteger('superseded_by');
    t.index(['guide_id', 'occurred_at']);
    t.index(['order_id']);
  });
  await knex.raw(
    `alter table credits add constraint credits_subject check ((order_id is null) <> (transfer_id is null))`,
  );
  await knex.raw(`
    create unique index credits_one_live on credits (corp_id, coalesce(order_id, 0), coalesce(transfer_id, 0), role, kind, coalesce(refund_id, 0))
    where superseded_at is null`);

  await knex.schema.createTable('credit_events', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('credit_id').notNullable().references('credits.id').onDelete('CASCADE');
    t.enu('event', ['created', 'superseded', 'reversed', 'adjusted'], {
      useNative: true,
      enumName: 'credit_event',
    }).notNullable();
    t.string('reason', 256).notNullable();
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['credit_id']);
  });

  await knex.schema.createTable('guide_daily_credits', (t) => {
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('guide_id').notNullable().references('guides.id');
    t.bigInteger('store_id').references('stores.id');
    t.date('day').notNullable().comment("in the tenant's time zone");
    t.specificType('rule', 'credit_rule').notNullable();
    t.integer('orders').notNullable().defaultTo(0);
    t.bigInteger('amount_fen').notNullable().defaultTo(0);
    t.primary(['guide_id', 'day', 'rule']);
    t.index(['corp_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('guide_daily_credits');
  await knex.schema.dropTable('credit_events');
  await knex.schema.dropTable('credits');
  await knex.schema.dropTable('rule_sets');
  await knex.raw('drop type if exists credit_event, credit_kind, credit_rule');
}
