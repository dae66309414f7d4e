import type { Knex } from 'knex';

/** Head office (总部): sees the whole corp's boards, without the admin's console and secrets. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter type user_role add value if not exists 'head_office' after 'regional_manager'`);
}

export async function down(knex: Knex): Promise<void> {
  // A role PostgreSQL cannot drop from an enum: rebuild it. Head office users fall back to a store
  // manager of no store, who sees nothing (never to a role that sees more).
  await knex.raw('alter type user_role rename to user_role_old');
  await knex.raw(`create type user_role as enum ('guide', 'store_manager', 'regional_manager', 'finance', 'admin')`);
  await knex.raw(
    `alter table users alter column role type user_role using (case when role::text = 'head_office' then 'store_manager' else role::text end)::user_role`,
  );
  await knex.raw('drop type user_role_old');
}
