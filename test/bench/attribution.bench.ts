/**
 * Attribution on the benchmark data (run `npm run bench -- seed --scale bench` first):
 *   npm run bench -- attribution [--orders N] [--batch 2000] [--samples 100] [--concurrency N (default: the queue policy)] [--skip-bound]
 * Measures, in one run on the same data: a bare set-based SQL statement that credits the orders by
 * the interaction window (the baseline), a bound (the window rule alone as set-based SQL with the
 * ledger's writes), the engine end to end through BullMQ workers, and the latency of crediting one
 * new order (enqueue → credited).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type QueueEvents } from 'bullmq';
import { loadConfigOrExit } from '../../core/config/env';
import { closeContext, createContext } from '../../core/context';
import { withDatabase } from '../../core/db/database-url';
import { migrateLatest } from '../../core/db/migrate';
import { attributeJob } from '../../core/jobs/attribution.jobs';
import { queuePolicy } from '../../core/jobs/policy';
import type { AppContext } from '../../core/context';
import { startWorkers } from '../../workers/runtime';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      orders: { type: 'string' },
      batch: { type: 'string', default: '2000' },
      samples: { type: 'string', default: '100' },
      concurrency: { type: 'string' },
      'skip-bound': { type: 'boolean', default: false },
      database: { type: 'string', default: 'guidepost_bench' },
    },
  });
  const base = loadConfigOrExit();
  const cfg = {
    ...base,
    DATABASE_URL: withDatabase(base.DATABASE_URL, values.database),
    QUEUE_PREFIX: `gpbench-${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'warn' as const,
  };
  const ctx = createContext(cfg, 'bench');
  // Data seeded under an older schema is brought up to date first, as a deploy would.
  await migrateLatest(ctx.db);
  const corp = await ctx
    .db('corps')
    .where({ wecom_corp_id: 'wwbench0001guidepost' })
    .first<{ id: number } | undefined>('id');
  if (!corp) throw new Error(`no benchmark tenant in ${values.database}: run npm run bench -- seed --scale bench`);
  // Single-order probes (this run's, or an interrupted run's) are not part of the data set.
  const removeProbes = async () => {
    const probes = ctx.db('orders').where({ corp_id: corp.id }).where('order_no', 'like', 'BENCH-%').select('id');
    await ctx
      .db('credit_events')
      .whereIn('credit_id', ctx.db('credits').whereIn('order_id', probes).select('id'))
      .del();
    await ctx.db('credits').whereIn('order_id', probes).del();
    await ctx.db('orders').where({ corp_id: corp.id }).where('order_no', 'like', 'BENCH-%').del();
  };
  await removeProbes();
  const limit = values.orders ? Number(values.orders) : undefined;
  const q = ctx.db('orders').where({ corp_id: corp.id }).orderBy('id');
  if (limit) q.limit(limit);
  const ids = await q.pluck<number[]>('id');
  const kinds = [
    'script_send',
    'product_share',
    'coupon_issue',
    'message',
    'customer_added',
    'call',
    'archive_message',
  ];
  const [first, last] = [ids[0], ids[ids.length - 1]];
  if (first === undefined || last === undefined) throw new Error('the benchmark tenant has no orders');
  console.log(`orders: ${ids.length.toLocaleString('en')}`);

  // 1. Bare set-based SQL: one statement credits every order by the 7-day window, with the write.
  const creditBySql = `select o.id as order_id, w.guide_id, o.net_fen as amount_fen, w.id as interaction_id
       from orders o cross join lateral (
         select i.guide_id, i.id from interactions i
          where i.customer_id = o.customer_id and i.occurred_at >= o.paid_at - interval '7 days' and i.occurred_at < o.paid_at and i.kind::text = any(?)
          order by i.occurred_at desc, i.guide_id limit 1) w
      where o.corp_id = ? and o.id between ? and ?`;
  // Both sides run on a warm cache: the statement's reads once, untimed (the engine reads the same
  // orders and interactions, and would otherwise be compared with a baseline that paid for the disk).
  await ctx.db.raw(`select count(*) from (${creditBySql}) x`, [kinds, corp.id, first, last]);
  await ctx.db.raw('drop table if exists bench_sql_credits');
  const t0 = performance.now();
  await ctx.db.raw(`create unlogged table bench_sql_credits as ${creditBySql}`, [kinds, corp.id, first, last]);
  const sqlSeconds = (performance.now() - t0) / 1000;
  const sqlCredited = Number((await ctx.db('bench_sql_credits').count<{ n: number }[]>('* as n'))[0]!.n);
  await ctx.db.raw('drop table bench_sql_credits');
  console.log(`sql baseline: ${sqlCredited.toLocaleString('en')} credited in ${sqlSeconds.toFixed(1)} s`);

  // 2. A bound, not a target: the window rule alone as set-based SQL writing what the ledger needs
  // (evidence with the winning guide's interaction ids, every losing guide with why, the board
  // rollup), batch by batch in as many sessions as the engine has workers. No coupon, transfer or
  // refund path, no trail, one rule-set version; the engine does all of that, so it cannot be faster.
  const sessions = values.concurrency ? Number(values.concurrency) : queuePolicy.attribution.concurrency;
  const batch = Number(values.batch);
  if (!values['skip-bound']) {
    await clearCredits(ctx, corp.id);
    const tz = (await ctx.db('corps').where({ id: corp.id }).first<{ timezone: string }>('timezone'))!.timezone;
    let next = 0;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: sessions }, async () => {
        for (let i = next; i < ids.length; i = next) {
          next += batch;
          const slice = ids.slice(i, i + batch);
          await ctx.db.transaction(async (trx) => {
            await trx.raw('set local max_parallel_workers_per_gather = 0');
            await trx.raw('select id from orders where corp_id = ? and id = any(?::bigint[]) order by id for update', [
              corp.id,
              slice,
            ]);
            await trx.raw(WINDOW_RULE_SQL, [slice, corp.id, kinds, corp.id, corp.id, tz]);
          });
        }
      }),
    );
    const boundSeconds = (performance.now() - t) / 1000;
    const bound = Number((await ctx.db('credits').where({ corp_id: corp.id }).count<{ n: number }[]>('* as n'))[0]!.n);
    console.log(
      `bound: the window rule as set-based SQL with ledger writes, ${sessions} sessions: ${bound.toLocaleString('en')} credited in ${boundSeconds.toFixed(1)} s, ${Math.round(ids.length / boundSeconds)} orders/s, ${(sqlSeconds / boundSeconds).toFixed(2)} of the baseline`,
    );
  }

  // 3. The engine through the workers, from scratch.
  await clearCredits(ctx, corp.id);
  // Crediting from scratch replays history as it happened, before the seeded periods closed
  // (as the demo's history credit does); otherwise every old sale becomes today's adjustment.
  const closed = await ctx.db('commission_periods').where({ corp_id: corp.id, status: 'closed' }).pluck<number[]>('id');
  await ctx.db('commission_periods').whereIn('id', closed).update({ status: 'open' });
  const workers = startWorkers(ctx, values.concurrency ? { concurrency: Number(values.concurrency) } : {});
  // Completion is counted from the queue's events, not by polling its counts: polling every 20 ms
  // took ~5% of this process's CPU, which the workers share.
  const events = ctx.queues.events('attribution');
  await events.waitUntilReady();
  const jobs = Math.ceil(ids.length / batch);
  let completed = 0;
  const allCompleted = new Promise<void>((resolve, reject) => {
    events.on('completed', () => ++completed === jobs && resolve());
    // A failed attempt would be retried and distort the figure: the run stops instead.
    events.on('failed', ({ jobId, failedReason }) =>
      reject(new Error(`attribution job ${jobId} failed: ${failedReason}`)),
    );
  });
  const t1 = performance.now();
  for (let i = 0; i < ids.length; i += batch * 50) {
    const payloads = [];
    for (let j = i; j < Math.min(ids.length, i + batch * 50); j += batch)
      payloads.push({ corpId: corp.id, orderIds: ids.slice(j, j + batch), reason: 'bench' });
    await ctx.queues.enqueueMany(attributeJob, payloads);
  }
  await allCompleted;
  const engineSeconds = (performance.now() - t1) / 1000;
  await ctx.queues.drain(60_000);
  await ctx.db('commission_periods').whereIn('id', closed).update({ status: 'closed' });
  const engineCredited = Number(
    (
      await ctx
        .db('credits')
        .where({ corp_id: corp.id, kind: 'sale', rule: 'interaction' })
        .whereNull('superseded_at')
        .count<{ n: number }[]>('* as n')
    )[0]!.n,
  );
  console.log(
    `engine: ${ids.length.toLocaleString('en')} orders in ${engineSeconds.toFixed(1)} s (${engineCredited.toLocaleString('en')} by the window rule)`,
  );

  // 4. One new order at a time: insert, enqueue, wait until credited.
  const sample = await ctx
    .db('orders as o')
    .where({ 'o.corp_id': corp.id })
    .whereNotNull('o.customer_id')
    .orderBy('o.id', 'desc')
    .limit(Number(values.samples))
    .select<{ customer_id: number; store_id: number; paid_at: Date }[]>('o.customer_id', 'o.store_id', 'o.paid_at');
  const lat: number[] = [];
  for (const [k, s] of sample.entries()) {
    const start = performance.now();
    const [o] = await ctx
      .db('orders')
      .insert({
        corp_id: corp.id,
        source: 'pos',
        order_no: `BENCH-${cfg.QUEUE_PREFIX}-${k}`,
        store_id: s.store_id,
        customer_id: s.customer_id,
        paid_at: new Date(s.paid_at.getTime() + 60_000),
        gross_fen: 29_900,
        net_fen: 29_900,
      })
      .returning<{ id: number }[]>('id');
    const jobId = await ctx.queues.enqueue(attributeJob, {
      corpId: corp.id,
      orderIds: [o!.id],
      reason: 'bench single order',
    });
    const job = await ctx.queues.queue('attribution').getJob(jobId);
    await job!.waitUntilFinished(events as QueueEvents, 30_000);
    lat.push(performance.now() - start);
  }
  lat.sort((a, b) => a - b);
  const p99 = lat[Math.min(lat.length - 1, Math.ceil(lat.length * 0.99) - 1)]!;
  console.log(
    `single order: p50 ${lat[Math.floor(lat.length / 2)]!.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms over ${lat.length}`,
  );
  await removeProbes();

  await events.close();
  await workers.close();
  const keys = await ctx.redis.keys(`${cfg.QUEUE_PREFIX}:*`);
  if (keys.length) await ctx.redis.del(...keys);
  await closeContext(ctx);
  const e = ids.length / engineSeconds;
  const s = ids.length / sqlSeconds;
  console.log(
    `RESULT attribution orders=${ids.length} engine_orders_per_s=${Math.round(e)} sql_orders_per_s=${Math.round(s)} ratio=${(e / s).toFixed(2)} p99_single_order_ms=${Math.round(p99)}`,
  );
}

/**
 * Every phase starts from the same state: no credits, and no dead rows left by the last phase or
 * run. Autovacuum may not have reached them yet; an index full of dead entries slowed the engine's
 * reads of its live lines ~20-fold after a few runs.
 */
