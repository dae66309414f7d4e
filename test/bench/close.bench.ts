/**
 * Closing a month over the benchmark data (run `npm run bench -- seed --scale bench` first):
 *   npm run bench -- close [--database guidepost_bench] [--corp wwbench0001guidepost] [--month YYYY-MM]
 *
 * Finance reviews and closes the last full month (`reviewPeriod`, `closePeriod`: the lines computed
 * under the plan in force, checked against the review, written locked, payouts settled), and, in
 * the same run and on the same warm cache, a raw INSERT…SELECT writes the same commission lines
 * (the plan's rates and tier as literals; rolled back). Both are timed; lines per second of the
 * close (review + close) over lines per second of the raw statement is the ratio.
 *
 * It writes to the database it is given: commission lines, payouts and reviews of the bench tenant,
 * and — when the tenant has no credits yet — the 7-day-window credit of every order (set-based, as
 * the attribution bench's baseline). Every run starts from the same state: the month and those
 * after it open with no lines, the months before it closed with none (their credits are late facts
 * that land in the month, as after a first close).
 */
import { parseArgs } from 'node:util';
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import { loadConfigOrExit } from '../../core/config/env';
import { closeContext, createContext, type AppContext } from '../../core/context';
import { withDatabase } from '../../core/db/database-url';
import { migrateLatest } from '../../core/db/migrate';
import { closePeriod, nextMonthStart, reviewPeriod } from '../../core/commission/periods';
import { planForMonth } from '../../core/commission/plans';

dayjs.extend(utc);

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      database: { type: 'string', default: 'guidepost_bench' },
      corp: { type: 'string', default: 'wwbench0001guidepost' },
      month: { type: 'string' },
    },
  });
  const base = loadConfigOrExit();
  const ctx = createContext(
    { ...base, DATABASE_URL: withDatabase(base.DATABASE_URL, values.database), LOG_LEVEL: 'warn' as const },
    'bench',
  );
  await migrateLatest(ctx.db);
  const corp = await ctx
    .db('corps')
    .where({ wecom_corp_id: values.corp })
    .first<{ id: number; timezone: string } | undefined>('id', 'timezone');
  if (!corp) throw new Error(`no tenant ${values.corp} in ${values.database}: run npm run bench -- seed --scale bench`);
  const tz = corp.timezone;

  await creditIfEmpty(ctx, corp.id);
  const month =
    values.month ??
    (
      await ctx.db.raw<{ rows: { m: string }[] }>(
        `select to_char(date_trunc('month', max(paid_at) at time zone ?) - interval '1 month', 'YYYY-MM') as m from orders where corp_id = ?`,
        [tz, corp.id],
      )
    ).rows[0]!.m;
  const plan = await planForMonth(ctx.db, corp.id, month);
  await resetCommission(ctx, corp.id, month);
  const period = (await ctx
    .db('commission_periods')
    .where({ corp_id: corp.id, month: `${month}-01` })
    .first<{ id: number }>('id'))!;
  const credits = Number(
    (
      await ctx.db.raw<{ rows: { n: number }[] }>(
        `select count(*)::bigint as n from credits where corp_id = ? and superseded_at is null and occurred_at < ((?)::date)::timestamp at time zone ?`,
        [corp.id, nextMonthStart(month), tz],
      )
    ).rows[0]!.n,
  );
  console.log(`month ${month}: ${credits.toLocaleString('en')} live credit lines to settle (plan v${plan.version})`);

  // The raw statement: every live credit up to the month's end (the earlier months are closed with no
  // lines), the plan's path rates and tier bonus as literals, the same rounding, written locked.
  const rate = `case c.rule when 'transfer' then ${plan.rates.transfer} when 'coupon' then ${plan.rates.coupon} else ${plan.rates.interaction} end`;
  const tiers = [...plan.tiers].reverse();
  const bonus = tiers.length
    ? `case ${tiers.map((t) => `when g.fen >= ${t.fromFen} then ${t.bonusBp}`).join(' ')} else 0 end`
    : '0';
  const m1 = nextMonthStart(month);
  const raw = `
    insert into commission_lines (corp_id, period_id, guide_id, credit_id, kind, rule, plan_version, base_fen, rate_bp, amount_fen,
                                  occurred_on, payable_on, locked, paid_in_period_id)
    select c.corp_id, ${period.id}, c.guide_id, c.id,
           (case c.kind when 'sale' then 'earn' when 'refund' then 'clawback' else 'adjustment' end)::commission_line_kind,
           c.rule, ${plan.version}, c.amount_fen, r.bp,
           case when c.amount_fen * r.bp < 0 then -1 else 1 end * ((abs(c.amount_fen * r.bp) * 2 + 10000) / 20000),
           d.day, d.day + ${plan.holdDays}, true, case when d.day + ${plan.holdDays} < date '${m1}' then ${period.id} end
      from credits c
      join (select guide_id, sum(amount_fen) as fen from credits
             where corp_id = ${corp.id} and superseded_at is null and occurred_at < (date '${m1}')::timestamp at time zone '${tz}'
             group by guide_id) g on g.guide_id = c.guide_id
      cross join lateral (select (c.occurred_at at time zone '${tz}')::date as day) d
      cross join lateral (select ${rate} + ${bonus} as bp) r
     where c.corp_id = ${corp.id} and c.superseded_at is null and c.occurred_at < (date '${m1}')::timestamp at time zone '${tz}'`;
  // Warm cache for both: the statement's reads once, untimed.
  await ctx.db.raw(`select count(*), sum(amount_fen) from credits where corp_id = ?`, [corp.id]);
  await ctx.db.raw(`explain analyze ${raw.replace(/insert into[\s\S]*?\)\s*select/, 'select')}`);

  let baseline = { seconds: 0, lines: 0, fen: 0 };
  await ctx.db
    .transaction(async (trx) => {
      const t0 = performance.now();
      const r = await trx.raw<{ rowCount: number }>(raw);
      const seconds = (performance.now() - t0) / 1000;
      const { fen } = (
        await trx.raw<{ rows: { fen: number }[] }>(
          'select coalesce(sum(amount_fen), 0)::bigint as fen from commission_lines where period_id = ?',
          [period.id],
        )
      ).rows[0]!;
      baseline = { seconds, lines: r.rowCount, fen };
      throw new Rollback();
    })
    .catch((e: unknown) => {
      if (!(e instanceof Rollback)) throw e;
    });
  await ctx.db.raw('vacuum (analyze) commission_lines');
  console.log(
    `raw INSERT…SELECT: ${baseline.lines.toLocaleString('en')} lines in ${baseline.seconds.toFixed(2)} s (rolled back)`,
  );

  const t1 = performance.now();
  const review = await reviewPeriod(ctx.db, corp.id, month, 'bench');
  const reviewSeconds = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  const closed = await closePeriod(ctx.db, corp.id, month, 'bench', 'benchmark close');
  const closeSeconds = (performance.now() - t2) / 1000;
  const seconds = reviewSeconds + closeSeconds;
  const { fen, n } = (
    await ctx.db.raw<{ rows: { fen: number; n: number }[] }>(
      'select coalesce(sum(amount_fen), 0)::bigint as fen, count(*)::bigint as n from commission_lines where period_id = ?',
      [period.id],
    )
  ).rows[0]!;
  console.log(
    `review: ${review.guides.toLocaleString('en')} guides, ${review.totalFen} fen in ${reviewSeconds.toFixed(2)} s; close: ${closed.lines.toLocaleString('en')} lines, payout ${closed.payoutFen} fen in ${closeSeconds.toFixed(2)} s`,
  );
  const same = Number(n) === baseline.lines && Number(fen) === Number(baseline.fen);
  console.log(
    `same lines as the raw statement: ${same ? 'yes' : 'NO'} (${Number(n)} vs ${baseline.lines} lines, ${fen} vs ${baseline.fen} fen)`,
  );
  await closeContext(ctx);
  const r = closed.lines / seconds;
  const b = baseline.lines / baseline.seconds;
  console.log(
    `RESULT close seconds=${seconds.toFixed(2)} lines=${closed.lines} lines_per_s=${Math.round(r)} baseline_lines_per_s=${Math.round(b)} ratio=${(r / b).toFixed(2)} review_s=${reviewSeconds.toFixed(2)} close_s=${closeSeconds.toFixed(2)}`,
  );
}

