/**
 * The one access layer: which stores, guides and orders a principal may see. Head office, admin
 * and finance see their corp, a regional manager the stores of her regions, a store manager his
 * stores, a guide only her own numbers (and orders with a live line of hers). Every board,
 * drill-down and trail query asks here — through `scopeFilter` in SQL or the `assert*` checks.
 */
import type { Principal } from '../auth/principal';
import type { Db } from '../db/knex';
import { AppError } from '../errors';

export type Scope =
  | { corpId: number; level: 'corp' }
  | { corpId: number; level: 'region'; regionIds: number[]; storeIds: number[] }
  | { corpId: number; level: 'store'; storeIds: number[] }
  | { corpId: number; level: 'guide'; guideId: number; storeIds: number[] };

/** A principal's scope, with a regional manager's regions resolved to their stores (read fresh). */
export async function scopeOf(db: Db, p: Principal): Promise<Scope> {
  switch (p.role) {
    case 'admin':
    case 'head_office':
    case 'finance':
      return { corpId: p.corpId, level: 'corp' };
    case 'regional_manager': {
      const regionIds = [...new Set(p.regionIds)];
      const storeIds = regionIds.length
        ? await db('stores')
            .where({ corp_id: p.corpId })
            .whereIn('region_id', regionIds)
            .orderBy('id')
            .pluck<number[]>('id')
        : [];
      return { corpId: p.corpId, level: 'region', regionIds, storeIds: storeIds.map(Number) };
    }
    case 'store_manager':
      return { corpId: p.corpId, level: 'store', storeIds: [...new Set(p.storeIds)] };
    case 'guide':
      // A guide without a guide record sees nothing: an impossible id keeps every filter closed.
      return { corpId: p.corpId, level: 'guide', guideId: p.guideId ?? -1, storeIds: [...new Set(p.storeIds)] };
  }
}

/**
 * What `scopeOf` makes of a principal, as a key: two principals with one key have one scope over
 * the same org (a regional manager's stores are read from `stores`, which the board cache watches).
 */
export function scopeKey(p: Principal): string {
  const ids = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b).join(',');
  switch (p.role) {
    case 'admin':
    case 'head_office':
    case 'finance':
      return `corp:${p.corpId}`;
    case 'regional_manager':
      return `region:${p.corpId}:${ids(p.regionIds)}`;
    case 'store_manager':
      return `store:${p.corpId}:${ids(p.storeIds)}`;
    case 'guide':
      return `guide:${p.corpId}:${p.guideId ?? -1}:${ids(p.storeIds)}`;
  }
}

/**
 * The scope as a SQL predicate over a row's tenant, store and guide columns, with its bindings:
 * `where ${f.sql}` with `f.bindings`. A guide's own rows are hers wherever she sold.
 */
export function scopeFilter(
  s: Scope,
  cols: { corp: string; store: string; guide?: string },
): { sql: string; bindings: (number | number[])[] } {
  const corp = `${cols.corp} = ?`;
  switch (s.level) {
    case 'corp':
      return { sql: corp, bindings: [s.corpId] };
    case 'region':
    case 'store':
      return { sql: `${corp} and ${cols.store} = any(?::bigint[])`, bindings: [s.corpId, s.storeIds] };
    case 'guide':
      if (!cols.guide) return { sql: 'false', bindings: [] };
      return { sql: `${corp} and ${cols.guide} = ?`, bindings: [s.corpId, s.guideId] };
  }
}

/** Whether the scope reaches a whole store's figures (a guide's does not: only her own). */
export function seesStore(s: Scope, storeId: number): boolean {
  return s.level === 'corp' || (s.level !== 'guide' && s.storeIds.includes(storeId));
}

export function assertStore(s: Scope, storeId: number): void {
  if (!seesStore(s, storeId)) throw new AppError('FORBIDDEN', 'this store is outside your scope', { field: 'storeId' });
}

