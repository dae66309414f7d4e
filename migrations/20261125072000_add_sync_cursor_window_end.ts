import type { Knex } from 'knex';

/** A paging cursor belongs to one query: keep the window's end beside it, so a resumed run asks the same question. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_cursors', (t) => {
    t.timestamp('window_end', { useTz: true }).comment('end of the window the saved cursor pages through');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_cursors', (t) => {
    t.dropColumn('window_end');
  });
}
