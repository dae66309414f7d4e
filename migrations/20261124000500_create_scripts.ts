import type { Knex } from 'knex';

/** Script library (话术), favourites, sends, and media assets uploaded to WeCom. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('script_categories', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('name', 64).notNullable();
    t.string('scenario', 32)
      .notNullable()
      .comment('welcome, new_arrival, broken_size, birthday, reactivation, after_sale, promotion, baby');
    t.integer('order').notNullable().defaultTo(0);
    t.unique(['corp_id', 'name']);
  });

  await knex.schema.createTable('media_assets', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.enu('kind', ['image', 'file', 'video'], { useNative: true, enumName: 'media_kind' }).notNullable();
    t.string('filename', 128).notNullable();
    t.string('content_type', 64).notNullable();
    t.string('sha256', 64).notNullable();
    t.binary('content').notNullable();
    t.string('wecom_media_id', 128);
    t.timestamp('wecom_uploaded_at', { useTz: true }).comment('media_id is valid for 3 days');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'sha256']);
  });

  await knex.schema.createTable('scripts', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('category_id').notNullable().references('script_categories.id');
    t.string('title', 64).notNullable();
    t.jsonb('parts').notNullable().comment('ordered message parts: text with {{variables}}, image, news, miniprogram');
    t.specificType('target_tag_ids', 'bigint[]').notNullable().defaultTo('{}');
    t.specificType('stages', 'text[]').notNullable().defaultTo('{}');
    t.string('occasion', 32);
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['corp_id', 'category_id']);
  });

  await knex.schema.createTable('script_favorites', (t) => {
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('guide_id').notNullable().references('guides.id').onDelete('CASCADE');
    t.bigInteger('script_id').notNullable().references('scripts.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['guide_id', 'script_id']);
  });

  await knex.schema.createTable('script_sends', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('script_id').notNullable().references('scripts.id').onDelete('CASCADE');
    t.bigInteger('guide_id').notNullable().references('guides.id');
    t.bigInteger('customer_id').references('customers.id');
    t.string('client_send_id', 64).notNullable().comment('idempotency key from the sidebar');
    t.text('text_sent');
    t.timestamp('sent_at', { useTz: true }).notNullable();
    t.unique(['corp_id', 'client_send_id']);
    t.index(['script_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('script_sends');
  await knex.schema.dropTable('script_favorites');
  await knex.schema.dropTable('scripts');
  await knex.schema.dropTable('media_assets');
  await knex.schema.dropTable('script_categories');
  await knex.raw('drop type if exists media_kind');
}
