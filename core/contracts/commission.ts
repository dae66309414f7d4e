/**
 * The finance console's view of the commission API (api/routes/commission.routes.ts), parsed by
 * the boards app. Money is integer fen; months `YYYY-MM`.
 */
import * as z from 'zod/mini';

const fen = z.int();

export const period = z.object({
  id: z.number(),
  month: z.string(),
  status: z.string(),
  closedAt: z.nullable(z.string()),
  closedBy: z.nullable(z.string()),
});
export const periods = z.array(period);
export type Period = z.infer<typeof period>;

export const summaryRow = z.object({
  key: z.string(),
  name: z.string(),
  guides: z.int(),
  lines: z.int(),
  earnFen: fen,
  clawbackFen: fen,
  adjustmentFen: fen,
  totalFen: fen,
  payoutFen: z.nullable(fen),
});
export const summary = z.object({ month: z.string(), status: z.string(), rows: z.array(summaryRow) });
export type Summary = z.infer<typeof summary>;

export const review = z.object({
  periodId: z.number(),
  month: z.string(),
  reviewId: z.number(),
  totalFen: fen,
  guides: z.int(),
  firstReview: z.boolean(),
  changes: z.array(
    z.object({ guideId: z.number(), beforeFen: z.nullable(fen), afterFen: z.nullable(fen), deltaFen: fen }),
  ),
});
export type Review = z.infer<typeof review>;

export const closeResult = z.object({ periodId: z.number(), lines: z.int(), payoutFen: fen });
export const adjustResult = z.object({ adjustmentId: z.number(), lineId: z.number() });

export const dispute = z.object({
  id: z.number(),
  kind: z.enum(['contest', 'claim']),
  status: z.enum(['open', 'accepted', 'rejected']),
  level: z.enum(['store', 'region']),
  guideId: z.number(),
  guideName: z.string(),
  storeId: z.nullable(z.number()),
  orderId: z.nullable(z.number()),
  orderNo: z.nullable(z.string()),
  lineId: z.nullable(z.number()),
  rule: z.nullable(z.string()),
  claimedFen: z.nullable(fen),
  approvedFen: z.nullable(fen),
  note: z.string(),
  resolution: z.nullable(z.string()),
  decidedBy: z.nullable(z.string()),
  createdAt: z.string(),
  resolvedAt: z.nullable(z.string()),
  ageHours: z.number(),
  creditId: z.optional(z.nullable(z.number())),
  commissionLineId: z.nullable(z.number()),
});
export const disputes = z.array(dispute);
export type Dispute = z.infer<typeof dispute>;
export const decisionResult = z.object({
  status: z.enum(['accepted', 'rejected']),
  commissionLineId: z.nullable(z.number()),
});

export const uncleanDay = z.object({
  storeId: z.number(),
  storeName: z.string(),
  day: z.string(),
  unexplainedFen: fen,
  clean: z.boolean(),
  differences: z.array(
    z.object({
      reason: z.string(),
      side: z.string(),
      deltaFen: fen,
      orderNo: z.nullable(z.string()),
      detail: z.string(),
    }),
  ),
});
export const uncleanDays = z.array(uncleanDay);
export type UncleanDay = z.infer<typeof uncleanDay>;

/** A guide's statement for a month, every line with its receipt (GET /api/sidebar/commission/:month). */
export const statement = z.object({
  month: z.string(),
  status: z.string(),
  guide: z.object({ id: z.number(), name: z.string(), storeId: z.number(), storeName: z.string() }),
  totals: z.object({ earnFen: fen, clawbackFen: fen, adjustmentFen: fen, totalFen: fen, heldFen: fen }),
  payout: z.nullable(z.object({ carryInFen: fen, paidLinesFen: fen, heldFen: fen, payoutFen: fen, carryOutFen: fen })),
  lines: z.array(
    z.object({
      lineId: z.number(),
      kind: z.enum(['earn', 'clawback', 'adjustment']),
      occurredOn: z.string(),
      payableOn: z.string(),
      baseFen: fen,
      rateBp: z.int(),
      amountFen: fen,
      linksLineId: z.nullable(z.number()),
      note: z.nullable(z.string()),
      receipt: z.object({
        creditId: z.nullable(z.number()),
        creditKind: z.nullable(z.string()),
        rule: z.nullable(z.string()),
        ruleSetVersion: z.nullable(z.number()),
        planVersion: z.nullable(z.number()),
        category: z.optional(z.nullable(z.string())),
        orderId: z.nullable(z.number()),
        orderNo: z.nullable(z.string()),
        transferId: z.nullable(z.number()),
        evidence: z.unknown(),
        arithmetic: z.string(),
        trailPath: z.nullable(z.string()),
      }),
    }),
  ),
});
export type Statement = z.infer<typeof statement>;
