import type { Knex } from 'knex';

/**
 * The references to a commission line, indexed: deleting a period's recomputed lines checks each
 * one against the lines and adjustments that point at it, which without an index is a scan of
 * the whole table per deleted line.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'create index commission_lines_links on commission_lines (links_line_id) where links_line_id is not null',
  );
  await knex.raw(
    'create index adjustments_commission_line on adjustments (commission_line_id) where commission_line_id is not null',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index adjustments_commission_line');
  await knex.raw('drop index commission_lines_links');
}
