import { describe, expect, it } from 'vitest';
import { listMigrationFiles, migrateLatest, rollbackAll } from '../../core/db/migrate';
import { useTestContext } from '../helpers/context';

const t = useTestContext();

async function tables(): Promise<string[]> {
  const rows = await t.ctx
    .db('pg_tables')
    .where({ schemaname: 'public' })
    .whereNot('tablename', 'like', 'knex_%')
    .pluck('tablename');
  return (rows as string[]).sort();
}

describe('migrations', () => {
  it('run latest → rollback all → latest, leaving the same schema', async () => {
    const before = await tables();
    expect(before).toEqual(
      expect.arrayContaining([
        'corps',
        'customers',
        'customer_guides',
        'orders',
        'credits',
        'commission_lines',
        'audit_log',
      ]),
    );
    const files = await listMigrationFiles();
    const rolled = await rollbackAll(t.ctx.db);
    expect(rolled).toHaveLength(files.length);
    expect(await tables()).toEqual([]);
    const types = await t.ctx.db.raw<{ rows: unknown[] }>(
      `select typname from pg_type t join pg_namespace n on n.oid = t.typnamespace where n.nspname = 'public' and t.typtype = 'e'`,
    );
    expect(types.rows).toEqual([]);
    await migrateLatest(t.ctx.db);
    expect(await tables()).toEqual(before);
  });

  it('every business table carries corp_id; money columns are bigint; times are timestamptz', async () => {
    const cols = await t.ctx
      .db('information_schema.columns')
      .where({ table_schema: 'public' })
      .select<{ table_name: string; column_name: string; data_type: string }[]>(
        'table_name',
        'column_name',
        'data_type',
      );
    const byTable = new Map<string, typeof cols>();
    for (const c of cols) byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c]);
    const exempt = new Set(['corps', 'knex_migrations', 'knex_migrations_lock']);
    for (const [table, cs] of byTable) {
      if (exempt.has(table) || /_\d{6}$|_default$/.test(table)) continue;
      expect(
        cs.map((c) => c.column_name),
        `${table} has corp_id`,
      ).toContain('corp_id');
    }
    for (const c of cols) {
      if (c.column_name.endsWith('_fen')) expect(c.data_type, `${c.table_name}.${c.column_name}`).toBe('bigint');
      if (c.data_type.startsWith('timestamp'))
        expect(c.data_type, `${c.table_name}.${c.column_name}`).toBe('timestamp with time zone');
    }
  });

  it('interactions are range-partitioned by month with a default partition', async () => {
    const parts = await t.ctx.db.raw<{ rows: { name: string }[] }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'interactions'::regclass`,
    );
    const names = parts.rows.map((r) => r.name);
    expect(names).toContain('interactions_default');
    expect(names).toContain('interactions_202611');
    await t.ctx.db.raw(`select gp_ensure_month_partitions('interactions', '2029-01-01', 2)`);
    expect(
      await t.ctx.db
        .raw(`select to_regclass('interactions_202902') is not null as ok`)
        .then((r: { rows: { ok: boolean }[] }) => r.rows[0]!.ok),
    ).toBe(true);
  });
});
