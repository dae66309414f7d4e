import type { Knex } from 'knex';

/** Kids' categories were kids' before the column existed. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`update products set audience = 'kids' where category = 'kids' and audience = 'unisex'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`update products set audience = 'unisex' where category = 'kids' and audience = 'kids'`);
}
