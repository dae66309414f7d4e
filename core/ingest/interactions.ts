import { z } from 'zod';
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
 * replayed event inserts nothing. Returns the customers that got a new interaction.
 */
export async function recordInteractions(db: Db, rows: InteractionInput[]): Promise<number[]> {
  const inserted = await recordInteractionRows(db, rows);
  return [...new Set(inserted.map((r) => r.customerId))];
}

/** As `recordInteractions`, returning each row inserted now (replays are left out). */
export async function recordInteractionRows(
  db: Db,
  rows: InteractionInput[],
): Promise<{ customerId: number; evidenceId: string }[]> {
  if (rows.length === 0) return [];
  const valid = rows.map((r) => interactionInput.parse(r));
  const out: { customerId: number; evidenceId: string }[] = [];
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
      .returning<{ customer_id: number; evidence_id: string }[]>(['customer_id', 'evidence_id']);
    out.push(...inserted.map((r) => ({ customerId: Number(r.customer_id), evidenceId: r.evidence_id })));
  }
  return out;
}
