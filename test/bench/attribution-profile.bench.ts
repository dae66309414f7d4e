/**
 * Where the engine's time goes, statement by statement, on the benchmark data:
 *   npm run bench -- attribution-profile [orders=20000]
 * Deletes and re-credits that many orders (from the middle of the data set) in this process,
 * timing every SQL statement; prints the costliest and the total rate.
 */
import { loadConfigOrExit } from '../../core/config/env';
import { closeContext, createContext } from '../../core/context';
import { withDatabase } from '../../core/db/database-url';
import { migrateLatest } from '../../core/db/migrate';
import { attributeOrders } from '../../core/attribution/attribution.service';

export async function main(argv: string[]): Promise<void> {
  const base = loadConfigOrExit();
  const ctx = createContext(
    { ...base, DATABASE_URL: withDatabase(base.DATABASE_URL, 'guidepost_bench'), LOG_LEVEL: 'warn' },
    'prof',
  );
  await migrateLatest(ctx.db);
  const corp = await ctx
    .db('corps')
    .where({ wecom_corp_id: 'wwbench0001guidepost' })
    .first<{ id: number } | undefined>('id');
  if (!corp) throw new Error('no benchmark tenant in guidepost_bench: run npm run bench -- seed --scale bench');
  const ids = await ctx
    .db('orders')
    .where({ corp_id: corp.id })
    .orderBy('id')
    .limit(Number(argv[0] ?? 20000))
    .offset(500000)
    .pluck<number[]>('id');
  const byStmt = new Map<string, { n: number; ms: number }>();
  const started = new Map<string, number>();
  ctx.db.on('query', (q: { __knexQueryUid: string }) => started.set(q.__knexQueryUid, performance.now()));
  ctx.db.on('query-response', (_r: unknown, q: { __knexQueryUid: string; sql: string }) => {
    const key = q.sql.replace(/\s+/g, ' ').slice(0, 70);
    const e = byStmt.get(key) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += performance.now() - (started.get(q.__knexQueryUid) ?? performance.now());
    byStmt.set(key, e);
  });
  await ctx.db('credit_events').whereIn('credit_id', ctx.db('credits').select('id').whereIn('order_id', ids)).del();
  await ctx.db('credits').whereIn('order_id', ids).del();
  // The deleted lines' dead entries would slow the reads being profiled (autovacuum may be off).
  await ctx.db.raw('vacuum (analyze) credits, credit_events, daily_credits');
  const t0 = performance.now();
  await attributeOrders(ctx, corp.id, ids, 'prof');
  const total = performance.now() - t0;
  let sql = 0;
  for (const [k, v] of [...byStmt].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14)) {
    sql += v.ms;
    console.log(`${v.ms.toFixed(0).padStart(7)} ms ${String(v.n).padStart(5)}×  ${k}`);
  }
  console.log(
    `total ${total.toFixed(0)} ms for ${ids.length} orders (${Math.round(ids.length / (total / 1000))}/s); top statements ${sql.toFixed(0)} ms`,
  );
  await closeContext(ctx);
  console.log(
    `RESULT attribution-profile orders=${ids.length} seconds=${(total / 1000).toFixed(2)} orders_per_s=${Math.round(ids.length / (total / 1000))}`,
  );
}
