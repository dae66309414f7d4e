import type { Knex } from 'knex';

/**
 * The credit ledger is written only by the attribution engine, in sets of thousands of lines,
 * from orders, bills, guides and stores it has just read (orders and bills under row lock) in
 * the same transaction. Foreign keys to the tenant, guide and store cost a trigger query and a
 * KEY SHARE row lock per line — on the one corps row that every concurrent worker shares — and
 * made up a third of the write (measured on the benchmark data: 90 → 63 ms per 2,000 lines).
 * They go (and the board rollup, derived from the lines, keeps none); the references that say
 * what a line is about stay checked: a line's order, bill, refund and adjusted line, and an
 * event's credit. Removing a tenant deletes its ledger first (core/tenant/remove.ts).
 */
const DROPPED: [table: string, column: string, references: string, cascade: boolean][] = [
  ['credits', 'corp_id', 'corps.id', true],
  ['credits', 'guide_id', 'guides.id', false],
  ['credits', 'store_id', 'stores.id', false],
  ['credit_events', 'corp_id', 'corps.id', true],
  ['guide_daily_credits', 'corp_id', 'corps.id', true],
  // The board rollup is derived from the lines (and rebuilt from them); its cells need no checks of their own.
  ['guide_daily_credits', 'guide_id', 'guides.id', false],
  ['guide_daily_credits', 'store_id', 'stores.id', false],
];

export async function up(knex: Knex): Promise<void> {
  for (const [table, column] of DROPPED) {
    await knex.schema.alterTable(table, (t) => {
      t.dropForeign([column]);
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const [table, column, references, cascade] of DROPPED) {
    await knex.schema.alterTable(table, (t) => {
      const fk = t.foreign(column).references(references);
      if (cascade) fk.onDelete('CASCADE');
    });
  }
}
