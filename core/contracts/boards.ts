/**
 * The performance boards' HTTP contract (api/routes/boards.routes.ts), checked on both sides like
 * the sidebar's. Money is integer fen; shares and rates are basis points (1 % = 100 bp); dates
 * are tenant days `YYYY-MM-DD`.
 */
import * as z from 'zod/mini';

const fen = z.int();
const int = () => z.int();
const day = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD'));
const month = z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM'));

export const boardPaths = ['transfer', 'mall', 'coupon', 'interaction'] as const;
export const boardLevel = z.enum(['region', 'store', 'guide']);
export type BoardLevel = z.infer<typeof boardLevel>;

/** A date range in the tenant's time zone, both ends included. */
export const rangeQuery = z.object({ from: day, to: day });
export type RangeQuery = z.infer<typeof rangeQuery>;
export const exportFormat = z.optional(z.enum(['json', 'csv', 'xlsx']));

export const range = z.object({ from: day, to: day });

export const figures = z.object({
  /** Credited sales by path: direct (transfer, mall) and indirect (coupon, interaction). */
  byPath: z.object({ transfer: fen, mall: fen, coupon: fen, interaction: fen }),
  creditedFen: fen,
  directFen: fen,
  indirectFen: fen,
  creditedOrders: int(),
  avgOrderFen: z.nullable(fen),
  /** All of the store's orders (any source, credited or not); null on guide rows. */
  storeSalesFen: z.nullable(fen),
  storeOrders: z.nullable(int()),
  privateShareBp: z.nullable(int()),
  mallShareBp: z.nullable(int()),
  transferShareBp: z.nullable(int()),
});
export type Figures = z.infer<typeof figures>;

export const activity = z.object({
  interactions: int(),
  customersAdded: int(),
  /** Customers added by channel code (customer_guides.state; '' when none). */
  addedByChannel: z.record(z.string(), int()),
  activeCustomers: int(),
  couponsIssued: int(),
  couponsRedeemed: int(),
  redemptionBp: z.nullable(int()),
});
export type Activity = z.infer<typeof activity>;

export const boardRow = z.object({
  id: int(),
  name: z.string(),
  current: figures,
  previous: figures,
  lastYear: figures,
  activity,
});
export type BoardRow = z.infer<typeof boardRow>;

export const freshness = z.object({
  /** Latest POS order received (ingested_at), ISO; null when none yet. */
  posUpTo: z.nullable(z.string()),
  /** Last WeCom bill poll, ISO; a day's bills are published by WeCom the next day. */
  billsPolledAt: z.nullable(z.string()),
  /** Days up to and including this one are final for both sources; later days are provisional. */
  finalThrough: z.nullable(day),
  provisional: z.boolean(),
});
export type Freshness = z.infer<typeof freshness>;

export const board = z.object({
  level: boardLevel,
  parentId: z.nullable(int()),
  range,
  previousRange: range,
  lastYearRange: range,
  rows: z.array(boardRow),
  total: figures,
  reference: z.object({ mallShareMinBp: int(), transferShareBp: z.tuple([int(), int()]) }),
  freshness,
});
export type Board = z.infer<typeof board>;

export const trend = z.object({
  range,
  days: z.array(
    z.object({ day, transfer: fen, mall: fen, coupon: fen, interaction: fen, interactions: int(), orders: int() }),
  ),
});
export type Trend = z.infer<typeof trend>;

const ranked = z.object({ id: int(), name: z.string(), creditedFen: fen, previousFen: fen, deltaFen: fen });
export const rankings = z.object({
  range,
  guides: z.object({ top: z.array(ranked), bottom: z.array(ranked), movers: z.array(ranked) }),
  stores: z.object({ top: z.array(ranked), bottom: z.array(ranked), movers: z.array(ranked) }),
});
export type Rankings = z.infer<typeof rankings>;

export const guideOrders = z.object({
  guide: z.object({ id: int(), name: z.string(), storeId: int() }),
  range,
  orders: z.array(
    z.object({
      orderId: z.nullable(int()),
      ref: z.string(),
      paidAt: z.string(),
      path: z.enum(boardPaths),
      creditedFen: fen,
      netFen: z.nullable(fen),
      customer: z.nullable(z.string()),
    }),
  ),
});
export type GuideOrders = z.infer<typeof guideOrders>;

const cohort = z.object({ customers: int(), salesFen: fen, perCustomerFen: z.nullable(fen) });
export const incrementality = z.object({
  storeId: int(),
  range,
  guided: cohort,
  unguided: cohort,
  /** guided per-customer spend over unguided's, in bp; null when a side is empty. */
  liftBp: z.nullable(int()),
});
export type Incrementality = z.infer<typeof incrementality>;

export const targetLevel = z.enum(['guide', 'store', 'region']);
export const targetRow = z.object({
  level: targetLevel,
  id: int(),
  name: z.string(),
  month,
  targetFen: z.nullable(fen),
  creditedFen: fen,
  completionBp: z.nullable(int()),
  /** Completion against the share of the month elapsed: ≥ 10000 is on pace. */
  paceBp: z.nullable(int()),
  /** Regions: the sum of their stores' targets, to check the region's against. */
  childrenTargetFen: z.nullable(fen),
  canSet: z.boolean(),
});
export const targets = z.object({
  month,
  daysElapsed: int(),
  daysInMonth: int(),
  rows: z.array(targetRow),
});
export type Targets = z.infer<typeof targets>;
export const targetsQuery = z.object({ month, level: targetLevel, parentId: z.optional(z.coerce.number()) });
export const setTargetBody = z.object({
  level: targetLevel,
  id: int(),
  month,
  amountFen: z.int().check(z.minimum(0), z.maximum(100_000_000_000)),
});

export const boardVersion = z.object({ version: z.string() });
