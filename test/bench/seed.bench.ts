/**
 * Loads the benchmark-size tenant (2,000 stores, 20,000 guides, 1,000,000 customers,
 * 1,000,000 orders, 10,000,000 interactions) into its own database through COPY.
 *   npm run bench -- seed --scale bench     (default database: guidepost_bench, recreated)
 */
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { loadConfigOrExit } from '../../core/config/env';
import { ensureDatabase, withDatabase } from '../../core/db/database-url';
import { createDb } from '../../core/db/knex';
import { migrateLatest } from '../../core/db/migrate';
import { expectedRows, seedTenant } from '../../sandbox/seed/seed';
import { adminQuery } from '../helpers/test-db';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { scale: { type: 'string', default: 'bench' }, database: { type: 'string', default: 'guidepost_bench' } },
  });
  const scale = values.scale === 'demo' ? 'demo' : 'bench';
  const cfg = loadConfigOrExit();
  const url = withDatabase(cfg.DATABASE_URL, values.database);
  await adminQuery(`drop database if exists "${values.database}" with (force)`);
  await ensureDatabase(url);
  const db = createDb(url, { pool: { min: 0, max: 1 } });
  await migrateLatest(db);
  await db.destroy();

  const bar = new SingleBar(
    {
      format: 'seed {bar} {percentage}% | {value}/{total} rows | {table} | {duration}s',
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  bar.start(Math.round(expectedRows(scale)), 0, { table: '' });
  let done = 0;
  const seen: Record<string, number> = {};
  const r = await seedTenant({
    databaseUrl: url,
    secretsKey: cfg.SECRETS_KEY,
    scale,
    trustReferences: true,
    onProgress: (table, rows) => {
      done += rows - (seen[table] ?? 0);
      seen[table] = rows;
      bar.update(done, { table });
    },
  });
  bar.stop();
  for (const [table, n] of Object.entries(r.counts).sort((a, b) => b[1] - a[1]))
    console.log(`  ${table.padEnd(22)} ${n.toLocaleString('en').padStart(12)}`);
  console.log(
    `RESULT seed rows=${r.rows} seconds=${r.seconds.toFixed(1)} rows_per_s=${Math.round(r.rows / r.seconds)}`,
  );
}
