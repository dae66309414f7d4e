import type { Knex } from 'knex';

/**
 * 申诉 as a workflow: what is contested (a commission line) or claimed (an order), the amount asked
 * and granted, who decides (the store manager, or the regional manager once escalated), and the
 * approval's commission line — at most one per dispute (the unique index), so it pays exactly once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('disputes', (t) => {
    t.string('kind', 16).notNullable().defaultTo('claim').comment('contest (a line) or claim (an order)');
    t.bigInteger('commission_line_id').references('commission_lines.id');
    t.bigInteger('store_id').references('stores.id').comment("the guide's store when raised: who decides");
    t.string('rule', 16).comment('the path the guide names for a claim');
    t.bigInteger('claimed_fen').comment('credited sales asked for');
    t.bigInteger('approved_fen');
    t.string('level', 16).notNullable().defaultTo('store').comment('store, or region once escalated');
    t.string('raised_by', 64);
    t.string('decided_by', 64);
    t.string('escalated_by', 64);
    t.timestamp('escalated_at', { useTz: true });
    t.text('escalation_note');
    t.index(['corp_id', 'status']);
  });
  await knex.schema.alterTable('commission_lines', (t) => {
    t.bigInteger('dispute_id').references('disputes.id');
  });
  await knex.raw(
    'create unique index commission_lines_one_per_dispute on commission_lines (dispute_id) where dispute_id is not null',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index commission_lines_one_per_dispute');
  await knex.schema.alterTable('commission_lines', (t) => {
    t.dropColumn('dispute_id');
  });
  await knex.schema.alterTable('disputes', (t) => {
    t.dropIndex(['corp_id', 'status']);
    t.dropColumns(
      'kind',
      'commission_line_id',
      'store_id',
      'rule',
      'claimed_fen',
      'approved_fen',
      'level',
      'raised_by',
      'decided_by',
      'escalated_by',
      'escalated_at',
      'escalation_note',
    );
  });
}
