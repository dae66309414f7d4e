import type { Knex } from 'knex';

/**
 * A campaign writes one recipient row per customer of its segment (hundreds of thousands at once).
 * The rows take corp, guide and store from the same statement that reads them from their tables,
 * and guides and stores are never deleted (they leave or close), so the per-row foreign-key checks
 * on those three columns (one trigger query each per row) are dropped, as the ledger's were.
 * The campaign and customer keys stay: they cascade deletes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaign_recipients', (t) => {
    t.dropForeign(['corp_id']);
    t.dropForeign(['guide_id']);
    t.dropForeign(['store_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaign_recipients', (t) => {
    t.foreign('corp_id').references('corps.id').onDelete('CASCADE');
    t.foreign('guide_id').references('guides.id');
    t.foreign('store_id').references('stores.id');
  });
}
