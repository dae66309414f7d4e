import type { Knex } from 'knex';

/**
 * What the boards read by time: freshness (the latest POS order received), customers added per
 * guide in a period, and coupons redeemed per guide in a period.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index orders_received on orders (corp_id, source, ingested_at)');
  await knex.raw('create index customer_guides_guide_added on customer_guides (guide_id, added_at)');
  await knex.raw(
    'create index coupons_guide_redeemed on coupons (guide_id, redeemed_at) where redeemed_at is not null',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index coupons_guide_redeemed');
  await knex.raw('drop index customer_guides_guide_added');
  await knex.raw('drop index orders_received');
}
