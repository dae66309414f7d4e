import type { Knex } from 'knex';

/**
 * A channel code (渠道码) made in the admin console: the corp tag every customer who arrives
 * through it gets, and who made it. Adds are counted from customer_guides.state.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('channel_codes', (t) => {
    t.bigInteger('tag_id').references('tags.id');
    t.string('created_by', 64);
  });
  await knex.schema.alterTable('customer_guides', (t) => {
    t.index(['corp_id', 'state']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_guides', (t) => {
    t.dropIndex(['corp_id', 'state']);
  });
  await knex.schema.alterTable('channel_codes', (t) => {
    t.dropColumn('tag_id');
    t.dropColumn('created_by');
  });
}
