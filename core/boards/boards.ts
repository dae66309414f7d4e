/**
 * The managers' boards: one query per board, its SQL beside it, every one filtered by the access
 * layer (core/access/scope.ts) in the same way — `scopeFilter` over the rows' tenant, store and
 * guide. Credited sales come from the `daily_credits` rollup (tenant day, store, guide, path);
 * store totals from all of a store's orders; activity from the `daily_activity` and `daily_reach`
 * rollups (core/boards/activity.ts). Every range is in tenant days, both ends included, beside the previous period of the
 * same length and the same days a year earlier.
 */
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import {
  assertGuide,
  assertRegionVisible,
  assertStoreVisible,
  scopeFilter,
  scopeKey,
  scopeOf,
  type Scope,
} from '../access/scope';
import type { Principal } from '../auth/principal';
import type { AppContext } from '../context';
import type {
  Activity,
  Board,
  BoardLevel,
  BoardRow,
  Figures,
  Freshness,
  GuideOrders,
  Incrementality,
  Rankings,
  RangeQuery,
  Trend,
} from '../contracts/boards';
import * as contracts from '../contracts/boards';
import type { PreparedJson } from '../http/prepared-json';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { PATHS, type CreditPath } from './rollup';

dayjs.extend(utc);
dayjs.extend(timezone);

/** The private-domain value model's reference lines: mini-program ≥ 10 %, transfers 4–5 % of store sales. */
export const REFERENCE = { mallShareMinBp: 1000, transferShareBp: [400, 500] as [number, number] };
const MAX_DAYS = 366;

export interface Period {
  from: string;
  to: string;
  /** [start, end) as instants, the tenant's midnights. */
  start: Date;
  end: Date;
}

export async function tenantZone(db: Db, corpId: number): Promise<string> {
  const c = await db('corps').where({ id: corpId }).first<{ timezone: string } | undefined>('timezone');
  return c?.timezone ?? 'Asia/Shanghai';
}

function period(from: string, to: string, tz: string): Period {
  return {
    from,
    to,
    start: dayjs.tz(from, tz).toDate(),
    end: dayjs.tz(dayjs.utc(to).add(1, 'day').format('YYYY-MM-DD'), tz).toDate(),
  };
}

/** The range, the previous period of as many days, and the same days a year earlier. */
export function periods(q: RangeQuery, tz: string): { current: Period; previous: Period; lastYear: Period } {
  const from = dayjs.utc(q.from);
  const to = dayjs.utc(q.to);
  if (!from.isValid() || from.format('YYYY-MM-DD') !== q.from)
    throw new AppError('VALIDATION_FAILED', 'query.from: not a day', { field: 'query.from' });
  if (!to.isValid() || to.format('YYYY-MM-DD') !== q.to)
    throw new AppError('VALIDATION_FAILED', 'query.to: not a day', { field: 'query.to' });
  const days = to.diff(from, 'day') + 1;
  if (days < 1) throw new AppError('VALIDATION_FAILED', 'query.to: before query.from', { field: 'query.to' });
  if (days > MAX_DAYS)
    throw new AppError('VALIDATION_FAILED', `query.to: at most ${MAX_DAYS} days`, { field: 'query.to' });
  const f = (d: dayjs.Dayjs) => d.format('YYYY-MM-DD');
  return {
    current: period(q.from, q.to, tz),
    previous: period(f(from.subtract(days, 'day')), f(from.subtract(1, 'day')), tz),
    lastYear: period(f(from.subtract(1, 'year')), f(to.subtract(1, 'year')), tz),
  };
}

/**
 * Board statements name their days as constants (`date 'YYYY-MM-DD'`), not parameters: the pool
 * plans parameterised statements generically (core/db/knex.ts), and a generic plan cannot know how
 * many rollup rows a range holds — for a region's month of active customers it guessed 47 k rows
 * of 3.2 M and sorted the whole tenant's month (15 s instead of 0.4 s on the benchmark data). Only
 * days `periods` checked reach here; anything else is refused.
 */
function dayLit(d: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new Error(`not a day: ${d}`);
  return `date '${d}'`;
}
const between = (col: string, p: { from: string; to: string }) =>
  `${col} between ${dayLit(p.from)} and ${dayLit(p.to)}`;

