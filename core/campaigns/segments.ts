/**
 * Segments: which customers a campaign goes to. All segment SQL lives here — the count and sample
 * head office sees before sending, and the materialisation of a campaign's recipients (with its
 * holdout) — built from one statement so the preview and the send never disagree.
 *
 * A customer reaches a campaign through her own guide: her active follow relation with an active
 * guide (the exclusive guide first, then the latest added). A customer whose guide left, or who
 * deleted her guide, stays in the segment as unreachable with the reason, never silently dropped.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { Principal } from '../auth/principal';
import { scopeOf, type Scope } from '../access/scope';
import type { Db } from '../db/knex';
import { recordAudit } from '../commission/audit';
import { AppError } from '../errors';
import {
  type segment as segmentSchema,
  segmentDefinition,
  type SegmentDefinition,
  type SegmentPreview,
} from '../contracts/campaigns';

type Binding = string | number | Date | number[] | string[];
export interface SegmentSql {
  /** Selects customer_id, guide_id (null when unreachable), store_id, reason. */
  sql: string;
  bindings: Binding[];
}

/**
 * The segment as one SQL statement. `asOf` fixes "days since" conditions. The scope narrows it
 * to the stores (or, for a guide, the customers) the principal may reach.
 */
export function segmentSql(corpId: number, scope: Scope, def: SegmentDefinition, asOf: Date): SegmentSql {
  const where: string[] = ['c.corp_id = ?'];
  const b: Binding[] = [corpId];
  for (const anyOf of def.tags) {
    where.push('exists (select 1 from customer_tags ct where ct.customer_id = c.id and ct.tag_id = any(?::bigint[]))');
    b.push(anyOf);
  }
  if (def.storeIds) {
    where.push('own.store_id = any(?::bigint[])');
    b.push(def.storeIds);
  }
  if (def.regionIds) {
    where.push('own.store_id in (select s.id from stores s where s.region_id = any(?::bigint[]))');
    b.push(def.regionIds);
  }
  if (def.sizes) {
    where.push(
      'exists (select 1 from customer_sizes cs where cs.customer_id = c.id and cs.category = ? and cs.size = any(?::text[]))',
    );
    b.push(def.sizes.category, def.sizes.sizes);
  }
  if (def.minSpendFen !== undefined || def.maxSpendFen !== undefined) {
    const spend = '(select coalesce(sum(o.net_fen), 0) from orders o where o.customer_id = c.id)';
    if (def.minSpendFen !== undefined) {
      where.push(`${spend} >= ?`);
      b.push(def.minSpendFen);
    }
    if (def.maxSpendFen !== undefined) {
      where.push(`${spend} <= ?`);
      b.push(def.maxSpendFen);
    }
  }
  if (def.purchasedWithinDays !== undefined) {
    where.push(
      `exists (select 1 from orders o where o.customer_id = c.id and o.paid_at >= ?::timestamptz - make_interval(days => ?) and o.paid_at < ?)`,
    );
    b.push(asOf, def.purchasedWithinDays, asOf);
  }
  if (def.lapsedDays !== undefined) {
    where.push(
      `not exists (select 1 from orders o where o.customer_id = c.id and o.paid_at >= ?::timestamptz - make_interval(days => ?))`,
    );
    b.push(asOf, def.lapsedDays);
  }
  if (def.minCouponsRedeemed !== undefined && def.minCouponsRedeemed > 0) {
    where.push(
      '(select count(*) from coupons cp where cp.customer_id = c.id and cp.redeemed_order_id is not null) >= ?',
    );
    b.push(def.minCouponsRedeemed);
  }
  if (def.fitsProductId !== undefined) {
    // The reverse size match (断码找人): a size of the style the customer's guide's store has on hand.
    where.push(`exists (select 1 from products p
                          join skus k on k.product_id = p.id
                          join store_stock ss on ss.sku_id = k.id and ss.store_id = own.store_id and ss.on_hand > 0
                          join customer_sizes cs on cs.customer_id = c.id and cs.category = p.category and cs.size = k.size
                         where p.id = ? and p.corp_id = c.corp_id)`);
    b.push(def.fitsProductId);
  }
  if (scope.level === 'guide') {
    where.push('own.guide_id = ?');
    b.push(scope.guideId);
  } else if (scope.level !== 'corp') {
    where.push('own.store_id = any(?::bigint[])');
    b.push(scope.storeIds);
  }
  const sql = `
    select c.id as customer_id,
           case when own.reachable then own.guide_id end as guide_id,
           own.store_id,
           case when own.customer_id is null then 'no_guide'
                when own.reachable then null
                when own.ended_at is not null then coalesce(own.end_reason, 'relation_ended')
                else 'guide_left' end as reason
      from customers c
      left join lateral (
        select cg.customer_id, cg.guide_id, g.store_id, cg.ended_at, cg.end_reason,
               (cg.ended_at is null and g.status = 'active') as reachable
          from customer_guides cg join guides g on g.id = cg.guide_id
         where cg.corp_id = c.corp_id and cg.customer_id = c.id
         order by (cg.guide_id = ?::bigint) desc, (cg.ended_at is null and g.status = 'active') desc, cg.is_exclusive desc,
                  cg.ended_at desc nulls first, cg.added_at desc, cg.guide_id
         limit 1) own on true
     where ${where.join('\n       and ')}`;
  // A guide's own send goes to her customers through her, whoever else follows them (the lateral's binding comes first).
  return { sql, bindings: [scope.level === 'guide' ? scope.guideId : -1, ...b] };
}

