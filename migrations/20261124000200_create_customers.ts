import type { Knex } from 'knex';

/** Customers (external contacts), their identities and follow relations with guides. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customers', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('external_userid', 64);
    t.string('unionid', 64);
    t.string('name', 64).notNullable();
    t.string('avatar', 512);
    t.smallint('gender').notNullable().defaultTo(0).comment('0 unknown, 1 male, 2 female (WeCom)');
    t.string('phone_masked', 16);
    t.string('phone_hash', 64).comment('sha256 of the normalised phone number');
    t.string('member_no', 32);
    t.date('birthday');
    t.date('baby_birthday');
    t.string('city', 32);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'external_userid']);
    t.index(['corp_id', 'member_no']);
    t.index(['corp_id', 'phone_hash']);
  });

  await knex.schema.createTable('customer_identities', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.enu('kind', ['external_userid', 'unionid', 'member_no', 'phone_hash'], {
      useNative: true,
      enumName: 'identity_kind',
    }).notNullable();
    t.string('value', 64).notNullable();
    t.bigInteger('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.timestamp('linked_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'kind', 'value']);
    t.index(['customer_id']);
  });

  await knex.schema.createTable('channel_codes', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('state', 30).notNullable().comment('WeCom contact-way state, at most 30 characters');
    t.string('name', 64).notNullable();
    t.bigInteger('store_id').references('stores.id');
    t.bigInteger('guide_id').references('guides.id');
    t.string('config_id', 64);
    t.string('qr_code', 512);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'state']);
  });

  await knex.schema.createTable('customer_guides', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.bigInteger('guide_id').notNullable().references('guides.id');
    t.timestamp('added_at', { useTz: true }).notNullable();
    t.smallint('add_way').notNullable().defaultTo(0).comment('WeCom add_way code');
    t.string('state', 30).comment('channel code the customer came through');
    t.string('remark', 64);
    t.string('description', 256);
    t.boolean('is_exclusive').notNullable().defaultTo(false);
    t.timestamp('ended_at', { useTz: true });
    t.string('end_reason', 32);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'customer_id', 'guide_id']);
    t.index(['guide_id', 'customer_id']);
  });
  // At most one exclusive guide per customer among active relations.
  await knex.raw(
    'create unique index customer_guides_one_exclusive on customer_guides (customer_id) where is_exclusive and ended_at is null',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customer_guides');
  await knex.schema.dropTable('channel_codes');
  await knex.schema.dropTable('customer_identities');
  await knex.schema.dropTable('customers');
  await knex.raw('drop type if exists identity_kind');
}