const bp = (part: number, whole: number | null) =>
  whole === null || whole <= 0 ? null : Math.round((part * 10_000) / whole);

interface Cell {
  byPath: Record<CreditPath, number>;
  orders: number;
}
const emptyCell = (): Cell => ({ byPath: { transfer: 0, mall: 0, coupon: 0, interaction: 0 }, orders: 0 });

function toFigures(c: Cell, store: { orders: number; fen: number } | null): Figures {
  const credited = PATHS.reduce((s, p) => s + c.byPath[p], 0);
  const direct = c.byPath.transfer + c.byPath.mall;
  const storeFen = store ? store.fen : null;
  return {
    byPath: { ...c.byPath },
    creditedFen: credited,
    directFen: direct,
    indirectFen: credited - direct,
    creditedOrders: c.orders,
    avgOrderFen: c.orders > 0 ? Math.round(credited / c.orders) : null,
    storeSalesFen: storeFen,
    storeOrders: store ? store.orders : null,
    // Capped: only corrections posted into this period for an earlier one can take credited past the sales.
    privateShareBp: bp(Math.min(credited, storeFen ?? 0), storeFen),
    mallShareBp: bp(c.byPath.mall, storeFen),
    transferShareBp: bp(c.byPath.transfer, storeFen),
  };
}

/** Per level, how a rollup / order / guide row maps to the board's key, and the parent's filter. */
const KEYS: Record<BoardLevel, { credit: string; order: string | null; guide: string; parent: string | null }> = {
  region: { credit: 's.region_id', order: 's.region_id', guide: 's.region_id', parent: null },
  store: { credit: 'd.store_id', order: 's.id', guide: 'g.store_id', parent: 's.region_id' },
  // A store's guides: the store's own total sales sit beside their sum (board total), not on guide rows.
  guide: { credit: 'd.guide_id', order: 'x.store_id', guide: 'g.id', parent: 'd.store_id' },
};

/**
 * Credited sales per key and path over each period, in one pass over the rollup: within scope and
 * under the parent.
 */
type Three<T> = [T, T, T];

async function credited(
  db: Db,
  s: Scope,
  level: BoardLevel,
  parentId: number | null,
  ps: Three<Period>,
): Promise<Three<Map<number, Cell>>> {
  const k = KEYS[level];
  const f = scopeFilter(s, { corp: 'd.corp_id', store: 'd.store_id', guide: 'd.guide_id' });
  const parent = k.parent && parentId !== null ? `and ${k.parent} = ?` : '';
  const sums = ps
    .map(
      (p, i) =>
        `coalesce(sum(d.orders) filter (where ${between('d.day', p)}), 0)::int as o${i}, coalesce(sum(d.amount_fen) filter (where ${between('d.day', p)}), 0)::bigint as f${i}`,
    )
    .join(', ');
  const r = await db.raw<{ rows: ({ k: number; path: CreditPath } & Record<string, number>)[] }>(
    `select ${k.credit} as k, d.path::text as path, ${sums}
       from daily_credits d left join stores s on s.id = d.store_id
      where ${f.sql} and (${ps.map((p) => between('d.day', p)).join(' or ')}) ${parent} and ${k.credit} is not null
      group by 1, 2`,
    [...f.bindings, ...(parent ? [parentId!] : [])],
  );
  const [p0, p1, p2] = ps.map((_, i) => {
    const out = new Map<number, Cell>();
    for (const row of r.rows) {
      const c = out.get(row.k) ?? emptyCell();
      c.byPath[row.path] += Number(row[`f${i}`]);
      c.orders += Number(row[`o${i}`]);
      out.set(row.k, c);
    }
    return out;
  });
  return [p0!, p1!, p2!];
}

/**
 * Each store's (or region's) total sales over each period, from `daily_store_sales`
 * (core/boards/store-sales.ts): all its orders (POS, mini-program / web shop), whatever credited
 * them, plus the sales no order records — WeCom transfer bills no order names, which are
 * private-domain sales too. So credited sales are a part of it and the share stays ≤ 100 %.
 */
