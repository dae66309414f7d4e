import type { Knex } from 'knex';

/** Products (styles), SKUs, size runs per category, per-store stock and customer sizes. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('size_runs', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('category', 32).notNullable().comment('shoes, tops, bottoms, kids, …');
    t.specificType('sizes', 'text[]').notNullable().comment('the full run, in order');
    t.smallint('broken_max_left')
      .notNullable()
      .defaultTo(2)
      .comment('a style with at most this many sizes in stock is a broken run (断码)');
    t.unique(['corp_id', 'category']);
  });

  await knex.schema.createTable('products', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('style_no', 32).notNullable();
    t.string('name', 128).notNullable();
    t.string('category', 32).notNullable();
    t.string('brand', 32);
    t.string('season', 16);
    t.string('image_url', 512);
    t.bigInteger('list_price_fen').notNullable();
    t.date('launched_on');
    t.specificType('attributes', 'text[]').notNullable().defaultTo('{}').comment('e.g. colour family, 新款');
    t.unique(['corp_id', 'style_no']);
    t.index(['corp_id', 'category']);
  });

  await knex.schema.createTable('skus', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('product_id').notNullable().references('products.id').onDelete('CASCADE');
    t.string('sku_code', 40).notNullable();
    t.string('barcode', 32);
    t.string('color', 32).notNullable();
    t.string('size', 16).notNullable();
    t.bigInteger('price_fen').notNullable();
    t.unique(['corp_id', 'sku_code']);
    t.index(['product_id']);
  });

  await knex.schema.createTable('store_stock', (t) => {
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('store_id').notNullable().references('stores.id');
    t.bigInteger('sku_id').notNullable().references('skus.id').onDelete('CASCADE');
    t.integer('on_hand').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['store_id', 'sku_id']);
  });
  await knex.raw('alter table store_stock add constraint store_stock_non_negative check (on_hand >= 0)');
  await knex.raw('create index store_stock_in_stock on store_stock (store_id, sku_id) where on_hand > 0');

  await knex.schema.createTable('customer_sizes', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.string('category', 32).notNullable();
    t.string('size', 16).notNullable();
    t.enu('source', ['purchase', 'guide'], { useNative: true, enumName: 'size_source' }).notNullable();
    t.decimal('confidence', 3, 2).notNullable().defaultTo(1);
    t.bigInteger('updated_by_guide_id').references('guides.id');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'customer_id', 'category']);
    t.index(['corp_id', 'category', 'size']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customer_sizes');
  await knex.schema.dropTable('store_stock');
  await knex.schema.dropTable('skus');
  await knex.schema.dropTable('products');
  await knex.schema.dropTable('size_runs');
  await knex.raw('drop type if exists size_source');
}
