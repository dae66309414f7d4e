/**
 * What-if: replays a proposed rule set over a date range with the same candidate loading and
 * the same pure rules as the engine, writing nothing, and compares with the live credits.
 */
import type { AppContext } from '../context';
import { loadOrderFacts, ORDER_COLUMNS, type OrderRow } from './attribution.service';
import { attributeOrder, type RuleConfig } from './rules';

const BATCH = 5_000;

export interface WhatIfReport {
  orders: number;
  changedOwner: number;
  newlyAttributed: number;
  newlyUnattributed: number;
  byGuide: {
    guideId: number;
    name: string;
    storeId: number;
    currentFen: number;
    proposedFen: number;
    deltaFen: number;
  }[];
  byStore: { storeId: number; name: string; currentFen: number; proposedFen: number; deltaFen: number }[];
  byRegion: { regionId: number; name: string; currentFen: number; proposedFen: number; deltaFen: number }[];
}

export async function whatIf(
  ctx: AppContext,
  corpId: number,
  proposed: RuleConfig,
  from: Date,
  to: Date,
): Promise<WhatIfReport> {
  const perGuide = new Map<number, { current: number; proposed: number }>();
  const bump = (g: number | null, key: 'current' | 'proposed', fen: number) => {
    if (g === null) return;
    const e = perGuide.get(g) ?? { current: 0, proposed: 0 };
    e[key] += fen;
    perGuide.set(g, e);
  };
  const report = { orders: 0, changedOwner: 0, newlyAttributed: 0, newlyUnattributed: 0 };
  let after = 0;
  for (;;) {
    const orders = await ctx
      .db('orders')
      .where({ corp_id: corpId })
      .where('paid_at', '>=', from)
      .where('paid_at', '<', to)
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH)
      .select<OrderRow[]>(...ORDER_COLUMNS);
    if (orders.length === 0) break;
    after = orders[orders.length - 1]!.id;
    const facts = await loadOrderFacts(ctx.db, corpId, orders, proposed.windowDays, proposed.countedKinds);
    // The current owner: the guide holding the order's live sale, or — for an order corrected after
    // its period closed — the guide its sale and adjustment lines now add up to.
    const lines = await ctx
      .db('credits')
      .where({ corp_id: corpId })
      .whereIn(
        'order_id',
        orders.map((o) => o.id),
      )
      .whereIn('kind', ['sale', 'adjustment'])
      .whereNull('superseded_at')
      .orderBy('id')
      .select<{ order_id: number; guide_id: number; amount_fen: number }[]>('order_id', 'guide_id', 'amount_fen');
    const perOrder = new Map<number, Map<number, number>>();
    for (const l of lines) {
      const m = perOrder.get(l.order_id) ?? new Map<number, number>();
      m.set(l.guide_id, (m.get(l.guide_id) ?? 0) + l.amount_fen);
      perOrder.set(l.order_id, m);
    }
    const live = new Map(
      [...perOrder].flatMap(([orderId, m]) => {
        const best = [...m].filter(([, fen]) => fen > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
        return best ? [[orderId, { guide_id: best[0], amount_fen: best[1] }] as const] : [];
      }),
    );
    for (const o of orders) {
      const a = attributeOrder(facts.get(o.id)!, proposed);
      const cur = live.get(o.id);
      report.orders++;
      if ((cur?.guide_id ?? null) !== a.guideId) {
        report.changedOwner++;
        if (!cur) report.newlyAttributed++;
        if (a.guideId === null) report.newlyUnattributed++;
      }
      bump(cur?.guide_id ?? null, 'current', cur?.amount_fen ?? 0);
      bump(a.guideId, 'proposed', a.amountFen);
    }
  }
  const guides = await ctx
    .db('guides as g')
    .join('stores as s', 's.id', 'g.store_id')
    .join('regions as r', 'r.id', 's.region_id')
    .whereIn('g.id', [...perGuide.keys()])
    .select<
      { id: number; name: string; store_id: number; store_name: string; region_id: number; region_name: string }[]
    >('g.id', 'g.name', 'g.store_id', 's.name as store_name', 's.region_id', 'r.name as region_name');
  const roll = <K extends number>(
    key: (g: (typeof guides)[number]) => K,
    name: (g: (typeof guides)[number]) => string,
  ) => {
    const m = new Map<K, { name: string; currentFen: number; proposedFen: number }>();
    for (const g of guides) {
      const v = perGuide.get(g.id)!;
      const e = m.get(key(g)) ?? { name: name(g), currentFen: 0, proposedFen: 0 };
      e.currentFen += v.current;
      e.proposedFen += v.proposed;
      m.set(key(g), e);
    }
    return [...m]
      .map(([id, e]) => ({ id, ...e, deltaFen: e.proposedFen - e.currentFen }))
      .sort((a, b) => Math.abs(b.deltaFen) - Math.abs(a.deltaFen) || a.id - b.id);
  };
  return {
    ...report,
    byGuide: guides
      .map((g) => ({
        guideId: g.id,
        name: g.name,
        storeId: g.store_id,
        currentFen: perGuide.get(g.id)!.current,
        proposedFen: perGuide.get(g.id)!.proposed,
        deltaFen: perGuide.get(g.id)!.proposed - perGuide.get(g.id)!.current,
      }))
      .sort((a, b) => Math.abs(b.deltaFen) - Math.abs(a.deltaFen) || a.guideId - b.guideId),
    byStore: roll(
      (g) => g.store_id,
      (g) => g.store_name,
    ).map(({ id, ...r }) => ({ storeId: id, ...r })),
    byRegion: roll(
      (g) => g.region_id,
      (g) => g.region_name,
    ).map(({ id, ...r }) => ({ regionId: id, ...r })),
  };
}
