import type { Knex } from 'knex';

/**
 * A region's or store's activity over a range reads one range of this covering index (index-only)
 * and joins the guides, instead of one heap probe of the key per guide (5,000 in a region).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'create index daily_activity_day on daily_activity (day, guide_id) include (channel, interactions, customers_added, coupons_issued, coupons_redeemed)',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index daily_activity_day');
}
