import type { Knex } from 'knex';

/**
 * Adjustment lines point at the locked credit they correct. An order may gather several
 * adjustment lines over successive periods, so the one-live-credit index covers sale and refund
 * lines only; adjustments are serialized by the order's row lock.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('credits', (t) => {
    t.bigInteger('adjusts_credit_id').references('credits.id').comment('the locked credit an adjustment line corrects');
  });
  await knex.raw('create index credits_adjusts on credits (adjusts_credit_id) where adjusts_credit_id is not null');
  await knex.raw('drop index credits_one_live');
  await knex.raw(`
    create unique index credits_one_live on credits (corp_id, coalesce(order_id, 0), coalesce(transfer_id, 0), role, kind, coalesce(refund_id, 0))
    where superseded_at is null and kind <> 'adjustment'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index credits_one_live');
  await knex.raw(`
    create unique index credits_one_live on credits (corp_id, coalesce(order_id, 0), coalesce(transfer_id, 0), role, kind, coalesce(refund_id, 0))
    where superseded_at is null`);
  await knex.raw('drop index if exists credits_adjusts');
  await knex.schema.alterTable('credits', (t) => {
    t.dropColumn('adjusts_credit_id');
  });
}
