import type { Knex } from 'knex';

/** Store visits recorded by other systems arrive through the interaction import. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter type interaction_kind add value if not exists 'visit'`);
}

/**
 * PostgreSQL cannot drop an enum value: the type is rebuilt without it, and the visits are
 * deleted first (they cannot be expressed in the old type).
 */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`delete from interactions where kind = 'visit'`);
  await knex.raw('alter type interaction_kind rename to interaction_kind_old');
  await knex.raw(`
    create type interaction_kind as enum (
      'script_send', 'product_share', 'coupon_issue', 'message', 'customer_added', 'call', 'transfer', 'archive_message', 'behavior'
    )`);
  await knex.raw('alter table interactions alter column kind type interaction_kind using kind::text::interaction_kind');
  await knex.raw('drop type interaction_kind_old');
}