async function storeSales(
  db: Db,
  s: Scope,
  level: BoardLevel,
  parentId: number | null,
  ps: Three<Period>,
): Promise<Three<Map<number, { orders: number; fen: number }>>> {
  const key = KEYS[level].order;
  const m = () => new Map<number, { orders: number; fen: number }>();
  const outs: Three<Map<number, { orders: number; fen: number }>> = [m(), m(), m()];
  if (key === null || s.level === 'guide') return outs;
  const f = scopeFilter(s, { corp: 'x.corp_id', store: 'x.store_id' });
  const parent =
    parentId === null ? '' : level === 'store' ? 'and s.region_id = ?' : level === 'guide' ? 'and x.store_id = ?' : '';
  const sums = ps
    .map(
      (p, i) =>
        `coalesce(sum(x.orders + x.outside_orders) filter (where ${between('x.day', p)}), 0)::int as o${i}, coalesce(sum(x.net_fen + x.outside_fen) filter (where ${between('x.day', p)}), 0)::bigint as f${i}`,
    )
    .join(', ');
  const r = await db.raw<{ rows: ({ k: number } & Record<string, number>)[] }>(
    `select ${key} as k, ${sums}
       from daily_store_sales x join stores s on s.id = x.store_id
      where ${f.sql} and (${ps.map((p) => between('x.day', p)).join(' or ')}) ${parent}
      group by 1`,
    [...f.bindings, ...(parent ? [parentId!] : [])],
  );
  for (const row of r.rows)
    ps.forEach((_, i) => outs[i]!.set(row.k, { orders: Number(row[`o${i}`]), fen: Number(row[`f${i}`]) }));
  return outs;
}

/**
 * Activity per key, from the activity rollups (core/boards/activity.ts): interactions, customers
 * added by channel code, coupons issued and redeemed (`daily_activity`), and the customers the
 * interactions reached, each counted once per key (`daily_reach`) — by the guide's current store.
 */
async function activityOf(db: Db, s: Scope, level: BoardLevel, parentId: number | null, p: Period) {
  const k = KEYS[level];
  const f = scopeFilter(s, { corp: 'g.corp_id', store: 'g.store_id', guide: 'g.id' });
  const parentCol = level === 'store' ? 's.region_id' : level === 'guide' ? 'g.store_id' : null;
  const parent = parentCol && parentId !== null ? `and ${parentCol} = ?` : '';
  const r = await db.raw<{
    rows: { what: 'x' | 'r'; k: number; channel: string; i: number; a: number; ci: number; cr: number; c: number }[];
  }>(
    `with g as materialized (
       select g.id, ${k.guide} as k from guides g join stores s on s.id = g.store_id where ${f.sql} ${parent})
     select 'x' as what, g.k, d.channel, sum(d.interactions)::int as i, sum(d.customers_added)::int as a,
            sum(d.coupons_issued)::int as ci, sum(d.coupons_redeemed)::int as cr, 0 as c
       from daily_activity d join g on g.id = d.guide_id
      where ${between('d.day', p)} group by 2, 3
     union all
     select 'r', g.k, '', 0, 0, 0, 0, count(distinct d.customer_id)::int
       from daily_reach d join g on g.id = d.guide_id
      where ${between('d.day', p)} group by 2`,
    [...f.bindings, ...(parent ? [parentId!] : [])],
  );
  const out = new Map<number, Activity>();
  const get = (key: number) => {
    let a = out.get(key);
    if (!a) {
      a = {
        interactions: 0,
        customersAdded: 0,
        addedByChannel: {},
        activeCustomers: 0,
        couponsIssued: 0,
        couponsRedeemed: 0,
        redemptionBp: null,
      };
      out.set(key, a);
    }
    return a;
  };
  for (const row of r.rows) {
    const a = get(row.k);
    if (row.what === 'r') a.activeCustomers = row.c;
    else {
      a.interactions += row.i;
      a.couponsIssued += row.ci;
      a.couponsRedeemed += row.cr;
      if (row.a !== 0) {
        a.customersAdded += row.a;
        a.addedByChannel[row.channel] = row.a;
      }
    }
  }
  for (const a of out.values()) a.redemptionBp = bp(a.couponsRedeemed, a.couponsIssued);
  return out;
}

