import { attributeOrders, attributeTransfers, ordersOfCustomers } from '../../core/attribution/attribution.service';
import { linkOrdersOfCustomers } from '../../core/ingest/pos';
import { attributeJob } from '../../core/jobs/attribution.jobs';
import { processor } from '../processor';

export const attributeProcessor = processor(attributeJob, async ({ payload, ctx, log }) => {
  // A customer whose identities changed (e.g. WeCom told us their unionid) may own orders that carried no customer yet.
  await linkOrdersOfCustomers(ctx.db, payload.corpId, payload.customerIds ?? []);
  const fromCustomers = await ordersOfCustomers(ctx.db, payload.corpId, payload.customerIds ?? []);
  const orders = await attributeOrders(
    ctx,
    payload.corpId,
    [...(payload.orderIds ?? []), ...fromCustomers],
    payload.reason,
  );
  const transfers = await attributeTransfers(ctx, payload.corpId, payload.transferIds ?? [], payload.reason);
  log.info({ ...orders, transfers, reason: payload.reason }, 'attributed');
  return { ...orders, transfers };
});
