import type { Knex } from 'knex';

/**
 * The attribution outbox and the decision trail.
 *
 * `attribution_pending`: one row per subject (an order, a customer whose orders a fact may change, a
 * transfer bill) whose attribution is owed. It is written in the same transaction as the facts, so a
 * committed fact always has either a row here or a decision; the row is deleted when an attribution
 * run that started after its last change commits (`seq` tells a change made during the run). A sweep
 * re-enqueues rows that no live job has settled by `due_at` — lost jobs, jobs failed after their
 * retries, a crash between the commit and the enqueue.
 *
 * `attribution_outcomes`: the current outcome of every decided order (guide null = unattributed).
 * `attribution_decisions`: every change of an order's outcome, its first decision included, with the
 * fact that caused it, the rule-set version and the time.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create type attribution_subject as enum ('order', 'customer', 'transfer')`);
  await knex.raw(`create sequence attribution_pending_seq`);
  await knex.raw(`
    create table attribution_pending (
      corp_id bigint not null references corps(id) on delete cascade,
      subject attribution_subject not null,
      subject_id bigint not null,
      cause_kind varchar(24) not null,
      cause_id varchar(96),
      reason varchar(256) not null,
      seq bigint not null default nextval('attribution_pending_seq'),
      first_at timestamptz not null default now(),
      due_at timestamptz not null default now(),
      attempts integer not null default 0,
      last_error varchar(512),
      primary key (corp_id, subject, subject_id)
    )`);
  await knex.raw(`create index attribution_pending_due on attribution_pending (due_at)`);
  await knex.raw(`comment on column attribution_pending.first_at is 'since when this subject has been undecided'`);
  await knex.raw(
    `comment on column attribution_pending.due_at is 'when the sweep may enqueue it (again): a job is expected to settle it before'`,
  );

  await knex.schema.createTable('attribution_outcomes', (t) => {
    t.bigInteger('order_id').primary().references('orders.id').onDelete('CASCADE');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('guide_id').references('guides.id').comment('null: unattributed');
    t.specificType('rule', 'credit_rule');
    t.integer('rule_set_version').notNullable();
    t.timestamp('decided_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('attribution_decisions', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('order_id').notNullable().references('orders.id').onDelete('CASCADE');
    t.boolean('first').notNullable().comment('the order had no outcome before');
    t.bigInteger('from_guide_id').references('guides.id');
    t.specificType('from_rule', 'credit_rule');
    t.bigInteger('to_guide_id').references('guides.id');
    t.specificType('to_rule', 'credit_rule');
    t.integer('rule_set_version').notNullable();
    t.string('cause_kind', 24).notNullable();
    t.string('cause_id', 96);
    t.string('reason', 256).notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['order_id']);
  });

  // Orders stored before the outbox that were never decided are owed an attribution now.
  await knex.raw(`
    insert into attribution_pending (corp_id, subject, subject_id, cause_kind, cause_id, reason)
    select o.corp_id, 'order', o.id, 'order', o.id::text, 'stored before the outbox, never credited'
      from orders o
     where not exists (select 1 from credits c where c.order_id = o.id)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('attribution_decisions');
  await knex.schema.dropTable('attribution_outcomes');
  await knex.raw('drop table attribution_pending');
  await knex.raw('drop sequence attribution_pending_seq');
  await knex.raw('drop type attribution_subject');
}
