import type { Knex } from 'knex';

/**
 * Credit lines of kind `adjustment`: a correction to an order whose lines sit in a closed
 * period, posted in the open period. A new enum value must be committed before it can be used,
 * so this runs outside a transaction and the index that uses it is the next migration.
 */
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter type credit_kind add value if not exists 'adjustment'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    `delete from credit_events where credit_id in (select id from credits where kind::text = 'adjustment')`,
  );
  await knex.raw(`delete from credits where kind::text = 'adjustment'`);
  await knex.raw('alter type credit_kind rename to credit_kind_with_adjustment');
  await knex.raw(`create type credit_kind as enum ('sale', 'refund')`);
  await knex.raw('alter table credits alter column kind drop default');
  await knex.raw('alter table credits alter column kind type credit_kind using kind::text::credit_kind');
  await knex.raw(`alter table credits alter column kind set default 'sale'`);
  await knex.raw('drop type credit_kind_with_adjustment');
}