/** The rows a board lists (with zero figures where nothing happened), within scope. */
async function subjects(db: Db, s: Scope, level: BoardLevel, parentId: number | null) {
  if (level === 'region') {
    const q = db('regions as r').where('r.corp_id', s.corpId);
    if (s.level === 'region') q.whereIn('r.id', s.regionIds);
    if (s.level === 'store' || s.level === 'guide')
      q.whereIn('r.id', db('stores').whereIn('id', s.storeIds).select('region_id'));
    return q.orderBy('r.id').select<{ id: number; name: string }[]>('r.id', 'r.name');
  }
  if (level === 'store') {
    const q = db('stores as s').where({ 's.corp_id': s.corpId, 's.region_id': parentId });
    if (s.level !== 'corp') q.whereIn('s.id', s.storeIds);
    return q.orderBy('s.id').select<{ id: number; name: string }[]>('s.id', 's.name');
  }
  const q = db('guides as g').where({ 'g.corp_id': s.corpId, 'g.store_id': parentId });
  if (s.level === 'guide') q.where('g.id', s.guideId);
  return q.orderBy('g.id').select<{ id: number; name: string }[]>('g.id', 'g.name');
}

/**
 * The drill-down board: regions (parent none), a region's stores, or a store's guides, with each
 * row's figures for the range, the previous period and last year, and its activity.
 */
export async function levelBoard(
  ctx: AppContext,
  p: Principal,
  level: BoardLevel,
  parentId: number | null,
  q: RangeQuery,
): Promise<Board> {
  const s = await scopeOf(ctx.db, p);
  if (level === 'store') await assertRegionVisible(ctx.db, s, parentId!);
  if (level === 'guide') await assertStoreVisible(ctx.db, s, parentId!);
  const tz = await tenantZone(ctx.db, p.corpId);
  const ps = periods(q, tz);
  const all: Three<Period> = [ps.current, ps.previous, ps.lastYear];
  const [list, [cur, prev, ly], [sCur, sPrev, sLy], act, fresh] = await Promise.all([
    subjects(ctx.db, s, level, parentId),
    credited(ctx.db, s, level, parentId, all),
    storeSales(ctx.db, s, level, parentId, all),
    activityOf(ctx.db, s, level, parentId, ps.current),
    freshnessOf(ctx.db, p.corpId, tz, q.to),
  ]);
  // A guide who sold at the store but has moved on is listed too (her sales there are the store's).
  const known = new Set(list.map((r) => r.id));
  const extra = [...cur.keys()].filter((k) => !known.has(k));
  if (extra.length && level === 'guide')
    list.push(
      ...(await ctx
        .db('guides')
        .whereIn('id', extra)
        .orderBy('id')
        .select<{ id: number; name: string }[]>('id', 'name')),
    );
  const withStore = level !== 'guide';
  const storeOf = (m: Map<number, { orders: number; fen: number }>, id: number) =>
    withStore ? (m.get(id) ?? { orders: 0, fen: 0 }) : null;
  const rows: BoardRow[] = list.map((r) => ({
    id: r.id,
    name: r.name,
    current: toFigures(cur.get(r.id) ?? emptyCell(), storeOf(sCur, r.id)),
    previous: toFigures(prev.get(r.id) ?? emptyCell(), storeOf(sPrev, r.id)),
    lastYear: toFigures(ly.get(r.id) ?? emptyCell(), storeOf(sLy, r.id)),
    activity: act.get(r.id) ?? {
      interactions: 0,
      customersAdded: 0,
      addedByChannel: {},
      activeCustomers: 0,
      couponsIssued: 0,
      couponsRedeemed: 0,
      redemptionBp: null,
    },
  }));
  const sum = emptyCell();
  for (const c of cur.values()) {
    for (const path of PATHS) sum.byPath[path] += c.byPath[path];
    sum.orders += c.orders;
  }
  const storeSum = [...sCur.values()].reduce((a, x) => ({ orders: a.orders + x.orders, fen: a.fen + x.fen }), {
    orders: 0,
    fen: 0,
  });
  const r = (x: Period) => ({ from: x.from, to: x.to });
  return {
    level,
    parentId,
    range: r(ps.current),
    previousRange: r(ps.previous),
    lastYearRange: r(ps.lastYear),
    rows,
    total: toFigures(sum, storeSum),
    reference: REFERENCE,
    freshness: fresh,
  };
}

