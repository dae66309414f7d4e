import type { Knex } from 'knex';

/** WeCom integration state: raw callback events, sync cursors, guide behaviour data. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wecom_callback_events', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('dedupe_key', 128).notNullable().comment('stable over WeCom retries of one event');
    t.string('event', 64).notNullable();
    t.string('change_type', 64);
    t.text('xml').notNullable().comment('decrypted event XML');
    t.enu('status', ['received', 'processed', 'failed'], { useNative: true, enumName: 'callback_status' })
      .notNullable()
      .defaultTo('received');
    t.integer('deliveries').notNullable().defaultTo(1);
    t.text('error');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.unique(['corp_id', 'dedupe_key']);
  });

  await knex.schema.createTable('sync_cursors', (t) => {
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('kind', 32).notNullable().comment('bills, contacts:<userid>, …');
    t.text('cursor').notNullable().defaultTo('');
    t.timestamp('window_start', { useTz: true });
    t.timestamp('synced_to', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['corp_id', 'kind']);
  });

  await knex.schema.createTable('guide_behavior_daily', (t) => {
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('guide_id').notNullable().references('guides.id');
    t.date('day').notNullable();
    t.integer('chat_cnt').notNullable().defaultTo(0);
    t.integer('message_cnt').notNullable().defaultTo(0);
    t.integer('new_contact_cnt').notNullable().defaultTo(0);
    t.integer('negative_feedback_cnt').notNullable().defaultTo(0);
    t.decimal('reply_percentage', 5, 2);
    t.integer('avg_reply_time');
    t.jsonb('raw').notNullable();
    t.primary(['guide_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('guide_behavior_daily');
  await knex.schema.dropTable('sync_cursors');
  await knex.schema.dropTable('wecom_callback_events');
  await knex.raw('drop type if exists callback_status');
}
