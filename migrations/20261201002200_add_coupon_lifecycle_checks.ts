import type { Knex } from 'knex';

/**
 * The status agrees with the lifecycle's times, and the sidebar's open coupons are the sent ones
 * (an issued code that never went into the chat is not the customer's).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `alter table coupons add constraint coupons_sent_has_time check (status not in ('sent', 'redeemed') or sent_at is not null or guide_id is null)`,
  );
  await knex.raw(
    `alter table coupons add constraint coupons_void_has_time check (status <> 'void' or voided_at is not null)`,
  );
  await knex.raw('drop index coupons_customer_open');
  await knex.raw("create index coupons_customer_open on coupons (customer_id, expires_at) where status = 'sent'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index coupons_customer_open');
  await knex.raw("create index coupons_customer_open on coupons (customer_id, expires_at) where status = 'issued'");
  await knex.raw('alter table coupons drop constraint coupons_void_has_time');
  await knex.raw('alter table coupons drop constraint coupons_sent_has_time');
}
