import type { Knex } from 'knex';

/** A personal code's one guide, from `guide_id`, into `guide_ids`. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `update channel_codes set guide_ids = array[guide_id] where guide_id is not null and cardinality(guide_ids) = 0`,
  );
}

export async function down(): Promise<void> {
  // Nothing to undo: the column goes with the previous migration's down.
}
