import type { Knex } from 'knex';

/** Tenants (one per WeCom corp), regions, stores, guides, users and their scopes. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('corps', (t) => {
    t.bigIncrements('id');
    t.string('wecom_corp_id', 64).notNullable().unique();
    t.string('name', 128).notNullable();
    t.string('timezone', 64).notNullable().defaultTo('Asia/Shanghai');
    t.bigInteger('agent_id').notNullable();
    // Secrets are stored encrypted (AES-256-GCM, see core/crypto/secret-box.ts).
    t.text('agent_secret_enc').notNullable();
    t.text('contact_secret_enc');
    t.string('callback_token', 64).notNullable();
    t.text('callback_aes_key_enc').notNullable();
    t.text('pos_hmac_secret_enc');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('regions', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('code', 32).notNullable();
    t.string('name', 64).notNullable();
    t.unique(['corp_id', 'code']);
  });

  await knex.schema.createTable('stores', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('region_id').notNullable().references('regions.id');
    t.string('code', 32).notNullable();
    t.string('name', 128).notNullable();
    t.string('city', 32).notNullable();
    t.string('brand', 32);
    t.enu('status', ['open', 'closed'], { useNative: true, enumName: 'store_status' }).notNullable().defaultTo('open');
    t.unique(['corp_id', 'code']);
    t.index(['region_id']);
  });

  await knex.schema.createTable('guides', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('store_id').notNullable().references('stores.id');
    t.string('userid', 64).notNullable().comment('WeCom member userid');
    t.string('name', 64).notNullable();
    t.string('avatar', 512);
    t.enu('status', ['active', 'left'], { useNative: true, enumName: 'guide_status' })
      .notNullable()
      .defaultTo('active');
    t.date('hired_on');
    t.date('left_on');
    t.unique(['corp_id', 'userid']);
    t.index(['store_id']);
  });

  await knex.schema.createTable('users', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('userid', 64).notNullable().comment('WeCom member userid');
    t.string('name', 64).notNullable();
    t.enu('role', ['guide', 'store_manager', 'regional_manager', 'finance', 'admin'], {
      useNative: true,
      enumName: 'user_role',
    }).notNullable();
    t.bigInteger('guide_id').references('guides.id');
    t.boolean('active').notNullable().defaultTo(true);
    t.unique(['corp_id', 'userid']);
  });

  await knex.schema.createTable('user_scopes', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.bigInteger('region_id').references('regions.id');
    t.bigInteger('store_id').references('stores.id');
    t.index(['user_id']);
  });
  await knex.raw(
    'alter table user_scopes add constraint user_scopes_one_target check ((region_id is null) <> (store_id is null))',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('user_scopes');
  await knex.schema.dropTable('users');
  await knex.schema.dropTable('guides');
  await knex.schema.dropTable('stores');
  await knex.schema.dropTable('regions');
  await knex.schema.dropTable('corps');
  await knex.raw('drop type if exists user_role, guide_status, store_status');
}
