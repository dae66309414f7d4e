import type { Knex } from 'knex';

/**
 * Which corp tags and groups this app created in WeCom (add_corp_tag) and who asked for it: WeCom
 * lets an app edit and delete only the tags it created itself (wecom-protocol.md §10.1); the
 * others were made in WeCom's own admin console and stay read-only here (their family still maps).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tag_groups', (t) => {
    t.string('created_by', 64).comment('the admin who created it through this app; null: made elsewhere');
  });
  await knex.schema.alterTable('tags', (t) => {
    t.string('created_by', 64).comment('the admin who created it through this app; null: made elsewhere');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tags', (t) => t.dropColumn('created_by'));
  await knex.schema.alterTable('tag_groups', (t) => t.dropColumn('created_by'));
}
