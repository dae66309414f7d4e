/**
 * One attribution run, as the attribute job asks for it: read what the outbox owes for the job's
 * subjects, link orders to customers whose identities changed, attribute the orders and bills, and
 * settle the outbox rows this run has paid. Each order's decision names the fact that caused it.
 */
import type { AppContext } from '../context';
import { linkOrdersOfCustomers } from '../customers/identity';
import type { Cause } from '../jobs/attribution.jobs';
import { attributeOrders, attributeTransfers, ordersByCustomer, type AttributeResult } from './attribution.service';
import { noteFailure, pendingOf, settle } from './outbox';

export interface RunRequest {
  corpId: number;
  orderIds?: number[];
  customerIds?: number[];
  transferIds?: number[];
  cause?: Cause;
  reason: string;
}

export async function runAttribution(
  ctx: AppContext,
  req: RunRequest,
): Promise<AttributeResult & { transfers: number; settled: number }> {
  // Read before any fact: a fact stored during this run bumps its row's seq, and the row stays owed.
  const owed = await pendingOf(ctx.db, req.corpId, req);
  try {
    const fallback: Cause = req.cause ?? { kind: 'recompute', id: null };
    const customerIds = req.customerIds ?? [];
    // A customer whose identities changed (e.g. WeCom told us their unionid) may own orders that carried no customer yet.
    await linkOrdersOfCustomers(ctx.db, req.corpId, customerIds);
    const fromCustomers = await ordersByCustomer(ctx.db, req.corpId, customerIds);
    const causeOf = new Map<number, Cause>();
    const own = (row: (typeof owed)[number]): Cause => ({ kind: row.cause_kind, id: row.cause_id });
    for (const row of owed)
      if (row.subject === 'customer')
        for (const id of fromCustomers.get(row.subject_id) ?? []) causeOf.set(id, own(row));
    for (const row of owed) if (row.subject === 'order') causeOf.set(row.subject_id, own(row));
    const allOrders = [...(req.orderIds ?? []), ...[...fromCustomers.values()].flat()];
    const orders = await attributeOrders(ctx, req.corpId, allOrders, req.reason, (id) => causeOf.get(id) ?? fallback);
    const transferCause = owed.find((r) => r.subject === 'transfer');
    const transfers = await attributeTransfers(
      ctx,
      req.corpId,
      req.transferIds ?? [],
      req.reason,
      transferCause ? own(transferCause) : fallback,
    );
    const settled = await settle(ctx.db, req.corpId, owed);
    return { ...orders, transfers, settled };
  } catch (err) {
    await noteFailure(ctx.db, req.corpId, owed, err);
    throw err;
  }
}
