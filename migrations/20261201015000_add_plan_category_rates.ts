import type { Knex } from 'knex';

/**
 * 提成 per product category: a plan may give a category its own rate per path (falling back to the
 * path's rate), and each commission line records the category its rate was taken for.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('commission_plans', (t) => {
    t.jsonb('category_rates')
      .notNullable()
      .defaultTo('{}')
      .comment('{ category: { transfer?, coupon?, interaction?, mall? } } in basis points');
  });
  await knex.schema.alterTable('commission_lines', (t) => {
    t.string('category', 32).comment("the order's category whose rate the line took (null: the path rate)");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('commission_lines', (t) => {
    t.dropColumn('category');
  });
  await knex.schema.alterTable('commission_plans', (t) => {
    t.dropColumn('category_rates');
  });
}
