import type { Knex } from 'knex';

/**
 * Commission as a ledger finance can trust: versioned plans with tiers and a hold, one commission
 * line per credit line (the unique index is the guarantee), when each line becomes payable and in
 * which closed period it was paid, per-guide payouts with their carry-over, and review snapshots.
 * The commission tables were empty until now, so no backfill is needed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('commission_plans', (t) => {
    t.integer('version').notNullable();
    t.jsonb('tiers').notNullable().defaultTo('[]').comment('[{ fromFen, bonusBp }] on monthly credited sales');
    t.integer('hold_days').notNullable().defaultTo(7);
    t.text('change_note').notNullable().defaultTo('');
    t.string('created_by', 64).notNullable();
    t.unique(['corp_id', 'version']);
  });

  await knex.schema.alterTable('commission_lines', (t) => {
    t.specificType('rule', 'credit_rule').comment('the credit rule; null for a manual line');
    t.integer('plan_version');
    t.date('occurred_on').notNullable().comment("the credit's day in the tenant's time zone");
    t.date('payable_on').notNullable().comment('a sale is held for the plan hold days');
    t.bigInteger('paid_in_period_id').references('commission_periods.id');
    t.string('created_by', 64);
  });
  await knex.raw('create unique index commission_lines_one_per_credit on commission_lines (credit_id)');
  await knex.raw(
    'create index commission_lines_unpaid on commission_lines (corp_id, guide_id) where paid_in_period_id is null',
  );

  await knex.schema.createTable('commission_payouts', (t) => {
    t.bigInteger('period_id').notNullable().references('commission_periods.id').onDelete('CASCADE');
    t.bigInteger('guide_id').notNullable().references('guides.id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('carry_in_fen').notNullable();
    t.bigInteger('paid_lines_fen').notNullable().comment('lines that became payable and are settled in this period');
    t.bigInteger('held_fen').notNullable().comment("this period's lines still in their hold");
    t.bigInteger('payout_fen').notNullable();
    t.bigInteger('carry_out_fen').notNullable().comment('a clawback larger than the earnings, carried (≤ 0)');
    t.primary(['period_id', 'guide_id']);
  });
  await knex.raw(
    'alter table commission_payouts add constraint payout_not_negative check (payout_fen >= 0 and carry_out_fen <= 0)',
  );

  await knex.schema.createTable('commission_reviews', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('period_id').notNullable().references('commission_periods.id').onDelete('CASCADE');
    t.jsonb('totals').notNullable().comment('{ guideId: amountFen } at this review');
    t.string('reviewed_by', 64).notNullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['period_id']);
  });

  await knex.schema.createTable('commission_exports', (t) => {
    t.bigInteger('period_id').notNullable().references('commission_periods.id').onDelete('CASCADE');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('name', 64).notNullable();
    t.string('sha256', 64).notNullable();
    t.integer('bytes').notNullable();
    t.timestamp('published_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['period_id', 'name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('commission_exports');
  await knex.schema.dropTable('commission_reviews');
  await knex.schema.dropTable('commission_payouts');
  await knex.raw('drop index commission_lines_unpaid');
  await knex.raw('drop index commission_lines_one_per_credit');
  await knex.schema.alterTable('commission_lines', (t) => {
    t.dropColumns('rule', 'plan_version', 'occurred_on', 'payable_on', 'paid_in_period_id', 'created_by');
  });
  await knex.schema.alterTable('commission_plans', (t) => {
    t.dropUnique(['corp_id', 'version']);
    t.dropColumns('version', 'tiers', 'hold_days', 'change_note', 'created_by');
  });
}
