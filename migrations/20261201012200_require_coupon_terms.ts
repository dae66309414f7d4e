import type { Knex } from 'knex';

/** Every coupon carries its terms (filled by the insert trigger when an insert does not name them). */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table coupons
    alter column name set not null, alter column kind set not null, alter column min_spend_fen set not null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table coupons
    alter column name drop not null, alter column kind drop not null, alter column min_spend_fen drop not null`);
}
