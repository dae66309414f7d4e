import type { Knex } from 'knex';

/**
 * Channel codes made in the console: every guide on the contact way (a store's or campaign's code
 * has several; `guide_id` held only a personal code's one), and when the code was removed — its
 * contact way deleted in WeCom (del_contact_way) while the row stays, so the relations that arrived
 * through its state still name it and count.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('channel_codes', (t) => {
    t.specificType('guide_ids', 'bigint[]').notNullable().defaultTo('{}');
    t.timestamp('removed_at', { useTz: true });
    t.string('removed_by', 64);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('channel_codes', (t) => {
    t.dropColumn('guide_ids');
    t.dropColumn('removed_at');
    t.dropColumn('removed_by');
  });
}
