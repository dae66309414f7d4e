import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withDatabase } from '../../core/db/database-url';

export function baseDatabaseUrl(): string {
  return process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/guidepost';
}

export async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: withDatabase(baseDatabaseUrl(), 'postgres') });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A fresh database cloned from the migrated template (tens of milliseconds). */
export async function cloneTemplate(template: string): Promise<{ name: string; url: string }> {
  const name = `gp_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`create database "${name}" template "${template}"`);
      break;
    } catch (err) {
      // Another clone of the same template in the same instant: PostgreSQL asks us to retry.
      if (attempt < 20 && /being accessed by other users/.test(String(err))) {
        await new Promise((r) => setTimeout(r, 50 + attempt * 25));
        continue;
      }
      throw err;
    }
  }
  return { name, url: withDatabase(baseDatabaseUrl(), name) };
}

export async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`drop database if exists "${name}" with (force)`);
}