export function assertRegion(s: Scope, regionId: number): void {
  if (s.level === 'corp' || (s.level === 'region' && s.regionIds.includes(regionId))) return;
  throw new AppError('FORBIDDEN', 'this region is outside your scope', { field: 'regionId' });
}

/** A guide is visible to her managers (her current store in scope) and to herself. */
export async function assertGuide(db: Db, s: Scope, guideId: number): Promise<{ id: number; store_id: number }> {
  const g = await db('guides')
    .where({ id: guideId, corp_id: s.corpId })
    .first<{ id: number; store_id: number } | undefined>('id', 'store_id');
  if (!g) throw new AppError('NOT_FOUND', `no guide ${guideId}`, { field: 'guideId' });
  if (s.level === 'guide' ? s.guideId !== g.id : !seesStore(s, Number(g.store_id)))
    throw new AppError('FORBIDDEN', 'this guide is outside your scope', { field: 'guideId' });
  return g;
}

/**
 * An order is visible where its store is in scope; to a guide, where a live line of the order is
 * hers. `liveGuideIds`: the guides of the order's live lines.
 */
export function assertOrder(s: Scope, order: { store_id: number | null }, liveGuideIds: number[]): void {
  if (s.level === 'corp') return;
  if (s.level === 'guide') {
    if (!liveGuideIds.includes(s.guideId)) throw new AppError('FORBIDDEN', 'this order is not credited to you');
    return;
  }
  if (order.store_id === null || !s.storeIds.includes(Number(order.store_id)))
    throw new AppError(
      'FORBIDDEN',
      s.level === 'store' ? 'this order is outside your stores' : 'this order is outside your regions',
    );
}

/** A region is visible whole to head office and its regional manager, in part to a manager of one of its stores. */
export async function assertRegionVisible(db: Db, s: Scope, regionId: number): Promise<void> {
  if (s.level === 'corp' || (s.level === 'region' && s.regionIds.includes(regionId))) {
    const r = await db('regions').where({ id: regionId, corp_id: s.corpId }).first('id');
    if (!r) throw new AppError('NOT_FOUND', `no region ${regionId}`, { field: 'regionId' });
    return;
  }
  if (s.level === 'store' && s.storeIds.length) {
    const hit = await db('stores')
      .where({ corp_id: s.corpId, region_id: regionId })
      .whereIn('id', s.storeIds)
      .first('id');
    if (hit) return;
  }
  throw new AppError('FORBIDDEN', 'this region is outside your scope', { field: 'regionId' });
}

/** A store of the tenant, visible whole to the scope (NOT_FOUND for another tenant's). */
export async function assertStoreVisible(
  db: Db,
  s: Scope,
  storeId: number,
): Promise<{ id: number; region_id: number }> {
  const st = await db('stores')
    .where({ id: storeId, corp_id: s.corpId })
    .first<{ id: number; region_id: number } | undefined>('id', 'region_id');
  if (!st) throw new AppError('NOT_FOUND', `no store ${storeId}`, { field: 'storeId' });
  assertStore(s, storeId);
  return st;
}

/**
 * A customer this scope may see: she exists in the corp (404 otherwise) and, below the corp level,
 * a guide of one of the scope's stores (a guide: she herself) follows her now (403 otherwise).
 */
export async function assertCustomer(db: Db, s: Scope, customerId: number): Promise<void> {
  const c = await db('customers').where({ corp_id: s.corpId, id: customerId }).first('id');
  if (!c) throw new AppError('NOT_FOUND', `no customer ${customerId}`, { field: 'params.customerId' });
  if (s.level === 'corp') return;
  const q = db('customer_guides as cg')
    .join('guides as g', 'g.id', 'cg.guide_id')
    .where({ 'cg.corp_id': s.corpId, 'cg.customer_id': customerId })
    .whereNull('cg.ended_at');
  const seen = await (s.level === 'guide' ? q.where('g.id', s.guideId) : q.whereIn('g.store_id', s.storeIds)).first(
    'cg.id',
  );
  if (!seen) throw new AppError('FORBIDDEN', 'this customer is outside your scope');
}
