import type { Knex } from 'knex';

/**
 * Customer succession (离职继承 / 在职继承): one row per customer handed from one guide to another
 * through WeCom's transfer APIs. WeCom answers the start per customer (errcode 0 only means "started");
 * the customer may refuse within 24 h, otherwise the takeover completes then (transfer_result).
 * A row is final once done, refused, limit (the successor is at WeCom's customer limit) or failed
 * (WeCom refused the start: errcode). `applied_at`: the relation, exclusive guide and attribution moved.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customer_successions', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.enu('kind', ['resigned', 'in_service'], { useNative: true, enumName: 'succession_kind' }).notNullable();
    t.bigInteger('handover_guide_id').notNullable().references('guides.id');
    t.bigInteger('takeover_guide_id').notNullable().references('guides.id');
    t.enu('status', ['waiting', 'done', 'refused', 'limit', 'failed'], {
      useNative: true,
      enumName: 'succession_status',
    }).notNullable();
    t.integer('errcode').comment('WeCom per-customer errcode when the start was refused');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('takeover_at', { useTz: true }).comment('WeCom takeover_time: the automatic time while waiting');
    t.timestamp('finished_at', { useTz: true });
    t.timestamp('applied_at', { useTz: true });
    t.string('started_by', 64).notNullable();
    t.string('request_id', 64);
    t.index(['corp_id', 'status']);
    t.index(['customer_id']);
    t.index(['takeover_guide_id']);
    t.index(['handover_guide_id']);
  });
  // At most one transfer of a customer waiting at a time (WeCom: 40100, already in a transfer).
  await knex.raw(
    `create unique index customer_successions_one_waiting on customer_successions (customer_id) where status = 'waiting'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customer_successions');
  await knex.raw('drop type if exists succession_kind, succession_status');
}
