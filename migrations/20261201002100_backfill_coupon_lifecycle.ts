import type { Knex } from 'knex';

/**
 * Existing coupons in the lifecycle's terms. A coupon was sent when a send into the chat recorded
 * it (a coupon_issue interaction whose detail names it as couponCode — the sidebar's send and the
 * demo seed both do; the interaction written when a code was merely issued names it as `code` and
 * proves nothing). A redeemed coupon reached the customer whatever was recorded: sent at issue at
 * the latest. Coupons voided before this change credit nothing: voided from their issue.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `update coupons c set sent_at = s.sent_at
       from (select i.corp_id, i.customer_id, i.guide_id, i.detail->>'couponCode' as code, min(i.occurred_at) as sent_at
               from interactions i where i.kind = 'coupon_issue' and i.detail->>'couponCode' is not null
              group by 1, 2, 3, 4) s
      where c.sent_at is null and s.corp_id = c.corp_id and s.customer_id = c.customer_id
        and s.guide_id = c.guide_id and s.code = c.code`,
  );
  await knex.raw(`update coupons set sent_at = issued_at where status = 'redeemed' and sent_at is null`);
  await knex.raw(`update coupons set status = 'sent' where status = 'issued' and sent_at is not null`);
  await knex.raw(`update coupons set voided_at = issued_at where status = 'void' and voided_at is null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`update coupons set status = 'issued' where status = 'sent'`);
  await knex.raw(`update coupons set sent_at = null, voided_at = null`);
}
