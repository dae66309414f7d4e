import type { Knex } from 'knex';

/** Who did what: every change a person makes through the API. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('actor', 64).notNullable();
    t.string('action', 64).notNullable();
    t.string('entity', 32).notNullable();
    t.string('entity_id', 64);
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.string('request_id', 64);
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['corp_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
}