/** Daily credited sales stacked by path, with interactions and credited orders, for the scope or a subject in it. */
export async function trendBoard(
  ctx: AppContext,
  p: Principal,
  subject: { level: BoardLevel; id: number } | null,
  q: RangeQuery,
): Promise<Trend> {
  const s = await scopeOf(ctx.db, p);
  if (subject?.level === 'region') await assertRegionVisible(ctx.db, s, subject.id);
  if (subject?.level === 'store') await assertStoreVisible(ctx.db, s, subject.id);
  if (subject?.level === 'guide') await assertGuide(ctx.db, s, subject.id);
  const tz = await tenantZone(ctx.db, p.corpId);
  const { current } = periods(q, tz);
  const col = { region: 's.region_id', store: 'd.store_id', guide: 'd.guide_id' } as const;
  const gcol = { region: 's.region_id', store: 'g.store_id', guide: 'g.id' } as const;
  const f = scopeFilter(s, { corp: 'd.corp_id', store: 'd.store_id', guide: 'd.guide_id' });
  const g = scopeFilter(s, { corp: 'g.corp_id', store: 'g.store_id', guide: 'g.id' });
  const only = subject ? `and ${col[subject.level]} = ?` : '';
  const gOnly = subject ? `and ${gcol[subject.level]} = ?` : '';
  const [cells, inter] = await Promise.all([
    ctx.db.raw<{ rows: { day: string; path: CreditPath; orders: number; fen: number }[] }>(
      `select to_char(d.day, 'YYYY-MM-DD') as day, d.path::text as path, sum(d.orders)::int as orders, sum(d.amount_fen)::bigint as fen
         from daily_credits d left join stores s on s.id = d.store_id
        where ${f.sql} and ${between('d.day', current)} ${only} group by 1, 2`,
      [...f.bindings, ...(subject ? [subject.id] : [])],
    ),
    ctx.db.raw<{ rows: { day: string; n: number }[] }>(
      `select to_char(a.day, 'YYYY-MM-DD') as day, sum(a.interactions)::int as n
         from daily_activity a join guides g on g.id = a.guide_id join stores s on s.id = g.store_id
        where ${g.sql} and ${between('a.day', current)} ${gOnly} group by 1`,
      [...g.bindings, ...(subject ? [subject.id] : [])],
    ),
  ]);
  const days: Trend['days'] = [];
  const index = new Map<string, Trend['days'][number]>();
  for (let d = dayjs.utc(current.from); !d.isAfter(dayjs.utc(current.to)); d = d.add(1, 'day')) {
    const row = {
      day: d.format('YYYY-MM-DD'),
      transfer: 0,
      mall: 0,
      coupon: 0,
      interaction: 0,
      interactions: 0,
      orders: 0,
    };
    days.push(row);
    index.set(row.day, row);
  }
  for (const c of cells.rows) {
    const row = index.get(c.day);
    if (!row) continue;
    row[c.path] += c.fen;
    row.orders += c.orders;
  }
  for (const i of inter.rows) {
    const row = index.get(i.day);
    if (row) row.interactions += i.n;
  }
  return { range: { from: current.from, to: current.to }, days };
}

/** Top and bottom guides and stores by credited sales, and the biggest movers against the previous period. */
export async function rankingsBoard(ctx: AppContext, p: Principal, q: RangeQuery, n = 5): Promise<Rankings> {
  const s = await scopeOf(ctx.db, p);
  const tz = await tenantZone(ctx.db, p.corpId);
  const { current, previous } = periods(q, tz);
  const f = scopeFilter(s, { corp: 'd.corp_id', store: 'd.store_id', guide: 'd.guide_id' });
  const by = async (key: 'guide' | 'store') => {
    const col = key === 'guide' ? 'd.guide_id' : 'd.store_id';
    const names = key === 'guide' ? 'guides' : 'stores';
    const r = await ctx.db.raw<{ rows: { id: number; name: string; cur: number; prev: number }[] }>(
      `select x.id, x.name, t.cur, t.prev from (
         select ${col} as id,
                coalesce(sum(d.amount_fen) filter (where ${between('d.day', current)}), 0)::bigint as cur,
                coalesce(sum(d.amount_fen) filter (where ${between('d.day', previous)}), 0)::bigint as prev
           from daily_credits d
          where ${f.sql} and ${between('d.day', { from: previous.from, to: current.to })} and ${col} is not null
          group by 1) t join ${names} x on x.id = t.id`,
      f.bindings,
    );
    const rows = r.rows.map((x) => ({
      id: x.id,
      name: x.name,
      creditedFen: x.cur,
      previousFen: x.prev,
      deltaFen: x.cur - x.prev,
    }));
    const desc = [...rows].sort((a, b) => b.creditedFen - a.creditedFen || a.id - b.id);
    return {
      top: desc.slice(0, n),
      bottom: [...desc].reverse().slice(0, n),
      movers: [...rows].sort((a, b) => Math.abs(b.deltaFen) - Math.abs(a.deltaFen) || a.id - b.id).slice(0, n),
    };
  };
  const [guides, stores] = await Promise.all([by('guide'), s.level === 'guide' ? null : by('store')]);
  return {
    range: { from: current.from, to: current.to },
    guides,
    stores: stores ?? { top: [], bottom: [], movers: [] },
  };
}

