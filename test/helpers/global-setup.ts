import { execFileSync } from 'node:child_process';
import { createDb } from '../../core/db/knex';
import { withDatabase } from '../../core/db/database-url';
import { migrateLatest } from '../../core/db/migrate';
import { TEMPLATE_DB, adminQuery, baseDatabaseUrl } from './test-db';

/**
 * Once per test run: services up, a template database migrated to latest. Each test file
 * clones it (test/helpers/context.ts), so files never see each other's rows.
 */
export default async function setup(): Promise<void> {
  if (!process.env.GP_SKIP_SERVICES) execFileSync('bash', ['scripts/services.sh'], { stdio: 'inherit' });
  await adminQuery(`drop database if exists "${TEMPLATE_DB}" with (force)`);
  await adminQuery(`create database "${TEMPLATE_DB}"`);
  const db = createDb(withDatabase(baseDatabaseUrl(), TEMPLATE_DB), { pool: { min: 0, max: 1 } });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
}
