import type { Knex } from 'knex';

/**
 * The exclusive guide (专属导购) as dated assignments: a tie on the 7-day rule is broken by the
 * customer's exclusive guide at the purchase's `paid_at`, not by whoever holds the flag when the
 * job runs. `customer_guides.is_exclusive` stays as the current assignment's mirror for the sidebar.
 * At most one assignment per customer is open at any moment (an exclusion constraint).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create extension if not exists btree_gist');
  await knex.schema.createTable('exclusive_assignments', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.bigInteger('guide_id').notNullable().references('guides.id');
    t.timestamp('valid_from', { useTz: true }).notNullable();
    t.timestamp('valid_to', { useTz: true }).comment('null: still in force');
    t.string('set_by', 64).notNullable();
    t.string('reason', 256).notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['customer_id', 'valid_from']);
  });
  await knex.raw(
    `alter table exclusive_assignments add constraint exclusive_assignments_span check (valid_to is null or valid_to > valid_from)`,
  );
  await knex.raw(`
    alter table exclusive_assignments add constraint exclusive_assignments_one_at_a_time
      exclude using gist (customer_id with =, tstzrange(valid_from, valid_to, '[)') with &&)`);
  // Today's flags become assignments from the start of their relation.
  await knex.raw(`
    insert into exclusive_assignments (corp_id, customer_id, guide_id, valid_from, set_by, reason)
    select distinct on (customer_id) corp_id, customer_id, guide_id, added_at, 'migration', 'exclusive before assignments were dated'
      from customer_guides where is_exclusive and ended_at is null
     order by customer_id, added_at`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('exclusive_assignments');
}
