import type { Knex } from 'knex';

/** What the sidebar reads on every open: a script's send count, a guide's sends by script, and matching customers by size. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('scripts', (t) => {
    t.integer('send_count').notNullable().defaultTo(0).comment('sends across the corp, kept by the send endpoint');
  });
  await knex.raw('create index script_sends_guide_script on script_sends (guide_id, script_id)');
  await knex.raw("create index coupons_customer_open on coupons (customer_id, expires_at) where status = 'issued'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index coupons_customer_open');
  await knex.raw('drop index script_sends_guide_script');
  await knex.schema.alterTable('scripts', (t) => {
    t.dropColumn('send_count');
  });
}
