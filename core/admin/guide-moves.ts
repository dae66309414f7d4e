/**
 * Where a guide sold at a given time. The org sync records each move (guide_moves); a sale at time
 * t belongs to the store she left by her first move after t, else to her current store. Orders
 * carry their own store; this is for facts that do not (WeCom transfer bills).
 */
import type { Db } from '../db/knex';

export async function guideStoresAt(
  db: Db,
  facts: { key: number; guideId: number; at: Date }[],
): Promise<Map<number, number | null>> {
  const out = new Map<number, number | null>();
  if (facts.length === 0) return out;
  const rows = await db.raw<{ rows: { key: string; store_id: string | null }[] }>(
    `select f.key, coalesce(
        (select m.from_store_id from guide_moves m where m.guide_id = f.guide_id and m.moved_at > f.at order by m.moved_at, m.id limit 1),
        g.store_id) as store_id
       from unnest(?::bigint[], ?::bigint[], ?::timestamptz[]) as f(key, guide_id, at)
       left join guides g on g.id = f.guide_id`,
    [facts.map((f) => f.key), facts.map((f) => f.guideId), facts.map((f) => f.at.toISOString())],
  );
  for (const r of rows.rows) out.set(Number(r.key), r.store_id === null ? null : Number(r.store_id));
  return out;
}
