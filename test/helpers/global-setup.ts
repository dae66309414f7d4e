import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { createDb } from '../../core/db/knex';
import { withDatabase } from '../../core/db/database-url';
import { migrateLatest } from '../../core/db/migrate';
import { baseDatabaseUrl } from './test-db';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
  }
}

/** Template name from the migrations' content: runs with the same schema share one template. */
function templateName(): string {
  const h = createHash('sha256');
  for (const f of readdirSync('migrations').sort()) h.update(f).update(readFileSync(`migrations/${f}`));
  return `gp_tpl_${h.digest('hex').slice(0, 16)}`;
}

/**
 * Once per test run: services up and a template database migrated to latest (made once per
 * schema version, under an advisory lock so parallel runs don't race). Each test file clones it
 * (test/helpers/context.ts), so files never see each other's rows.
 */
export default async function setup(project: TestProject): Promise<void> {
  if (!process.env.GP_SKIP_SERVICES) execFileSync('bash', ['scripts/services.sh'], { stdio: 'inherit' });
  const name = templateName();
  const admin = new pg.Client({ connectionString: withDatabase(baseDatabaseUrl(), 'postgres') });
  await admin.connect();
  try {
    await admin.query('select pg_advisory_lock(424242)');
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      const building = `${name}_building`;
      await admin.query(`drop database if exists "${building}" with (force)`);
      await admin.query(`create database "${building}"`);
      const db = createDb(withDatabase(baseDatabaseUrl(), building), { pool: { min: 0, max: 1 } });
      try {
        await migrateLatest(db);
      } finally {
        await db.destroy();
      }
      await admin.query(`alter database "${building}" rename to "${name}"`);
      // Older templates (other schema versions) are no longer needed — unless other checkouts on
      // this machine test other schema versions at the same time (GP_KEEP_TEMPLATES=1).
      const old = process.env.GP_KEEP_TEMPLATES
        ? { rows: [] }
        : await admin.query<{ datname: string }>(
            `select datname from pg_database where datname like 'gp\\_tpl\\_%' and datname <> $1 and datname not like '%\\_building'`,
            [name],
          );
      for (const r of old.rows) await admin.query(`drop database if exists "${r.datname}"`).catch(() => undefined);
    }
  } finally {
    await admin.query('select pg_advisory_unlock(424242)').catch(() => undefined);
    await admin.end();
  }
  project.provide('templateDb', name);
}
