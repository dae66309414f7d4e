import { z } from 'zod';
import { owe, requestAttribution } from '../attribution/outbox';
import type { Db } from '../db/knex';

export const INTERACTION_KINDS = [
  'script_send',
  'product_share',
  'coupon_issue',
  'message',
  'customer_added',
  'call',
  'transfer',
  'archive_message',
  'behavior',
  'visit',
] as const;

export const interactionInput = z.object({
  corpId: z.number().int().positive(),
  guideId: z.number().int().positive(),
  customerId: z.number().int().positive(),
  occurredAt: z.date(),
  kind: z.enum(INTERACTION_KINDS),
  source: z.string().min(1).max(16),
  evidenceId: z.string().min(1).max(96),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type InteractionInput = z.infer<typeof interactionInput>;

/**
 * Records guide–customer interactions, idempotent on (corp, source, evidence id, time): a
 * replayed event inserts nothing. Returns the customers that got a new interaction. Whatever the
 * arrival order, a new interaction may credit orders already stored: each such customer is owed a
 * re-attribution (the outbox), in the same transaction. `queued`: the caller enqueues it after its
 * commit (enqueueAttribution); otherwise the outbox sweep does.
 */
export async function recordInteractions(
  db: Db,
  rows: InteractionInput[],
  opts: { queued: boolean } = { queued: false },
): Promise<number[]> {
  const inserted = await recordInteractionRows(db, rows, opts);
  return [...new Set(inserted.map((r) => r.customerId))];
}

/** As `recordInteractions`, returning each row inserted now (replays are left out). */
export async function recordInteractionRows(
  db: Db,
  rows: InteractionInput[],
  opts: { queued: boolean } = { queued: false },
): Promise<{ customerId: number; evidenceId: string }[]> {
  if (rows.length === 0) return [];
  if (!db.isTransaction) return db.transaction((trx) => recordInteractionRows(trx, rows, opts));
  const valid = rows.map((r) => interactionInput.parse(r));
  const out: { id: number; corpId: number; customerId: number; kind: string; evidenceId: string }[] = [];
  // 8 bind parameters a row: 5,000 rows a statement stay well under PostgreSQL's 65,535.
  for (let i = 0; i < valid.length; i += 5000) {
    const inserted = await db('interactions')
      .insert(
        valid.slice(i, i + 5000).map((r) => ({
          corp_id: r.corpId,
          guide_id: r.guideId,
          customer_id: r.customerId,
          occurred_at: r.occurredAt,
          kind: r.kind,
          source: r.source,
          evidence_id: r.evidenceId,
          detail: JSON.stringify(r.detail ?? {}),
        })),
      )
      .onConflict(['corp_id', 'source', 'evidence_id', 'occurred_at'])
      .ignore()
      .returning<{ id: number; corp_id: number; customer_id: number; kind: string; evidence_id: string }[]>([
        'id',
        'corp_id',
        'customer_id',
        'kind',
        'evidence_id',
      ]);
    out.push(
      ...inserted.map((r) => ({
        id: Number(r.id),
        corpId: Number(r.corp_id),
        customerId: Number(r.customer_id),
        kind: r.kind,
        evidenceId: r.evidence_id,
      })),
    );
  }
  const byCorp = new Map<number, typeof out>();
  for (const r of out) byCorp.set(r.corpId, [...(byCorp.get(r.corpId) ?? []), r]);
  for (const [corpId, list] of byCorp) {
    // Per customer, the newest of its interactions here names the cause.
    const last = new Map(list.map((r) => [r.customerId, r]));
    await requestAttribution(
      db,
      corpId,
      [...last.values()].flatMap((r) => owe('customer', [r.customerId], { kind: 'interaction', id: String(r.id) })),
      `new ${[...new Set(list.map((r) => r.kind))].join(', ')} interaction`,
      opts,
    );
  }
  return out.map((r) => ({ customerId: r.customerId, evidenceId: r.evidenceId }));
}
