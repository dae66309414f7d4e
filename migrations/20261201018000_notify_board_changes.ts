import type { Knex } from 'knex';

/**
 * The boards' change feed: every statement that writes a table a board reads (its rollups, the org
 * it lists, the sources its freshness reports, the tenant's time zone) notifies the channel
 * `gp_board_changes` with the tenants it touched, as a comma-separated list of ids (`*`, all of
 * them, where the list would pass a notification's 8,000 bytes). PostgreSQL
 * delivers a notification only when its transaction commits (and folds repeats within one), so a
 * listener hears of a change exactly when readers can see it. The API's board cache
 * (core/boards/cache.ts) keeps answers until their tenant is named here.
 */
const TABLES: Record<string, string> = {
  daily_credits: 'corp_id',
  daily_store_sales: 'corp_id',
  daily_activity: 'corp_id',
  daily_reach: 'corp_id',
  regions: 'corp_id',
  stores: 'corp_id',
  guides: 'corp_id',
  orders: 'corp_id',
  sync_cursors: 'corp_id',
  corps: 'id',
};

const OPS = ['insert', 'update', 'delete'] as const;
/** Inserts and updates name the tenants of their new rows; deletes those of their old rows. */
const rowsOf = (op: (typeof OPS)[number]) => (op === 'delete' ? 'old_rows' : 'new_rows');
const transition = (op: (typeof OPS)[number]) => (op === 'delete' ? 'old table as old_rows' : 'new table as new_rows');

export async function up(knex: Knex): Promise<void> {
  for (const col of new Set(Object.values(TABLES)))
    for (const op of OPS)
      await knex.raw(`
        create function gp_board_changes_${col}_${op}() returns trigger language plpgsql as $fn$
        declare corps text;
        begin
          select string_agg(distinct ${col}::text, ',') into corps from ${rowsOf(op)};
          if corps is not null then
            -- A payload holds at most 8,000 bytes: a statement across more tenants than that names all.
            perform pg_notify('gp_board_changes', case when length(corps) > 7900 then '*' else corps end);
          end if;
          return null;
        end $fn$`);
  for (const [table, col] of Object.entries(TABLES))
    for (const op of OPS)
      await knex.raw(`
        create trigger ${table}_board_changes_${op} after ${op} on ${table}
          referencing ${transition(op)} for each statement execute function gp_board_changes_${col}_${op}()`);
  // Truncation names no rows: every tenant's boards are stale.
  await knex.raw(`
    create function gp_board_changes_all() returns trigger language plpgsql as $fn$
    begin
      perform pg_notify('gp_board_changes', '*');
      return null;
    end $fn$`);
  for (const table of Object.keys(TABLES))
    await knex.raw(
      `create trigger ${table}_board_changes_truncate after truncate on ${table} for each statement execute function gp_board_changes_all()`,
    );
}

export async function down(knex: Knex): Promise<void> {
  for (const table of Object.keys(TABLES)) {
    for (const op of OPS) await knex.raw(`drop trigger ${table}_board_changes_${op} on ${table}`);
    await knex.raw(`drop trigger ${table}_board_changes_truncate on ${table}`);
  }
  await knex.raw('drop function gp_board_changes_all()');
  for (const col of new Set(Object.values(TABLES)))
    for (const op of OPS) await knex.raw(`drop function gp_board_changes_${col}_${op}()`);
}
