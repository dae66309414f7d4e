import type { Knex } from 'knex';

/** Coupons issued before coupons kept their own terms: the template's terms as they stand now (no edit could happen before). */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`update coupons c
     set name = t.name, kind = t.kind, value_fen = t.value_fen, discount_bp = t.discount_bp, min_spend_fen = t.min_spend_fen
    from coupon_templates t
   where t.id = c.template_id and c.name is null`);
}

export async function down(): Promise<void> {
  // The columns go with 20261201012000's down.
}
