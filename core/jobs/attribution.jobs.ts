import { z } from 'zod';
import { defineJob } from './job';

const ids = z.array(z.number().int().positive()).max(10_000).optional();

/**
 * (Re-)attribute orders and transfers. Facts that changed name what they affect: new or late
 * orders by id, customers whose interactions, coupons or identities changed, transfer bills.
 */
export const attributeJob = defineJob({
  queue: 'attribution',
  name: 'attribute',
  schema: z.object({
    corpId: z.number().int().positive(),
    orderIds: ids,
    customerIds: ids,
    transferIds: ids,
    reason: z.string().min(1).max(200),
  }),
});

export const attributionJobs = [attributeJob];