async function clearCredits(ctx: AppContext, corpId: number): Promise<void> {
  await ctx.db('credit_events').where({ corp_id: corpId }).del();
  await ctx.db('credits').where({ corp_id: corpId }).del();
  await ctx.db('daily_credits').where({ corp_id: corpId }).del();
  await ctx.db.raw('vacuum (analyze) credits, credit_events, daily_credits');
}

const iso = (x: string) => `to_char(${x} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The bound's statement: params (order ids, corp, counted kinds, corp, corp, time zone). */
const WINDOW_RULE_SQL = `
  with w as (
    select o.id as order_id, o.customer_id, o.store_id, o.net_fen, o.paid_at, i.id, i.guide_id, i.occurred_at as at, i.kind::text collate "C" as kind
      from orders o join interactions i on i.customer_id = o.customer_id and i.occurred_at >= o.paid_at - interval '168 hours' and i.occurred_at < o.paid_at
     where o.id = any(?::bigint[]) and i.corp_id = ? and i.kind::text = any(?)),
  g as (
    select order_id, customer_id, store_id, net_fen, paid_at, guide_id, max(at) as last_at, (array_agg(kind order by at desc, kind, id))[1] as kind, array_agg(id order by id) as ids
      from w group by order_id, customer_id, store_id, net_fen, paid_at, guide_id),
  t as (
    select g.*, count(*) filter (where last_at = top) over (partition by order_id) as tied
      from (select g.*, max(last_at) over (partition by order_id) as top from g) g),
  r as (
    select t.*, cg.guide_id as excl,
           first_value(t.guide_id) over (partition by order_id order by last_at = top desc, (t.guide_id = cg.guide_id and last_at = top) desc nulls last, t.guide_id) as pick
      from t left join customer_guides cg on t.tied > 1 and cg.customer_id = t.customer_id and cg.is_exclusive and cg.ended_at is null),
  a as (
    select order_id, store_id, net_fen, paid_at, pick, max(last_at) as top,
           case when max(tied) = 1 then 'none' when pick = max(excl) then 'exclusive_guide' else 'smallest_guide_id' end as tie_break,
           (jsonb_agg(jsonb_build_object('ids', ids, 'kind', kind)) filter (where guide_id = pick))->0 as win,
           coalesce(jsonb_agg(jsonb_build_object('guideId', guide_id, 'rule', 'interaction', 'lostBecause', case
             when last_at < top then 'last interaction ' || ${iso('last_at')} || ' is older than ' || ${iso('top')}
             when pick = excl then 'tied on the last interaction; the exclusive guide wins'
             else 'tied on the last interaction; the smaller guide id wins' end) order by guide_id) filter (where guide_id <> pick), '[]') as losers
      from r group by order_id, store_id, net_fen, paid_at, pick),
  ins as (
    insert into credits (corp_id, order_id, guide_id, store_id, rule, amount_fen, occurred_at, rule_set_version, evidence, candidates, valid_from)
    select ?, order_id, pick, store_id, 'interaction', greatest(0, net_fen), paid_at, 1,
           jsonb_build_object('rule', 'interaction', 'interactionIds', win->'ids', 'lastAt', ${iso('top')}, 'kind', win->>'kind', 'windowDays', 7, 'tieBreak', tie_break), losers, now()
      from a
    returning guide_id, store_id, occurred_at, amount_fen)
  insert into daily_credits as d (corp_id, guide_id, store_id, day, path, orders, amount_fen)
  select ?, guide_id, store_id, (occurred_at at time zone ?)::date as day, 'interaction', count(*), sum(amount_fen) from ins
   group by guide_id, day, store_id order by guide_id, day, store_id
  on conflict (guide_id, day, store_id, path) do update set orders = d.orders + excluded.orders, amount_fen = d.amount_fen + excluded.amount_fen`;