/**
 * The segment computed into a table dropped at commit (`trx` must be a transaction): CREATE TABLE AS
 * may run in parallel where INSERT … SELECT never does, and JIT is off for it (compiling costs more
 * than it saves on these statements). Returns the table's name.
 */
async function segmentTable(trx: Db, s: SegmentSql, suffix: string): Promise<string> {
  const name = `campaign_segment_${suffix}`;
  await trx.raw('set local jit = off');
  await trx.raw(`create temp table ${name} on commit drop as ${s.sql}`, s.bindings);
  return name;
}

/** The count (reachable and not) and a sample, before anything is sent. */
export async function previewSegment(
  db: Db,
  p: Principal,
  def: SegmentDefinition,
  asOf = new Date(),
): Promise<SegmentPreview> {
  const scope = await scopeOf(db, p);
  const s = segmentSql(p.corpId, scope, segmentDefinition.parse(def), asOf);
  // One evaluation of the segment (as the materialisation does it) for the count, the unreachable and the sample.
  const r = await db.transaction(async (trx) => {
    const seg = await segmentTable(trx, s, 'preview');
    return trx.raw<{
      rows: {
        count: string;
        unreachable: string;
        sample:
          | {
              customerId: number;
              name: string;
              guideName: string | null;
              storeName: string | null;
              reason: string | null;
            }[]
          | null;
      }[];
    }>(
      `select (select count(*) from ${seg}) as count,
              (select count(*) from ${seg} where guide_id is null) as unreachable,
              (select json_agg(x) from (
                 select seg.customer_id as "customerId", c.name, g.name as "guideName", st.name as "storeName", seg.reason
                   from (select * from ${seg} order by customer_id limit 20) seg
                   join customers c on c.id = seg.customer_id
                   left join guides g on g.id = seg.guide_id
                   left join stores st on st.id = seg.store_id
                  order by seg.customer_id) x) as sample`,
    );
  });
  const row = r.rows[0]!;
  return {
    count: Number(row.count),
    unreachable: Number(row.unreachable),
    sample: (row.sample ?? []).map((x) => ({ ...x, customerId: Number(x.customerId) })),
  };
}

/**
 * Writes a campaign's recipients from its segment in one statement. The holdout is a hash of the
 * campaign's random seed and the customer id: random across customers, different per campaign,
 * and the same every time for one campaign (re-materialising never moves a customer).
 */
export async function materialiseRecipients(
  db: Db,
  c: {
    campaignId: number;
    corpId: number;
    scope: Scope;
    definition: SegmentDefinition;
    seed: string;
    holdoutBp: number;
  },
  asOf: Date,
): Promise<number> {
  const s = segmentSql(c.corpId, c.scope, c.definition, asOf);
  if (!('isTransaction' in db) || !db.isTransaction)
    return db.transaction((trx) => materialiseRecipients(trx, c, asOf));
  const seg = await segmentTable(db, s, `c${Math.trunc(c.campaignId)}`);
  const res = await db.raw<{ rowCount: number }>(
    `insert into campaign_recipients (campaign_id, corp_id, customer_id, guide_id, store_id, holdout, status, reason)
     select ?, ?, seg.customer_id, seg.guide_id, seg.store_id, h.holdout,
            (case when h.holdout then 'holdout' when seg.guide_id is null then 'unreachable' else 'pending' end)::campaign_recipient_status,
            seg.reason
       from ${seg} seg
       cross join lateral (select ${HOLDOUT_SQL} as holdout) h
     on conflict (campaign_id, customer_id) do nothing`,
    [c.campaignId, c.corpId, c.seed, c.holdoutBp],
  );
  return res.rowCount;
}