/** A guide's credited orders and bills in the range (live sale lines), each with a link to its trail. */
export async function guideOrdersBoard(
  ctx: AppContext,
  p: Principal,
  guideId: number,
  q: RangeQuery,
): Promise<GuideOrders> {
  const s = await scopeOf(ctx.db, p);
  const g = await assertGuide(ctx.db, s, guideId);
  const tz = await tenantZone(ctx.db, p.corpId);
  const { current } = periods(q, tz);
  const f = scopeFilter(s, { corp: 'c.corp_id', store: 'c.store_id', guide: 'c.guide_id' });
  const r = await ctx.db.raw<{
    rows: {
      order_id: number | null;
      ref: string;
      paid_at: Date;
      path: CreditPath;
      fen: number;
      net_fen: number | null;
      customer: string | null;
    }[];
  }>(
    `select c.order_id, coalesce(o.order_no, t.transaction_id) as ref, c.occurred_at as paid_at,
            (case when c.rule = 'transfer' then 'transfer' when o.source = 'mall' then 'mall' else c.rule::text end) as path,
            c.amount_fen as fen, o.net_fen, cu.name as customer
       from credits c
       left join orders o on o.id = c.order_id
       left join transfers t on t.id = c.transfer_id
       left join customers cu on cu.id = coalesce(o.customer_id, t.customer_id)
      where ${f.sql} and c.guide_id = ? and c.superseded_at is null and c.kind = 'sale'
        and c.occurred_at >= ? and c.occurred_at < ?
      order by c.occurred_at desc, c.id desc limit 500`,
    [...f.bindings, guideId, current.start, current.end],
  );
  const name = await ctx.db('guides').where({ id: guideId }).first<{ name: string }>('name');
  return {
    guide: { id: g.id, name: name!.name, storeId: g.store_id },
    range: { from: current.from, to: current.to },
    orders: r.rows.map((x) => ({
      orderId: x.order_id,
      ref: x.ref,
      paidAt: x.paid_at.toISOString(),
      path: x.path,
      creditedFen: x.fen,
      netFen: x.net_fen,
      customer: x.customer,
    })),
  };
}

/**
 * Incrementality of a store: customers who bought there in the range, split by whether any guide
 * interacted with them in the range, with spend per customer on each side — so credit is not
 * mistaken for cause.
 */
export async function incrementalityBoard(
  ctx: AppContext,
  p: Principal,
  storeId: number,
  q: RangeQuery,
): Promise<Incrementality> {
  const s = await scopeOf(ctx.db, p);
  await assertStoreVisible(ctx.db, s, storeId);
  const tz = await tenantZone(ctx.db, p.corpId);
  const { current } = periods(q, tz);
  const r = await ctx.db.raw<{ rows: { guided: boolean; customers: number; fen: number }[] }>(
    `with buyers as (
       select o.customer_id, sum(o.net_fen) as fen from orders o
        where o.corp_id = ? and o.store_id = ? and o.paid_at >= ? and o.paid_at < ? and o.customer_id is not null
        group by 1)
     select exists (select 1 from interactions i where i.customer_id = b.customer_id and i.corp_id = ?
                      and i.occurred_at >= ? and i.occurred_at < ?) as guided,
            count(*)::int as customers, sum(b.fen)::bigint as fen
       from buyers b group by 1`,
    [p.corpId, storeId, current.start, current.end, p.corpId, current.start, current.end],
  );
  const side = (guided: boolean) => {
    const x = r.rows.find((row) => row.guided === guided);
    const customers = x?.customers ?? 0;
    const fen = x?.fen ?? 0;
    return { customers, salesFen: fen, perCustomerFen: customers ? Math.round(fen / customers) : null };
  };
  const guided = side(true);
  const unguided = side(false);
  return {
    storeId,
    range: { from: current.from, to: current.to },
    guided,
    unguided,
    liftBp:
      guided.perCustomerFen !== null && unguided.perCustomerFen
        ? bp(guided.perCustomerFen, unguided.perCustomerFen)
        : null,
  };
}

