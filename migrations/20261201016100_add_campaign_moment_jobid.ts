import type { Knex } from 'knex';

/**
 * add_moment_task answers with a job that WeCom finishes asynchronously: the campaign keeps the
 * jobid, so a dispatch retried while the job still runs reads that job instead of creating a second moment.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaigns', (t) => {
    t.string('moment_jobid', 64).comment('add_moment_task job (valid 24 h), until its moment_id is known');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaigns', (t) => t.dropColumn('moment_jobid'));
}
