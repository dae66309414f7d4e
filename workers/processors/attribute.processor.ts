import { attributeOrders, attributeTransfers, ordersOfCustomers } from '../../core/attribution/attribution.service';
import { attributeJob } from '../../core/jobs/attribution.jobs';
import { processor } from '../processor';

export const attributeProcessor = processor(attributeJob, async ({ payload, ctx, log }) => {
  const fromCustomers = await ordersOfCustomers(ctx.db, payload.corpId, payload.customerIds ?? []);
  const orders = await attributeOrders(ctx, payload.corpId, [...(payload.orderIds ?? []), ...fromCustomers], payload.reason);
  const transfers = await attributeTransfers(ctx, payload.corpId, payload.transferIds ?? [], payload.reason);
  log.info({ ...orders, transfers, reason: payload.reason }, 'attributed');
  return { ...orders, transfers };
});
