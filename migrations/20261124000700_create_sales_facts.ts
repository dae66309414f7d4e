import type { Knex } from 'knex';

/**
 * Facts the attribution engine reads: store/mall orders with lines, refunds, WeCom transfer
 * bills. Natural keys make every ingestion path idempotent.
 *
 * Orders are not range-partitioned yet: PostgreSQL requires the partition key in every unique
 * constraint, and ingestion must reject a replayed order number whatever paid_at it carries.
 * See README "Data growth" for the plan (order-number registry + monthly partitions).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('orders', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.enu('source', ['pos', 'mall', 'transfer'], { useNative: true, enumName: 'order_source' }).notNullable();
    t.string('order_no', 64).notNullable();
    t.bigInteger('store_id').references('stores.id');
    t.bigInteger('customer_id').references('customers.id');
    t.string('member_no', 32);
    t.string('phone_hash', 64);
    t.string('unionid', 64);
    t.timestamp('paid_at', { useTz: true }).notNullable();
    t.bigInteger('gross_fen').notNullable();
    t.bigInteger('discount_fen').notNullable().defaultTo(0);
    t.bigInteger('net_fen').notNullable();
    t.specificType('coupon_codes', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('ingested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'source', 'order_no']);
    t.index(['corp_id', 'paid_at']);
    t.index(['customer_id', 'paid_at']);
    t.index(['store_id', 'paid_at']);
  });
  await knex.raw('alter table orders add constraint orders_net_non_negative check (net_fen >= 0)');

  await knex.schema.createTable('order_lines', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('order_id').notNullable().references('orders.id').onDelete('CASCADE');
    t.integer('line_no').notNullable();
    t.string('sku_code', 40).notNullable();
    t.bigInteger('sku_id').references('skus.id');
    t.string('category', 32);
    t.string('size', 16);
    t.integer('qty').notNullable();
    t.bigInteger('net_fen').notNullable();
    t.unique(['order_id', 'line_no']);
  });

  await knex.schema.createTable('refunds', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.enu('source', ['pos', 'mall', 'transfer'], {
      useNative: true,
      enumName: 'order_source',
      existingType: true,
    }).notNullable();
    t.string('refund_no', 64).notNullable();
    t.string('order_no', 64).notNullable().comment('may name an order not ingested yet');
    t.bigInteger('order_id').references('orders.id');
    t.timestamp('refunded_at', { useTz: true }).notNullable();
    t.bigInteger('amount_fen').notNullable();
    t.timestamp('ingested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'source', 'refund_no']);
    t.index(['corp_id', 'source', 'order_no']);
    t.index(['order_id']);
  });
  await knex.raw('alter table refunds add constraint refunds_positive check (amount_fen > 0)');

  await knex.schema.createTable('transfers', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('transaction_id', 64).notNullable();
    t.smallint('bill_type').notNullable().comment('0 payment, 1 refund (WeCom get_bill_list)');
    t.string('out_refund_no', 64).notNullable().defaultTo('').comment('empty for payments');
    t.smallint('trade_state').notNullable();
    t.smallint('payment_type');
    t.timestamp('pay_time', { useTz: true }).notNullable();
    t.string('payee_userid', 64).notNullable();
    t.bigInteger('guide_id').references('guides.id');
    t.string('external_userid', 64);
    t.bigInteger('customer_id').references('customers.id');
    t.bigInteger('total_fee_fen').notNullable();
    t.bigInteger('total_refund_fee_fen').notNullable().defaultTo(0);
    t.string('remark', 256);
    t.jsonb('raw').notNullable();
    t.timestamp('ingested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'transaction_id', 'bill_type', 'out_refund_no']);
    t.index(['corp_id', 'pay_time']);
  });

  await knex.schema.createTable('ingest_batches', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('source', 16).notNullable();
    t.string('batch_id', 64).notNullable();
    t.integer('orders').notNullable().defaultTo(0);
    t.integer('refunds').notNullable().defaultTo(0);
    t.integer('rejected').notNullable().defaultTo(0);
    t.jsonb('report').notNullable().defaultTo('[]');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'source', 'batch_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ingest_batches');
  await knex.schema.dropTable('transfers');
  await knex.schema.dropTable('refunds');
  await knex.schema.dropTable('order_lines');
  await knex.schema.dropTable('orders');
  await knex.raw('drop type if exists order_source');
}
