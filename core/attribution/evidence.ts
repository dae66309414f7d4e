/**
 * One evidence schema for every kind of credit line, a union discriminated by the line's `type`:
 * what a line stores in `credits.evidence` and the trail, boards, statements and exports read back.
 *
 * | type | line | evidence |
 * |---|---|---|
 * | `order_sale` | an order's sale | the rule that fired and its fact (bill, coupon, interactions) |
 * | `order_refund` | an order's refund | the sale's rule, the refund, and the till refund that recorded it again |
 * | `bill_payment` / `bill_refund` | a WeCom bill no order names, credited on its own | the transaction |
 * | `adjustment` | a correction of a closed period, posted in the open one | the locked line it adjusts, why, the new attribution |
 * | `manual` | an approved dispute (申诉), credited by the engine in the open period | the dispute, who decided and why, amounts, the contested line |
 */
import { z } from 'zod';

const rule = z.enum(['transfer', 'coupon', 'interaction']);

/** Why an order's sale is a guide's: one variant per rule. */
export const saleEvidence = z.discriminatedUnion('rule', [
  z.object({ rule: z.literal('transfer'), transferId: z.number(), transactionId: z.string(), paidAt: z.string() }),
  z.object({ rule: z.literal('coupon'), couponId: z.number(), code: z.string(), issuedAt: z.string() }),
  z.object({
    rule: z.literal('interaction'),
    interactionIds: z.array(z.number()),
    lastAt: z.string(),
    kind: z.string(),
    windowDays: z.number(),
    tieBreak: z.enum(['none', 'exclusive_guide', 'smallest_guide_id']),
    /** Guides whose interactions (before a takeover) count as the successor's: 离职继承 / 在职继承. */
    inheritedFrom: z.array(z.number()).optional(),
  }),
]);
export type SaleEvidence = z.infer<typeof saleEvidence>;

export const refundEvidence = z.object({
  rule,
  refundId: z.number(),
  reversesOrderCredit: z.literal(true),
  /** A till refund of a transfer refund record's amount: the same refund recorded twice. */
  alsoRecordedAsRefundId: z.number().optional(),
});
export type RefundEvidence = z.infer<typeof refundEvidence>;

export const billEvidence = z.object({
  rule: z.literal('transfer'),
  transactionId: z.string(),
  billType: z.number().int(),
  why: z.string().optional(),
});
export type BillEvidence = z.infer<typeof billEvidence>;

export const adjustmentEvidence = z.object({
  adjusts: z.number().nullable(),
  why: z.string(),
  attribution: saleEvidence.nullable(),
});
export type AdjustmentEvidence = z.infer<typeof adjustmentEvidence>;

/** Why a manual line exists: the dispute whose approval it credits. */
export const manualEvidence = z.object({
  disputeId: z.number(),
  dispute: z.enum(['contest', 'claim']),
  decidedBy: z.string(),
  reason: z.string(),
  claimedFen: z.number().nullable(),
  approvedFen: z.number(),
  contestedCreditId: z.number().nullable(),
});
export type ManualEvidence = z.infer<typeof manualEvidence>;

export const lineEvidenceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('order_sale'), evidence: saleEvidence }),
  z.object({ type: z.literal('order_refund'), evidence: refundEvidence }),
  z.object({ type: z.literal('bill_payment'), evidence: billEvidence }),
  z.object({ type: z.literal('bill_refund'), evidence: billEvidence }),
  z.object({ type: z.literal('adjustment'), evidence: z.union([adjustmentEvidence, billEvidence]) }),
  z.object({ type: z.literal('manual'), evidence: manualEvidence }),
]);
export type LineEvidence = z.infer<typeof lineEvidenceSchema>;

/** The type of a stored line, from its columns. */
export function lineType(l: {
  order_id: number | null;
  kind: string;
  dispute_id?: number | null | undefined;
}): LineEvidence['type'] {
  if (l.dispute_id !== undefined && l.dispute_id !== null) return 'manual';
  if (l.kind === 'adjustment') return 'adjustment';
  if (l.order_id === null) return l.kind === 'refund' ? 'bill_refund' : 'bill_payment';
  return l.kind === 'refund' ? 'order_refund' : 'order_sale';
}

/** A stored line's evidence read back with its schema (null where it does not parse: never expected). */
export function readLineEvidence(l: {
  order_id: number | null;
  kind: string;
  dispute_id?: number | null | undefined;
  evidence: unknown;
}): LineEvidence | null {
  const r = lineEvidenceSchema.safeParse({ type: lineType(l), evidence: l.evidence });
  return r.success ? r.data : null;
}
