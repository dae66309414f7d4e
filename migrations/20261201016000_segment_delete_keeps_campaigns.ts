import type { Knex } from 'knex';

/**
 * A saved segment can be deleted: the campaigns made from it keep their own copy of its definition
 * (campaigns.definition), so their link to it is cleared rather than blocking the delete.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaigns', (t) => {
    t.dropForeign(['segment_id']);
    t.foreign('segment_id').references('segments.id').onDelete('SET NULL');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaigns', (t) => {
    t.dropForeign(['segment_id']);
    t.foreign('segment_id').references('segments.id');
  });
}