/**
 * How current each source is. POS: the latest order received; a day is final once a later day's
 * orders arrive. WeCom bills: the last poll; WeCom publishes a day's bills the next day, so a day
 * is final once a poll ran the day after that. Figures for later days are provisional.
 */
export async function freshnessOf(db: Db, corpId: number, tz: string, rangeTo: string | null): Promise<Freshness> {
  const r = await db.raw<{ rows: { pos: Date | null; bills: Date | null }[] }>(
    `select (select max(ingested_at) from orders where corp_id = ? and source = 'pos') as pos,
            (select updated_at from sync_cursors where corp_id = ? and kind = 'bills') as bills`,
    [corpId, corpId],
  );
  const { pos, bills } = r.rows[0]!;
  const dayOf = (d: Date, back: number) => dayjs(d).tz(tz).subtract(back, 'day').format('YYYY-MM-DD');
  const finals = [pos ? dayOf(pos, 1) : null, bills ? dayOf(bills, 2) : null].filter((x): x is string => x !== null);
  // Until both sources have reported, no day is final: before the first bill poll no day's transfers are known.
  const finalThrough = pos === null || bills === null ? null : finals.sort()[0]!;
  return {
    posUpTo: pos ? pos.toISOString() : null,
    billsPolledAt: bills ? bills.toISOString() : null,
    finalThrough,
    provisional: finalThrough === null || (rangeTo !== null && rangeTo > finalThrough),
  };
}

/**
 * A cheap version of what the scope's boards show: it changes whenever a credit line is written or
 * superseded in the tenant. An open board polls it and reloads when it moves.
 */
export async function boardVersion(ctx: AppContext, p: Principal): Promise<{ version: string }> {
  const r = await ctx.db.raw<{ rows: { c: number | null; e: number | null }[] }>(
    `select (select max(id) from credits where corp_id = ?) as c, (select max(id) from credit_events where corp_id = ?) as e`,
    [p.corpId, p.corpId],
  );
  return { version: `${r.rows[0]!.c ?? 0}.${r.rows[0]!.e ?? 0}` };
}

/*
 * The boards as JSON answers, kept by the board cache (core/boards/cache.ts) until the tenant's
 * data changes: each is keyed by what determines it — the viewer's scope (scopeKey), the board and
 * its question — and computed by the functions above on a miss.
 */
const rangeKey = (q: RangeQuery) => `${q.from}..${q.to}`;

export function levelBoardJson(
  ctx: AppContext,
  p: Principal,
  level: BoardLevel,
  parentId: number | null,
  q: RangeQuery,
): Promise<PreparedJson<Board>> {
  return ctx.boardCache.answer(
    p.corpId,
    `${scopeKey(p)}|level:${level}:${parentId ?? ''}|${rangeKey(q)}`,
    contracts.board,
    () => levelBoard(ctx, p, level, parentId, q),
  );
}

export function trendBoardJson(
  ctx: AppContext,
  p: Principal,
  subject: { level: BoardLevel; id: number } | null,
  q: RangeQuery,
): Promise<PreparedJson<Trend>> {
  return ctx.boardCache.answer(
    p.corpId,
    `${scopeKey(p)}|trend:${subject ? `${subject.level}:${subject.id}` : ''}|${rangeKey(q)}`,
    contracts.trend,
    () => trendBoard(ctx, p, subject, q),
  );
}

export function rankingsBoardJson(ctx: AppContext, p: Principal, q: RangeQuery): Promise<PreparedJson<Rankings>> {
  return ctx.boardCache.answer(p.corpId, `${scopeKey(p)}|rankings|${rangeKey(q)}`, contracts.rankings, () =>
    rankingsBoard(ctx, p, q),
  );
}
