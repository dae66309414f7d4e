import type { Knex } from 'knex';

/** Coupon templates and guide-issued coupons. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('coupon_templates', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('code', 32).notNullable();
    t.string('name', 64).notNullable();
    t.enu('kind', ['cash', 'discount'], { useNative: true, enumName: 'coupon_kind' }).notNullable();
    t.bigInteger('value_fen').comment('cash coupons: face value');
    t.integer('discount_bp').comment('discount coupons: e.g. 8500 = 85%');
    t.bigInteger('min_spend_fen').notNullable().defaultTo(0);
    t.integer('valid_days').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.unique(['corp_id', 'code']);
  });

  await knex.schema.createTable('coupons', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('template_id').notNullable().references('coupon_templates.id');
    t.string('code', 40).notNullable();
    t.bigInteger('customer_id').references('customers.id');
    t.bigInteger('guide_id').references('guides.id').comment('issuing guide; null for non-guide coupons');
    t.timestamp('issued_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.enu('status', ['issued', 'redeemed', 'void'], { useNative: true, enumName: 'coupon_status' })
      .notNullable()
      .defaultTo('issued');
    t.timestamp('redeemed_at', { useTz: true });
    t.bigInteger('redeemed_order_id');
    t.unique(['corp_id', 'code']);
    t.index(['customer_id']);
    t.index(['guide_id', 'issued_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('coupons');
  await knex.schema.dropTable('coupon_templates');
  await knex.raw('drop type if exists coupon_status, coupon_kind');
}
