import type { Knex } from 'knex';

/** Scripts that were live before publishing existed were published when they were created. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`update scripts set published_at = created_at where enabled and published_at is null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`update scripts set published_at = null`);
}
