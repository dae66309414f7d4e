import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

type Migration = {
  up: (k: Knex) => Promise<void>;
  down: (k: Knex) => Promise<void>;
  config?: { transaction?: boolean };
};

/**
 * Loads `migrations/*.ts` through our own dynamic import, so the same source works under tsx,
 * vitest and the built server (knex's own loader cannot import TypeScript).
 */
class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    return readdirSync(MIGRATIONS_DIR)
      .filter((f) => /^\d{14}_[a-z0-9_]+\.ts$/.test(f))
      .sort();
  }
  getMigrationName(name: string): string {
    return name;
  }
  async getMigration(name: string): Promise<Migration> {
    return (await import(pathToFileURL(join(MIGRATIONS_DIR, name)).href)) as Migration;
  }
}

const source = new DirectoryMigrationSource();

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, names] = (await db.migrate.latest({ migrationSource: source })) as [number, string[]];
  return names;
}

export async function rollbackAll(db: Knex): Promise<string[]> {
  const [, names] = (await db.migrate.rollback({ migrationSource: source }, true)) as [number, string[]];
  return names;
}

export async function rollbackLast(db: Knex): Promise<string[]> {
  const [, names] = (await db.migrate.rollback({ migrationSource: source })) as [number, string[]];
  return names;
}

export async function listMigrationFiles(): Promise<string[]> {
  return source.getMigrations();
}
