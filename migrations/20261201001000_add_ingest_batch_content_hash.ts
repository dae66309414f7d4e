import type { Knex } from 'knex';

/**
 * A batch id reused with other content is a conflict, not a replay: each batch keeps the SHA-256
 * of what it carried. Batches recorded before this column have none and stay plain replays.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('ingest_batches', (t) => {
    t.string('content_hash', 64);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('ingest_batches', (t) => {
    t.dropColumn('content_hash');
  });
}
