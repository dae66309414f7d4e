import type { Knex } from 'knex';

/**
 * The script library is written in the admin console: a script is a draft until it is published
 * (`enabled` is what the sidebar reads: published and not withdrawn; `published_at` tells a
 * withdrawn script from a draft; rows written elsewhere, such as the seed, are live as before), and a script that names {{优惠券}} offers one coupon template,
 * whose own name, value and validity fill it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('scripts', (t) => {
    t.timestamp('published_at', { useTz: true }).comment('first published; null with enabled false: a draft');
    t.timestamp('withdrawn_at', { useTz: true }).comment('last withdrawn (enabled false)');
    t.bigInteger('coupon_template_id')
      .references('coupon_templates.id')
      .comment('the coupon the script offers: {{优惠券}}, {{券有效期}}, {{券面额}} come from it');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('scripts', (t) => {
    t.dropColumn('coupon_template_id');
    t.dropColumn('withdrawn_at');
    t.dropColumn('published_at');
  });
}
