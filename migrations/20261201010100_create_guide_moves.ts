import type { Knex } from 'knex';

/**
 * A guide's moves between stores (from the org sync): where she sold at any time is the store she
 * left by her first move after it, or her current store. A WeCom bill paid before a move credits
 * the store she was in, however late it is polled.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('guide_moves', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('guide_id').notNullable().references('guides.id').onDelete('CASCADE');
    t.bigInteger('from_store_id').notNullable().references('stores.id');
    t.bigInteger('to_store_id').notNullable().references('stores.id');
    t.timestamp('moved_at', { useTz: true }).notNullable();
    t.index(['guide_id', 'moved_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('guide_moves');
}
