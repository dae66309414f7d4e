import type { Knex } from 'knex';

/**
 * Coupon templates edited in the admin console (core/admin/coupon-templates.ts): validity either N
 * days after issue or fixed dates (days in the tenant's zone), limits per guide per day and month,
 * retirement. A coupon keeps the terms it was issued with (name, face value, threshold) in its own
 * row, so editing a template never changes a coupon already issued; a trigger copies them from the
 * template when an insert does not name them (the seed, campaigns and older code paths).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table coupon_templates
    alter column valid_days drop not null,
    add column valid_from date,
    add column valid_until date,
    add column guide_daily_limit integer,
    add column guide_monthly_limit integer,
    add column created_at timestamptz not null default now(),
    add column updated_at timestamptz not null default now(),
    add column retired_at timestamptz,
    add constraint coupon_templates_validity check (
      (valid_days is not null and valid_days > 0 and valid_from is null and valid_until is null)
      or (valid_days is null and valid_from is not null and valid_until is not null and valid_from <= valid_until)),
    add constraint coupon_templates_limits check (
      (guide_daily_limit is null or guide_daily_limit > 0) and (guide_monthly_limit is null or guide_monthly_limit > 0)),
    add constraint coupon_templates_face check (
      (kind = 'cash' and value_fen > 0) or (kind = 'discount' and discount_bp > 0 and discount_bp < 10000)) not valid`);
  await knex.raw(
    `comment on column coupon_templates.valid_until is 'fixed-date validity: the last day (tenant zone) it can be redeemed; null: valid_days after issue'`,
  );
  await knex.raw(`alter table coupons
    add column name varchar(64),
    add column kind coupon_kind,
    add column value_fen bigint,
    add column discount_bp integer,
    add column min_spend_fen bigint`);
  await knex.raw(
    `comment on column coupons.name is 'the terms it was issued with (name, kind, value_fen, discount_bp, min_spend_fen): a later template edit does not change them'`,
  );
  await knex.raw(`create function gp_coupon_terms() returns trigger language plpgsql as $$
    begin
      if new.name is null then
        select t.name, t.kind, t.value_fen, t.discount_bp, t.min_spend_fen
          into new.name, new.kind, new.value_fen, new.discount_bp, new.min_spend_fen
          from coupon_templates t where t.id = new.template_id;
      end if;
      return new;
    end $$`);
  await knex.raw(
    'create trigger coupons_terms before insert on coupons for each row when (new.name is null) execute function gp_coupon_terms()',
  );
  // Issues per guide and template in a period: the per-guide limits count them.
  await knex.raw(
    'create index coupons_guide_template_issued on coupons (guide_id, template_id, issued_at) where voided_at is null and campaign_id is null',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index coupons_guide_template_issued');
  await knex.raw('drop trigger coupons_terms on coupons');
  await knex.raw('drop function gp_coupon_terms()');
  await knex.raw(
    'alter table coupons drop column min_spend_fen, drop column discount_bp, drop column value_fen, drop column kind, drop column name',
  );
  await knex.raw(`alter table coupon_templates
    drop constraint coupon_templates_face,
    drop constraint coupon_templates_limits,
    drop constraint coupon_templates_validity`);
  // Fixed-date templates become N days from now to their last day.
  await knex.raw(
    `update coupon_templates set valid_days = greatest(1, valid_until - current_date) where valid_days is null`,
  );
  await knex.raw(`alter table coupon_templates
    drop column retired_at, drop column updated_at, drop column created_at,
    drop column guide_monthly_limit, drop column guide_daily_limit,
    drop column valid_until, drop column valid_from,
    alter column valid_days set not null`);
}
