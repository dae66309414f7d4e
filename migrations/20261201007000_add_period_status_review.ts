import type { Knex } from 'knex';

/**
 * A period under review (a dry run before closing). A new enum value must be committed before it
 * can be used, so this runs outside a transaction; nothing in this migration uses it.
 */
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter type period_status add value if not exists 'review'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`update commission_periods set status = 'open' where status::text = 'review'`);
  await knex.raw('alter type period_status rename to period_status_with_review');
  await knex.raw(`create type period_status as enum ('open', 'closing', 'closed')`);
  await knex.raw('alter table commission_periods alter column status drop default');
  await knex.raw(
    'alter table commission_periods alter column status type period_status using status::text::period_status',
  );
  await knex.raw(`alter table commission_periods alter column status set default 'open'`);
  await knex.raw('drop type period_status_with_review');
}
