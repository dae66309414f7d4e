import type { Knex } from 'knex';

/**
 * Per-customer reads of tags and sizes (every sidebar open) and the cascades from customers,
 * which the natural keys cannot serve because they lead with corp_id.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index customer_tags_customer on customer_tags (customer_id)');
  await knex.raw('create index customer_sizes_customer on customer_sizes (customer_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index customer_sizes_customer');
  await knex.raw('drop index customer_tags_customer');
}
