/** `npm run db:migrate` / `npm run db:rollback [-- --all]`. */
import { loadConfigOrExit } from '../core/config/env';
import { createDb } from '../core/db/knex';
import { ensureDatabase } from '../core/db/database-url';
import { migrateLatest, rollbackAll, rollbackLast } from '../core/db/migrate';

const cfg = loadConfigOrExit();
const cmd = process.argv[2];
await ensureDatabase(cfg.DATABASE_URL);
const db = createDb(cfg.DATABASE_URL);
try {
  if (cmd === 'migrate') {
    const names = await migrateLatest(db);
    console.log(
      names.length ? `migrated: ${names.length} migration(s)\n  ${names.join('\n  ')}` : 'already up to date',
    );
  } else if (cmd === 'rollback') {
    const names = process.argv.includes('--all') ? await rollbackAll(db) : await rollbackLast(db);
    console.log(names.length ? `rolled back: ${names.join(', ')}` : 'nothing to roll back');
  } else {
    console.error('usage: db.ts migrate | rollback [--all]');
    process.exitCode = 2;
  }
} finally {
  await db.destroy();
}
