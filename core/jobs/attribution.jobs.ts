import { z } from 'zod';
import { defineJob } from './job';

const ids = z.array(z.number().int().positive()).max(10_000).optional();

/** Kinds of fact that make an attribution owed (the outbox and the decision trail name them). */
export const CAUSE_KINDS = [
  'order',
  'refund',
  'transfer',
  'interaction',
  'coupon',
  'identity',
  'exclusive_guide',
  'succession',
  'rule_set',
  'dispute',
  'recompute',
] as const;
export const causeSchema = z.object({ kind: z.enum(CAUSE_KINDS), id: z.string().max(96).nullable() });
/** The fact that made an attribution owed: its kind and id. */
export type Cause = z.infer<typeof causeSchema>;

/**
 * (Re-)attribute orders and transfers. Facts that changed name what they affect: new or late
 * orders by id, customers whose interactions, coupons or identities changed, transfer bills.
 * The outbox (core/attribution/outbox.ts) holds the same subjects until a run settles them.
 */
export const attributeJob = defineJob({
  queue: 'attribution',
  name: 'attribute',
  schema: z.object({
    corpId: z.number().int().positive(),
    orderIds: ids,
    customerIds: ids,
    transferIds: ids,
    cause: causeSchema.optional(),
    reason: z.string().min(1).max(200),
  }),
});

/** Queues what the outbox owes and no live job has settled in time (a schedule; see outbox.ts). */
export const sweepAttributionJob = defineJob({
  queue: 'maintenance',
  name: 'attribution-sweep',
  schema: z.object({}),
});

export const attributionJobs = [attributeJob, sweepAttributionJob];
