import type { Knex } from 'knex';

/**
 * An order paid through a guide's WeCom 对外收款 names the bill's transaction id: the bill is then
 * that order's transfer evidence, and the order (not the bill on its own) carries the credit.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.string('payment_transaction_id', 64).comment('WeCom external payment transaction_id this order was paid by');
  });
  await knex.raw(
    'create index orders_payment_transaction on orders (corp_id, payment_transaction_id) where payment_transaction_id is not null',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists orders_payment_transaction');
  await knex.schema.alterTable('orders', (t) => {
    t.dropColumn('payment_transaction_id');
  });
}
