import type { Knex } from 'knex';

/**
 * Active customers over a short range for many guides (a region's 5,000 on one day) read one
 * range of this index and join the guides, instead of one probe of the key per guide.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index daily_reach_day on daily_reach (day, guide_id, customer_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index daily_reach_day');
}
