import type { Knex } from 'knex';

/**
 * Integrations a brand admin manages. The POS webhook secret rotates with an overlap: the
 * previous secret (sealed) stays valid until `pos_hmac_prev_valid_until`. WeCom's trusted-domain
 * verification files (WW_verify_<16 chars>.txt) are served at the site root, one per corp app.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('corps', (t) => {
    t.text('pos_hmac_prev_secret_enc');
    t.timestamp('pos_hmac_prev_valid_until', { useTz: true });
    t.timestamp('pos_hmac_rotated_at', { useTz: true });
  });
  await knex.schema.createTable('wecom_verify_files', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('filename', 64).notNullable().unique();
    t.string('content', 128).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    `alter table wecom_verify_files add constraint wecom_verify_files_name check (filename ~ '^WW_verify_[A-Za-z0-9]{1,40}\\.txt$')`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('wecom_verify_files');
  await knex.schema.alterTable('corps', (t) => {
    t.dropColumn('pos_hmac_prev_secret_enc');
    t.dropColumn('pos_hmac_prev_valid_until');
    t.dropColumn('pos_hmac_rotated_at');
  });
}
