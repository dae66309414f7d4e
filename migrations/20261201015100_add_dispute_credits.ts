import type { Knex } from 'knex';

/**
 * An approved dispute is a fact the attribution engine reads: `disputes.credit_at` is the moment
 * its manual credit counts (in the period open when it was approved), and the engine's credit
 * line names it (`credits.dispute_id`). One live line per dispute (the partial unique index), so
 * an approval is credited exactly once whatever re-attributes its order.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('disputes', (t) => {
    t.timestamp('credit_at', { useTz: true }).comment('approved: when its manual credit counts (an open period)');
    t.bigInteger('credit_id').comment('a contest: the credit line whose commission line was contested');
  });
  // An open period's commission lines are recomputed (a changed line is replaced), so a contest
  // keeps the credit it is about; the commission line id stays as what the guide saw.
  await knex.raw('alter table disputes drop constraint if exists disputes_commission_line_id_foreign');
  await knex.schema.alterTable('credits', (t) => {
    // No foreign key, as for the ledger's other references: each costs a trigger on every line written.
    t.bigInteger('dispute_id').comment('a manual line: the approved dispute it credits');
  });
  await knex.raw(
    'create unique index credits_one_per_dispute on credits (dispute_id) where dispute_id is not null and superseded_at is null',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index credits_one_per_dispute');
  await knex.schema.alterTable('credits', (t) => {
    t.dropColumn('dispute_id');
  });
  await knex.schema.alterTable('disputes', (t) => {
    t.dropColumns('credit_at', 'credit_id');
  });
  await knex.raw(
    'alter table disputes add constraint disputes_commission_line_id_foreign foreign key (commission_line_id) references commission_lines (id)',
  );
}
