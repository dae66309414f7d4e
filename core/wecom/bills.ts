/** Bill polling: WeCom 对外收款 bills (payments and refund records) into `transfers`, with a cursor per corp. */
import type { AppContext } from '../context';
import { owe, requestAttribution } from '../attribution/outbox';
import type { Db } from '../db/knex';
import type { WecomClient } from './client';
import type { BillItem } from './schemas';

const WINDOW_S = 30 * 86_400; // the API takes at most one month per call
const OVERLAP_S = 600; // re-read the last minutes: bills can land late; upserts make it harmless
const FIRST_LOOKBACK_S = 30 * 86_400;

/**
 * Upserts bills; returns the ids of rows inserted now (a replay inserts nothing). Each new bill is
 * owed an attribution (the outbox), in the same transaction.
 */
export async function ingestBills(db: Db, corpId: number, bills: BillItem[]): Promise<number[]> {
  if (bills.length === 0) return [];
  const userids = [...new Set(bills.map((b) => b.payee_userid))];
  const exts = [...new Set(bills.map((b) => b.external_userid).filter(Boolean))];
  const guides = new Map(
    (
      await db('guides')
        .where({ corp_id: corpId })
        .whereIn('userid', userids)
        .select<{ id: number; userid: string }[]>('id', 'userid')
    ).map((g) => [g.userid, g.id]),
  );
  const customers = new Map(
    (
      await db('customers')
        .where({ corp_id: corpId })
        .whereIn('external_userid', exts)
        .select<{ id: number; external_userid: string }[]>('id', 'external_userid')
    ).map((c) => [c.external_userid, c.id]),
  );
  const rows = bills.map((b) => ({
    corp_id: corpId,
    transaction_id: b.transaction_id,
    bill_type: b.bill_type,
    out_refund_no: b.bill_type === 1 ? (b.out_refund_no ?? '') : '',
    trade_state: b.trade_state ?? 0,
    payment_type: b.payment_type ?? null,
    pay_time: new Date(b.pay_time * 1000),
    payee_userid: b.payee_userid,
    guide_id: guides.get(b.payee_userid) ?? null,
    external_userid: b.external_userid || null,
    customer_id: (b.external_userid && customers.get(b.external_userid)) || null,
    total_fee_fen: b.total_fee,
    total_refund_fee_fen: b.total_refund_fee ?? 0,
    remark: b.remark ?? null,
    raw: JSON.stringify(b),
  }));
  return db.transaction(async (trx) => {
    const inserted = await trx('transfers')
      .insert(rows)
      .onConflict(['corp_id', 'transaction_id', 'bill_type', 'out_refund_no'])
      .merge(['trade_state', 'total_refund_fee_fen', 'raw'])
      .returning<{ id: number; inserted: boolean }[]>([trx.raw('id'), trx.raw('(xmax = 0) as inserted')]);
    const fresh = inserted.filter((r) => r.inserted).map((r) => r.id);
    await requestAttribution(trx, corpId, owe('transfer', fresh, 'self'), 'new WeCom transfer bills', { queued: true });
    return fresh;
  });
}

/**
 * One polling run: pages through windows (at most a month each) from the saved position up to
 * now, saving the cursor with its window after each page, so a run that dies mid-window resumes
 * the same query where it stopped.
 */
export async function pollBills(
  ctx: AppContext,
  client: WecomClient,
  corpId: number,
  nowS = Math.floor(Date.now() / 1000),
  opts: { limit?: number } = {},
): Promise<{ bills: number; newTransferIds: number[] }> {
  const cur = await ctx
    .db('sync_cursors')
    .where({ corp_id: corpId, kind: 'bills' })
    .first<
      { cursor: string; window_start: Date | null; window_end: Date | null; synced_to: Date | null } | undefined
    >();
  const sec = (d: Date) => Math.floor(d.getTime() / 1000);
  let begin = cur?.window_start
    ? sec(cur.window_start)
    : cur?.synced_to
      ? sec(cur.synced_to) - OVERLAP_S
      : nowS - FIRST_LOOKBACK_S;
  // A saved cursor is only valid for the window it was issued for.
  let pinnedEnd = cur?.window_start && cur.window_end && cur.cursor ? sec(cur.window_end) : null;
  let cursor = pinnedEnd === null ? '' : (cur?.cursor ?? '');
  let total = 0;
  const fresh: number[] = [];
  while (begin < nowS) {
    const end = pinnedEnd ?? Math.min(begin + WINDOW_S, nowS);
    const page = await client.getBillList({ begin_time: begin, end_time: end, cursor, limit: opts.limit ?? 1000 });
    total += page.bill_list.length;
    fresh.push(...(await ingestBills(ctx.db, corpId, page.bill_list)));
    // No next_cursor means the window is done (an older doc says an empty page does; both end here).
    const done = !page.next_cursor || page.bill_list.length === 0;
    cursor = done ? '' : page.next_cursor!;
    const save = done
      ? { cursor: '', window_start: null, window_end: null, synced_to: new Date(end * 1000) }
      : { cursor, window_start: new Date(begin * 1000), window_end: new Date(end * 1000) };
    await ctx
      .db('sync_cursors')
      .insert({ corp_id: corpId, kind: 'bills', ...save, updated_at: new Date() })
      .onConflict(['corp_id', 'kind'])
      .merge();
    if (!done) {
      pinnedEnd = end;
      continue;
    }
    pinnedEnd = null;
    begin = end;
  }
  return { bills: total, newTransferIds: fresh };
}
