import type { Knex } from 'knex';

/**
 * The tenant's trusted domains (WeCom 可信域名): the hosts whose pages may receive JS-SDK
 * signatures besides the API's own public origin. Lower-case host names, no scheme or path.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table corps add column trusted_domains text[] not null default '{}'`);
  await knex.raw(
    `comment on column corps.trusted_domains is 'hosts whose pages may receive JS-SDK signatures (WeCom trusted domains), besides PUBLIC_URL'`,
  );
  await knex.raw(
    `alter table corps add constraint corps_trusted_domains_hosts check (array_to_string(trusted_domains, ',') ~ '^[a-z0-9.:,-]*$')`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table corps drop constraint corps_trusted_domains_hosts');
  await knex.raw('alter table corps drop column trusted_domains');
}