class Rollback extends Error {}

/**
 * The bench tenant's orders credited by the 7-day window (the latest counted interaction before
 * the purchase), set-based, once: the ledger a month's close settles.
 */
async function creditIfEmpty(ctx: AppContext, corpId: number): Promise<void> {
  const has = await ctx.db('credits').where({ corp_id: corpId }).whereNull('superseded_at').first('id');
  if (has) return;
  const t0 = performance.now();
  const r = await ctx.db.raw<{ rowCount: number }>(
    `insert into credits (corp_id, order_id, kind, role, guide_id, store_id, rule, amount_fen, occurred_at, rule_set_version, evidence)
     select o.corp_id, o.id, 'sale', 'seller', w.guide_id, o.store_id, 'interaction', o.net_fen, o.paid_at, 1,
            jsonb_build_object('rule', 'interaction', 'interactionIds', jsonb_build_array(w.id))
       from orders o cross join lateral (
         select i.guide_id, i.id from interactions i
          where i.customer_id = o.customer_id and i.occurred_at >= o.paid_at - interval '7 days' and i.occurred_at < o.paid_at
          order by i.occurred_at desc, i.guide_id limit 1) w
      where o.corp_id = ? and o.net_fen > 0`,
    [corpId],
  );
  await ctx.db.raw('vacuum (analyze) credits');
  console.log(
    `credited ${r.rowCount.toLocaleString('en')} orders by the window rule in ${((performance.now() - t0) / 1000).toFixed(1)} s (setup)`,
  );
}

/**
 * The same starting state every run: the month and later open with no lines; earlier months closed.
 * The benchmark database holds the bench tenant alone, so its commission tables are emptied whole.
 */
async function resetCommission(ctx: AppContext, corpId: number, month: string): Promise<void> {
  const others = await ctx.db('corps').whereNot({ id: corpId }).first('id');
  if (others)
    throw new Error('the close bench empties the commission tables: run it on a database of the bench tenant alone');
  await ctx.db.transaction(async (trx) => {
    await trx.raw('truncate commission_payouts, commission_reviews, commission_exports, adjustments, commission_lines');
    await trx('commission_periods')
      .insert({ corp_id: corpId, month: `${month}-01` })
      .onConflict(['corp_id', 'month'])
      .ignore();
    await trx('commission_periods')
      .where({ corp_id: corpId })
      .where('month', '<', `${month}-01`)
      .update({ status: 'closed', closed_at: trx.fn.now(), closed_by: 'bench' });
    await trx('commission_periods')
      .where({ corp_id: corpId })
      .where('month', '>=', `${month}-01`)
      .update({ status: 'open', closed_at: null, closed_by: null });
  });
  await ctx.db.raw('vacuum (analyze) commission_lines, commission_payouts');
}
