import type { Knex } from 'knex';

/** Who a coupon template may be offered to (core/guide/coupon-eligibility.ts). */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table coupon_templates
    add column audience text not null default 'any' constraint coupon_templates_audience check (audience in ('any', 'new', 'birthday', 'lapsed')),
    add column min_tier text,
    add column once_per_customer boolean not null default false`);
  await knex.raw(
    `comment on column coupon_templates.audience is 'any; new: never bought; birthday: within 30 days; lapsed: 90 days without a purchase'`,
  );
  await knex.raw(
    `comment on column coupon_templates.min_tier is 'lowest value tier offered it (重点促活 < 重点培养 < 超级VIP); null: any'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    `alter table coupon_templates drop column once_per_customer, drop column min_tier, drop column audience`,
  );
}
