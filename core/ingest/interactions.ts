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
  if (rows.length === 0) return [];
  if (!db.isTransaction) return db.transaction((trx) => recordInteractions(trx, rows, opts));
  const valid = rows.map((r) => interactionInput.parse(r));
  const inserted = await db('interactions')
    .insert(
      valid.map((r) => ({
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
    .returning<{ id: number; corp_id: number; customer_id: number; kind: string }[]>([
      'id',
      'corp_id',
      'customer_id',
      'kind',
    ]);
  const byCorp = new Map<number, typeof inserted>();
  for (const r of inserted) byCorp.set(Number(r.corp_id), [...(byCorp.get(Number(r.corp_id)) ?? []), r]);
  for (const [corpId, list] of byCorp) {
    // Per customer, the newest of its interactions here names the cause.
    const last = new Map(list.map((r) => [Number(r.customer_id), r]));
    await requestAttribution(
      db,
      corpId,
      [...last.values()].flatMap((r) =>
        owe('customer', [Number(r.customer_id)], { kind: 'interaction', id: String(r.id) }),
      ),
      `new ${[...new Set(list.map((r) => r.kind))].join(', ')} interaction`,
      opts,
    );
  }
  return [...new Set(inserted.map((r) => Number(r.customer_id)))];
}
