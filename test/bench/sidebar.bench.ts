/**
 * Opening the sidebar, on the benchmark data (run `npm run bench -- seed --scale bench` first):
 *   npm run bench -- sidebar [--seconds 20] [--rounds 4] [--concurrency 50] [--pairs 200] [--sidebar-only]
 * Measures, in one run: the API calls the sidebar makes when a chat opens (the customer profile
 * and her scripts) through the real Express app with session auth, at 50 concurrent users; and
 * a bare Express app answering one indexed PostgreSQL query, under the same load. The measured
 * time is split into rounds that alternate between the two (`--rounds`), so that a machine whose
 * speed drifts during the run (a shared VM) does not decide the ratio.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import express from 'express';
import { Worker } from 'node:worker_threads';
import { createApp } from '../../api/app';
import { signSession } from '../../core/auth/session';
import { loadConfigOrExit } from '../../core/config/env';
import { closeContext, createContext } from '../../core/context';
import { withDatabase } from '../../core/db/database-url';
import { createDb } from '../../core/db/knex';
import { migrateLatest } from '../../core/db/migrate';

interface Pair {
  corpId: number;
  userid: string;
  ext: string;
}

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  firstError: string;
}

interface Target {
  base: string;
  calls: { path: string; headers: Record<string, string> }[][];
}

/**
 * `users` virtual users on a worker thread, each looping over the pairs from its own offset:
 * a warm-up per target, then the measured time in rounds alternating between the targets.
 */
function load(opts: {
  users: number;
  warmupMs: number;
  seconds: number;
  rounds: number;
  targets: Target[];
}): Promise<LoadResult[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./load-worker.mjs', import.meta.url), { workerData: opts });
    w.once('message', (m: LoadResult[]) => resolve(m));
    w.once('error', reject);
  });
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string', default: '20' },
      concurrency: { type: 'string', default: '50' },
      pairs: { type: 'string', default: '200' },
      rounds: { type: 'string', default: '4' },
      database: { type: 'string', default: 'guidepost_bench' },
      corp: { type: 'string', default: 'wwbench0001guidepost' },
      'sidebar-only': { type: 'boolean', default: false },
    },
  });
  const base = loadConfigOrExit();
  const cfg = {
    ...base,
    DATABASE_URL: withDatabase(base.DATABASE_URL, values.database),
    QUEUE_PREFIX: `gpbench-${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'silent' as const,
    // The bench is one address and one corp at thousands of requests a second: measure the app, not its limits.
    RATE_LIMIT_API_IP: 0,
    RATE_LIMIT_API_CORP: 0,
  };
  const ctx = createContext(cfg, 'bench');
  await migrateLatest(ctx.db);
  const corp = await ctx.db('corps').where({ wecom_corp_id: values.corp }).first<{ id: number } | undefined>('id');
  if (!corp) throw new Error(`no tenant ${values.corp} in ${values.database}: run npm run bench -- seed --scale bench`);
  // Follow relations spread over the table (every n-th id), for guides who can sign in.
  const total = Number(
    (await ctx.db('customer_guides').where({ corp_id: corp.id }).count<{ n: number }[]>('* as n'))[0]!.n,
  );
  const want = Number(values.pairs);
  const stride = Math.max(1, Math.floor(total / want));
  const rows = await ctx.db.raw<{ rows: { userid: string; ext: string }[] }>(
    `select u.userid, c.external_userid as ext
       from (select id, customer_id, guide_id from customer_guides where corp_id = ? and ended_at is null and id % ? = 0 limit ?) cg
       join customers c on c.id = cg.customer_id and c.external_userid is not null
       join users u on u.guide_id = cg.guide_id and u.role = 'guide' and u.active`,
    [corp.id, stride, want],
  );
  const pairs: Pair[] = rows.rows.map((r) => ({ corpId: corp.id, userid: r.userid, ext: r.ext }));
  if (pairs.length === 0) throw new Error('no guide/customer pairs to open');
  const tokens = new Map(
    pairs.map((p) => [
      p.userid,
      `Bearer ${signSession(cfg.SESSION_SECRET, { corpId: p.corpId, userid: p.userid }, 3600)}`,
    ]),
  );
  const users = Number(values.concurrency);
  const seconds = Number(values.seconds);
  const rounds = values['sidebar-only'] ? 1 : Math.max(1, Number(values.rounds));
  console.log(
    `pairs: ${pairs.length} (of ${total.toLocaleString('en')} follow relations), ${users} concurrent, ${seconds} s each after a 3 s warm-up${rounds > 1 ? `, in ${rounds} alternating rounds` : ''}`,
  );

  // 1. The sidebar's calls when a chat opens, through the real app.
  const api = await listen(createApp(ctx, { serveSidebar: false }));
  const sidebarTarget: Target = {
    base: api.url,
    calls: pairs.map((p) => {
      const headers = { authorization: tokens.get(p.userid)! };
      return [
        { path: `/api/sidebar/customers/${p.ext}`, headers },
        { path: `/api/sidebar/customers/${p.ext}/scripts`, headers },
      ];
    }),
  };
  const report = (name: string, r: LoadResult) =>
    console.log(
      `${name}: ${r.requests.toLocaleString('en')} requests, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors${r.firstError ? ` (first: ${r.firstError})` : ''}`,
    );
  if (values['sidebar-only']) {
    const [sidebar] = await load({ users, warmupMs: 3000, seconds, rounds, targets: [sidebarTarget] });
    await new Promise((r) => api.server.close(r));
    report('sidebar', sidebar!);
    await closeContext(ctx);
    if (sidebar!.errors) process.exitCode = 1;
    return;
  }
  // 2. Baseline: bare Express, one indexed query, same pool size, same load.
  const db = createDb(cfg.DATABASE_URL, { pool: { min: 0, max: cfg.DATABASE_POOL_MAX } });
  const bare = express();
  let inFlight = 0;
  bare.get('/baseline/:ext', async (req, res) => {
    inFlight++;
    try {
      const row = await db('customers')
        .where({ corp_id: corp.id, external_userid: req.params.ext })
        .first('id', 'name', 'avatar');
      res.json(row ?? null);
    } finally {
      inFlight--;
    }
  });
  const b = await listen(bare);
  const [sidebar, baseline] = (await load({
    users,
    warmupMs: 3000,
    seconds,
    rounds,
    targets: [sidebarTarget, { base: b.url, calls: pairs.map((p) => [{ path: `/baseline/${p.ext}`, headers: {} }]) }],
  })) as [LoadResult, LoadResult];
  await new Promise((r) => api.server.close(r));
  await new Promise((r) => b.server.close(r));
  // Requests the load generator abandoned at its deadline still finish before the pool closes.
  while (inFlight > 0) await new Promise((r) => setImmediate(r));
  await db.destroy();
  report('sidebar', sidebar);
  report('baseline', baseline);
  await closeContext(ctx);
  console.log(
    `RESULT sidebar p99_ms=${sidebar.p99.toFixed(1)} rps=${Math.round(sidebar.rps)} baseline_rps=${Math.round(baseline.rps)} ratio=${(sidebar.rps / baseline.rps).toFixed(2)}`,
  );
  if (sidebar.errors) process.exitCode = 1;
}
