import type { Knex } from 'knex';

/**
 * Coupons get a lifecycle: issued (a code reserved for a chat) → sent (it went into the chat) →
 * redeemed, or voided, or expired (expires_at passed; not stored). The attribution rule reads the
 * times, not the status: sent_at and voided_at are facts, the status is their summary.
 * Orders are looked up by the coupon codes they name (a coupon credits its earliest valid
 * redemption among all of them), hence the GIN index on orders.coupon_codes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter type coupon_status add value if not exists 'sent' after 'issued'`);
  await knex.schema.alterTable('coupons', (t) => {
    t.timestamp('sent_at', { useTz: true }).comment(
      'when it first went into the chat; null: never sent, credits nothing',
    );
    t.timestamp('voided_at', { useTz: true }).comment('when it was withdrawn: a voided coupon credits no order');
    t.bigInteger('voided_by').references('users.id').comment('the guide or admin who voided it');
    t.string('void_reason', 200);
  });
  await knex.raw('create index orders_coupon_codes on orders using gin (coupon_codes)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index orders_coupon_codes');
  await knex.schema.alterTable('coupons', (t) => {
    t.dropColumn('void_reason');
    t.dropColumn('voided_by');
    t.dropColumn('voided_at');
    t.dropColumn('sent_at');
  });
  // An enum value cannot be dropped: the type is rebuilt without it ('sent' reads as 'issued' again).
  await knex.raw(`update coupons set status = 'issued' where status = 'sent'`);
  await knex.raw('drop index if exists coupons_customer_open');
  await knex.raw('alter type coupon_status rename to coupon_status_old');
  await knex.raw(`create type coupon_status as enum ('issued', 'redeemed', 'void')`);
  await knex.raw(
    `alter table coupons alter column status drop default,
       alter column status type coupon_status using status::text::coupon_status,
       alter column status set default 'issued'`,
  );
  await knex.raw('drop type coupon_status_old');
  await knex.raw("create index coupons_customer_open on coupons (customer_id, expires_at) where status = 'issued'");
}
