/**
 * After a fresh seed, the demo's 90 days of orders and transfers are credited by the engine
 * itself (the same service the workers call), so boards and "my credits" start with history.
 */
import { attributeOrders, attributeTransfers } from '../../core/attribution/attribution.service';
import { closePeriod, reviewPeriod } from '../../core/commission/periods';
import type { AppContext } from '../../core/context';

export async function creditHistory(
  ctx: AppContext,
  corpId: number,
  batch = 1000,
): Promise<{ orders: number; transfers: number }> {
  // History is credited as it happened, before its periods closed: lift the seeded closes while
  // crediting (otherwise every sale of a closed month would be a late fact, posted as an adjustment today).
  const closed = await ctx.db('commission_periods').where({ corp_id: corpId, status: 'closed' }).pluck<number[]>('id');
  await ctx.db('commission_periods').whereIn('id', closed).update({ status: 'open' });
  try {
    const orders = await ctx.db('orders').where({ corp_id: corpId }).orderBy('id').pluck<number[]>('id');
    for (let i = 0; i < orders.length; i += batch)
      await attributeOrders(ctx, corpId, orders.slice(i, i + batch), 'demo history');
    const transfers = await ctx.db('transfers').where({ corp_id: corpId }).orderBy('id').pluck<number[]>('id');
    for (let i = 0; i < transfers.length; i += batch)
      await attributeTransfers(ctx, corpId, transfers.slice(i, i + batch), 'demo history');
    return { orders: orders.length, transfers: transfers.length };
  } finally {
    // Close the seeded months again the way finance does — reviewed, then closed — so their
    // commission lines exist and are locked (a month closed with no lines would send its whole
    // history into the next open period as late facts).
    const months = await ctx.db('commission_periods').whereIn('id', closed).orderBy('month').pluck<string[]>('month');
    for (const m of months.map((d) => d.slice(0, 7))) {
      await reviewPeriod(ctx.db, corpId, m, 'caiwu');
      await closePeriod(ctx.db, corpId, m, 'caiwu', 'demo history: month closed');
    }
  }
}
