/**
 * npm run seed -- --scale demo|bench [--seed N] [--database-url URL] [--sandbox-url URL] [--reset]
 *
 * Seeds the demo (or benchmark) tenant into our database; with --sandbox-url, also loads the
 * same corp, members, tags, contacts and channel codes into a running sandbox WeCom.
 */
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfigOrExit } from '../../core/config/env';
import { ensureDatabase } from '../../core/db/database-url';
import { createDb } from '../../core/db/knex';
import { migrateLatest } from '../../core/db/migrate';
import { deleteTenant } from '../../core/tenant/remove';
import { productShareColumns } from '../../core/tenant/product-share';
import { closeContext, createContext } from '../../core/context';
import { creditHistory } from './credit-history';
import { loadSandboxPayload, pushToSandbox } from './push-to-sandbox';
import { pointImagesAtSandbox } from './sandbox-images';
import { DEMO_CORP, BENCH_CORP } from './scales';
import { expectedRows, seedTenant } from './seed';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: 'demo' },
    seed: { type: 'string' },
    'database-url': { type: 'string' },
    'sandbox-url': { type: 'string' },
    reset: { type: 'boolean', default: false },
  },
});
const scale = values.scale;
if (scale !== 'demo' && scale !== 'bench') {
  console.error(`--scale must be demo or bench (got ${scale})`);
  process.exit(2);
}
const cfg = loadConfigOrExit();
const databaseUrl = values['database-url'] ?? cfg.DATABASE_URL;
await ensureDatabase(databaseUrl);
const db = createDb(databaseUrl, { pool: { min: 0, max: 2 } });
await migrateLatest(db);
const corp = scale === 'demo' ? DEMO_CORP : BENCH_CORP;
if (values.reset) {
  const existing = await db('corps').where({ wecom_corp_id: corp.wecomCorpId }).first<{ id: number } | undefined>('id');
  if (existing && (await deleteTenant(db, existing.id))) console.log(`removed the existing ${corp.name} tenant`);
}

const bar =
  scale === 'bench'
    ? new SingleBar(
        { format: 'seeding {bar} {percentage}% | {value}/{total} rows | {table}', hideCursor: true },
        Presets.shades_classic,
      )
    : null;
bar?.start(Math.round(expectedRows(scale)), 0, { table: '' });
let done = 0;
let last: Record<string, number> = {};
const result = await seedTenant({
  databaseUrl,
  secretsKey: cfg.SECRETS_KEY,
  scale,
  trustReferences: scale === 'bench',
  ...(values.seed ? { seed: Number(values.seed) } : {}),
  onProgress: (table, rows) => {
    done += rows - (last[table] ?? 0);
    last = { ...last, [table]: rows };
    bar?.update(done, { table });
  },
});
bar?.stop();
if (result.skipped) {
  console.log(`${corp.name} (${corp.wecomCorpId}) is already seeded; keeping its data (use --reset to start over)`);
  // Seeded before tenants had product-share settings: give it the brand's, when neither is set.
  const share = productShareColumns(corp.productShare);
  const filled = await db('corps')
    .where({ id: result.corpId })
    .whereNull('product_mp_appid')
    .whereNull('product_link_template')
    .update(share);
  if (filled && (share.product_mp_appid || share.product_link_template))
    console.log(`set how ${corp.name} shares products (mini-program ${share.product_mp_appid ?? 'none'})`);
} else {
  console.log(`seeded ${corp.name}: ${result.rows.toLocaleString('en')} rows in ${result.seconds.toFixed(1)} s`);
  if (scale === 'demo') {
    // Credit the history with the engine itself (the benchmark measures that separately).
    const ctx = createContext({ ...cfg, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }, 'seed');
    const credited = await creditHistory(ctx, result.corpId);
    await closeContext(ctx);
    console.log(
      `credited ${credited.orders.toLocaleString('en')} orders and ${credited.transfers.toLocaleString('en')} transfers with the attribution engine`,
    );
  }
}

if (values['sandbox-url']) {
  if (scale === 'demo') await pointImagesAtSandbox(db, corp.wecomCorpId, values['sandbox-url']);
  const payload = await loadSandboxPayload(db, corp.wecomCorpId, cfg.publicUrl);
  await pushToSandbox(values['sandbox-url'], payload, {
    agentSecret: corp.agentSecret,
    contactSecret: corp.contactSecret,
    callbackToken: corp.callbackToken,
    callbackAesKey: corp.callbackAesKey,
  });
  console.log(
    `sandbox WeCom at ${values['sandbox-url']} now knows ${payload.members.length} members and ${payload.contacts.length} customers of ${corp.name}`,
  );
}
await db.destroy();