/** A customer's bucket (0–9999) for a seed: the first 32 bits of md5(seed:customer). Bound: seed, holdout_bp. */
const HOLDOUT_SQL = `(('x' || substr(md5(?::text || ':' || seg.customer_id::text), 1, 8))::bit(32)::bigint % 10000) < ?`;

/** The same bucket in TypeScript, for tests and tools. */
export function holdoutBucket(seed: string, customerId: number): number {
  const hex = createHash('md5').update(`${seed}:${customerId}`).digest('hex').slice(0, 8);
  return Number(BigInt(`0x${hex}`) % 10000n);
}

// ---- saved segments ----

type SegmentRow = z.infer<typeof segmentSchema>;

export async function saveSegment(
  db: Db,
  p: Principal,
  input: { name: string; definition: SegmentDefinition },
  id?: number,
  requestId?: string,
): Promise<SegmentRow> {
  const definition = JSON.stringify(segmentDefinition.parse(input.definition));
  try {
    const [row] = id
      ? await db('segments')
          .where({ corp_id: p.corpId, id })
          .update({ name: input.name, definition, updated_at: db.fn.now() })
          .returning(['id', 'name', 'definition', 'created_at'])
      : await db('segments')
          .insert({ corp_id: p.corpId, name: input.name, definition, created_by: p.userId })
          .returning(['id', 'name', 'definition', 'created_at']);
    if (!row) throw new AppError('NOT_FOUND', `no segment ${id}`, { field: 'params.segmentId' });
    await recordAudit(db, {
      corpId: p.corpId,
      actor: p.userid,
      action: id ? 'segment.update' : 'segment.save',
      entity: 'segment',
      entityId: Number(row.id),
      detail: { name: input.name, definition: JSON.parse(definition) as unknown },
      requestId,
    });
    return toSegment(row);
  } catch (err) {
    if ((err as { code?: string }).code === '23505')
      throw new AppError('CONFLICT', `a segment named ${input.name} exists`, { field: 'body.name' });
    throw err;
  }
}

/** Deletes a saved segment; campaigns made from it keep their copy of its definition. Audited. */
export async function deleteSegment(db: Db, p: Principal, id: number, requestId?: string): Promise<void> {
  await db.transaction(async (trx) => {
    const [row] = await trx('segments')
      .where({ corp_id: p.corpId, id })
      .delete()
      .returning<{ name: string; definition: unknown }[]>(['name', 'definition']);
    if (!row) throw new AppError('NOT_FOUND', `no segment ${id}`, { field: 'params.segmentId' });
    await recordAudit(trx, {
      corpId: p.corpId,
      actor: p.userid,
      action: 'segment.delete',
      entity: 'segment',
      entityId: id,
      detail: { name: row.name, definition: row.definition },
      requestId,
    });
  });
}

export async function listSegments(db: Db, p: Principal): Promise<SegmentRow[]> {
  const rows = await db('segments')
    .where({ corp_id: p.corpId })
    .orderBy('id', 'desc')
    .select('id', 'name', 'definition', 'created_at');
  return rows.map(toSegment);
}

export async function getSegment(db: Db, corpId: number, id: number): Promise<SegmentRow> {
  const row = await db('segments').where({ corp_id: corpId, id }).first('id', 'name', 'definition', 'created_at');
  if (!row) throw new AppError('NOT_FOUND', `no segment ${id}`, { field: 'segmentId' });
  return toSegment(row);
}

function toSegment(r: { id: number | string; name: string; definition: unknown; created_at: Date }): SegmentRow {
  return {
    id: Number(r.id),
    name: r.name,
    definition: segmentDefinition.parse(r.definition),
    createdAt: r.created_at.toISOString(),
  };
}
