/**
 * A guide leaves, or hands customers on (离职继承 / 在职继承), through WeCom's transfer APIs and within
 * its rules: at most 100 customers a call; a per-customer errcode 0 only means "started"; the customer
 * may refuse within 24 h, otherwise WeCom completes the takeover then; at most two 在职 transfers per
 * customer in 90 days (WeCom refuses the third). One row per customer and transfer
 * (`customer_successions`); a poll (transfer_result) moves each to its final status. A completed
 * takeover moves the follow relation to the successor, the exclusive guide (when the leaver held it)
 * from the takeover time, and owes the customer a re-attribution through the outbox — where her open
 * windows go is the rule set's `handoverWindows` (core/attribution/rules.ts), not decided here.
 * Refused, limit and failed transfers stay listed with their reason.
 */
import type { Principal } from '../auth/principal';
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { enqueueAttribution, owe, requestAttribution, type Owed } from '../attribution/outbox';
import { AppError } from '../errors';
import { successionPollJob } from '../jobs/succession.jobs';
import { getWecomClient } from '../wecom/corp-client';

export type SuccessionKind = 'resigned' | 'in_service';
export type SuccessionStatus = 'waiting' | 'done' | 'refused' | 'limit' | 'failed';

/** WeCom's per-customer errcodes a transfer start can get (protocol §15.1), as the console names them. */
export const TRANSFER_ERRORS: Record<number, string> = {
  40096: 'invalid_customer',
  40097: 'not_resigned',
  40098: 'takeover_not_verified',
  40099: 'customer_limit',
  40100: 'already_in_transfer',
  40129: 'transfer_limit',
  40131: 'not_follower',
  41054: 'takeover_inactive',
};
export const reasonOf = (errcode: number | null): string | null =>
  errcode === null ? null : (TRANSFER_ERRORS[errcode] ?? 'wecom_refused');

/** WeCom takes at most this many customers per transfer call. */
export const TRANSFER_BATCH = 100;
/** Add way of a relation made by a transfer: no customer_added interaction comes of it (contact-sync.ts). */
export const ADD_WAY_TRANSFER = 202;
/** A transfer WeCom has no record of after this long is failed (status 5, or never listed). */
const UNKNOWN_AFTER_MS = 48 * 3600_000;

interface GuideRow {
  id: number;
  userid: string;
  name: string;
  store_id: number;
  status: 'active' | 'left';
  left_on: string | null;
}

async function guideOf(db: Db, corpId: number, id: number, field: string): Promise<GuideRow> {
  const g = await db('guides')
    .where({ corp_id: corpId, id })
    .first<GuideRow | undefined>(
      'id',
      'userid',
      'name',
      'store_id',
      'status',
      db.raw(`to_char(left_on, 'YYYY-MM-DD') as left_on`),
    );
  if (!g) throw new AppError('NOT_FOUND', `no guide ${id}`, { field });
  return { ...g, id: Number(g.id), store_id: Number(g.store_id) };
}

async function audit(
  db: Db,
  p: Principal,
  action: string,
  entityId: string,
  detail: object,
  requestId: string,
): Promise<void> {
  await db('audit_log').insert({
    corp_id: p.corpId,
    actor: p.userid,
    action,
    entity: 'guide',
    entity_id: entityId,
    detail: JSON.stringify(detail),
    request_id: requestId,
  });
}

/** Marks a guide as having left (离职): her customers then go on through 离职继承. Audited. */
export async function markGuideLeft(
  ctx: AppContext,
  p: Principal,
  guideId: number,
  input: { leftOn?: string | undefined; reason: string },
  requestId: string,
): Promise<{ guideId: number; leftOn: string }> {
  const g = await guideOf(ctx.db, p.corpId, guideId, 'params.guideId');
  if (g.status === 'left') throw new AppError('CONFLICT', `${g.name} has already left`, { field: 'params.guideId' });
  const leftOn = input.leftOn ?? new Date().toISOString().slice(0, 10);
  await ctx.db.transaction(async (trx) => {
    await trx('guides').where({ id: guideId, corp_id: p.corpId }).update({ status: 'left', left_on: leftOn });
    await audit(trx, p, 'guide.left', String(guideId), { leftOn, reason: input.reason }, requestId);
  });
  return { guideId, leftOn };
}

export interface LeaverSummary {
  guideId: number;
  name: string;
  storeId: number;
  storeName: string;
  status: 'active' | 'left';
  leftOn: string | null;
  /** Customers she still follows with no transfer waiting or done. */
  unassigned: number;
  waiting: number;
  done: number;
  /** Refused, limit or failed: reported, to be handed again. */
  problems: number;
}

/** Leavers (and guides with transfers under way) with their counts, and the guides who can take over. */
export async function successionOverview(
  ctx: AppContext,
  p: Principal,
): Promise<{
  leavers: LeaverSummary[];
  guides: { id: number; name: string; storeId: number; storeName: string; customers: number }[];
}> {
  const rows = await ctx.db.raw<{
    rows: {
      id: number;
      name: string;
      store_id: number;
      store_name: string;
      status: 'active' | 'left';
      left_on: string | null;
      unassigned: string;
      waiting: string;
      done: string;
      problems: string;
    }[];
  }>(
    `select g.id, g.name, g.store_id, st.name as store_name, g.status, to_char(g.left_on, 'YYYY-MM-DD') as left_on,
            (select count(*) from customer_guides cg where cg.guide_id = g.id and cg.ended_at is null
               and not exists (select 1 from customer_successions s where s.customer_id = cg.customer_id
                                and s.handover_guide_id = g.id and s.status in ('waiting', 'done'))) as unassigned,
            (select count(*) from customer_successions s where s.handover_guide_id = g.id and s.status = 'waiting') as waiting,
            (select count(*) from customer_successions s where s.handover_guide_id = g.id and s.status = 'done') as done,
            (select count(*) from customer_successions s where s.handover_guide_id = g.id and s.status in ('refused', 'limit', 'failed')
               and not exists (select 1 from customer_successions l where l.customer_id = s.customer_id and l.handover_guide_id = g.id and l.id > s.id)) as problems
       from guides g join stores st on st.id = g.store_id
      where g.corp_id = ? and (g.status = 'left' or exists (select 1 from customer_successions s where s.handover_guide_id = g.id))
      order by g.status desc, g.left_on desc nulls last, g.id`,
    [p.corpId],
  );
  const guides = await ctx.db.raw<{
    rows: { id: number; name: string; store_id: number; store_name: string; customers: string }[];
  }>(
    `select g.id, g.name, g.store_id, st.name as store_name,
            (select count(*) from customer_guides cg where cg.guide_id = g.id and cg.ended_at is null) as customers
       from guides g join stores st on st.id = g.store_id where g.corp_id = ? and g.status = 'active' order by st.name, g.name, g.id`,
    [p.corpId],
  );
  return {
    leavers: rows.rows.map((r) => ({
      guideId: Number(r.id),
      name: r.name,
      storeId: Number(r.store_id),
      storeName: r.store_name,
      status: r.status,
      leftOn: r.left_on,
      unassigned: Number(r.unassigned),
      waiting: Number(r.waiting),
      done: Number(r.done),
      problems: Number(r.problems),
    })),
    guides: guides.rows.map((g) => ({
      id: Number(g.id),
      name: g.name,
      storeId: Number(g.store_id),
      storeName: g.store_name,
      customers: Number(g.customers),
    })),
  };
}

export interface HandoverCustomer {
  customerId: number;
  externalUserid: string | null;
  name: string;
  /** unassigned: still hers, no transfer waiting or done; else the latest transfer's status. */
  status: 'unassigned' | SuccessionStatus;
  successorId: number | null;
  successorName: string | null;
  startedAt: string | null;
  /** While waiting: when WeCom completes the takeover; once done: when it did. */
  takeoverAt: string | null;
  errcode: number | null;
  reason: string | null;
}

/** One guide's customers for a handover: those she follows and those already handed (latest transfer each). */
export async function handoverCustomers(
  ctx: AppContext,
  p: Principal,
  guideId: number,
): Promise<{
  guide: { id: number; name: string; storeId: number; status: 'active' | 'left'; leftOn: string | null };
  defaultSuccessorId: number | null;
  customers: HandoverCustomer[];
}> {
  const g = await guideOf(ctx.db, p.corpId, guideId, 'params.guideId');
  const rows = await ctx.db.raw<{
    rows: {
      customer_id: number;
      external_userid: string | null;
      name: string;
      status: SuccessionStatus | null;
      takeover_guide_id: number | null;
      successor_name: string | null;
      started_at: Date | null;
      takeover_at: Date | null;
      errcode: number | null;
    }[];
  }>(
    `with mine as (
       select cg.customer_id from customer_guides cg where cg.guide_id = :g and cg.ended_at is null
       union select s.customer_id from customer_successions s where s.handover_guide_id = :g)
     select c.id as customer_id, c.external_userid, c.name, l.status, l.takeover_guide_id, tg.name as successor_name,
            l.started_at, l.takeover_at, l.errcode
       from mine join customers c on c.id = mine.customer_id
       left join lateral (select * from customer_successions s where s.customer_id = c.id and s.handover_guide_id = :g
                           order by s.id desc limit 1) l on true
       left join guides tg on tg.id = l.takeover_guide_id
      where c.corp_id = :corp
      order by (l.status is null) desc, c.name, c.id`,
    { g: guideId, corp: p.corpId },
  );
  const successor = await ctx.db.raw<{ rows: { id: number }[] }>(
    `select g.id from guides g where g.corp_id = ? and g.store_id = ? and g.status = 'active' and g.id <> ?
      order by (select count(*) from customer_guides cg where cg.guide_id = g.id and cg.ended_at is null), g.id limit 1`,
    [p.corpId, g.store_id, guideId],
  );
  return {
    guide: { id: g.id, name: g.name, storeId: g.store_id, status: g.status, leftOn: g.left_on },
    defaultSuccessorId: successor.rows[0] ? Number(successor.rows[0].id) : null,
    customers: rows.rows.map((r) => ({
      customerId: Number(r.customer_id),
      externalUserid: r.external_userid,
      name: r.name,
      status: r.status === null ? 'unassigned' : r.status,
      successorId: r.takeover_guide_id === null ? null : Number(r.takeover_guide_id),
      successorName: r.successor_name,
      startedAt: r.started_at?.toISOString() ?? null,
      takeoverAt: r.takeover_at?.toISOString() ?? null,
      errcode: r.errcode,
      reason: reasonOf(r.errcode),
    })),
  };
}

export interface StartResult {
  kind: SuccessionKind;
  started: number;
  failed: { customerId: number; name: string; errcode: number; reason: string }[];
}

/**
 * Starts the transfer of a guide's customers (all she still has unassigned, or those named) to a
 * successor: 离职继承 when she has left, 在职继承 otherwise. Batches of 100; each customer's answer is
 * recorded (waiting, or failed with WeCom's errcode). Audited; a poll is queued.
 */
export async function startTransfers(
  ctx: AppContext,
  p: Principal,
  input: {
    handoverGuideId: number;
    takeoverGuideId: number;
    customerIds?: number[] | undefined;
    message?: string | undefined;
  },
  requestId: string,
): Promise<StartResult> {
  const from = await guideOf(ctx.db, p.corpId, input.handoverGuideId, 'body.handoverGuideId');
  const to = await guideOf(ctx.db, p.corpId, input.takeoverGuideId, 'body.takeoverGuideId');
  if (to.id === from.id)
    throw new AppError('VALIDATION_FAILED', 'the successor must be another guide', { field: 'body.takeoverGuideId' });
  if (to.status !== 'active')
    throw new AppError('VALIDATION_FAILED', `${to.name} has left and cannot take customers over`, {
      field: 'body.takeoverGuideId',
    });
  const kind: SuccessionKind = from.status === 'left' ? 'resigned' : 'in_service';
  if (kind === 'resigned' && input.message !== undefined)
    throw new AppError('VALIDATION_FAILED', 'message: WeCom sends no message of ours for 离职继承', {
      field: 'body.message',
    });
  const q = ctx
    .db('customer_guides as cg')
    .join('customers as c', 'c.id', 'cg.customer_id')
    .where({ 'cg.corp_id': p.corpId, 'cg.guide_id': from.id })
    .whereNull('cg.ended_at')
    .whereNotNull('c.external_userid')
    .whereNotExists(
      ctx
        .db('customer_successions as s')
        .whereRaw('s.customer_id = cg.customer_id')
        .where('s.handover_guide_id', from.id)
        .whereIn('s.status', ['waiting', 'done']),
    )
    .orderBy('c.id')
    .select<{ id: number; external_userid: string; name: string }[]>('c.id', 'c.external_userid', 'c.name');
  if (input.customerIds) q.whereIn('c.id', input.customerIds);
  const customers = (await q).map((c) => ({ ...c, id: Number(c.id) }));
  if (input.customerIds) {
    const missing = input.customerIds.find((id) => !customers.some((c) => c.id === id));
    if (missing !== undefined)
      throw new AppError('VALIDATION_FAILED', `customer ${missing} is not ${from.name}'s to hand over`, {
        field: 'body.customerIds',
      });
  }
  if (customers.length === 0)
    throw new AppError('CONFLICT', `${from.name} has no customers left to hand over`, {
      field: 'body.handoverGuideId',
    });
  const client = await getWecomClient(ctx, p.corpId);
  const result: StartResult = { kind, started: 0, failed: [] };
  for (let i = 0; i < customers.length; i += TRANSFER_BATCH) {
    const batch = customers.slice(i, i + TRANSFER_BATCH);
    const r = await client.transferCustomers(kind, {
      handover_userid: from.userid,
      takeover_userid: to.userid,
      external_userid: batch.map((c) => c.external_userid),
      ...(input.message !== undefined ? { transfer_success_msg: input.message } : {}),
    });
    const answer = new Map(r.customer.map((x) => [x.external_userid, x.errcode]));
    const now = Date.now();
    await ctx.db.transaction(async (trx) => {
      for (const c of batch) {
        // A customer WeCom did not answer for was not started.
        const errcode = answer.get(c.external_userid) ?? -1;
        await trx('customer_successions').insert({
          corp_id: p.corpId,
          customer_id: c.id,
          kind,
          handover_guide_id: from.id,
          takeover_guide_id: to.id,
          status: errcode === 0 ? 'waiting' : 'failed',
          errcode: errcode === 0 ? null : errcode,
          takeover_at: errcode === 0 ? new Date(now + 24 * 3600_000) : null,
          finished_at: errcode === 0 ? null : new Date(now),
          started_by: p.userid,
          request_id: requestId,
        });
        if (errcode === 0) result.started++;
        else result.failed.push({ customerId: c.id, name: c.name, errcode, reason: reasonOf(errcode)! });
      }
      await audit(
        trx,
        p,
        'succession.start',
        String(from.id),
        {
          kind,
          takeoverGuideId: to.id,
          customerIds: batch.map((c) => c.id),
          failed: result.failed.filter((f) => batch.some((c) => c.id === f.customerId)).map((f) => f.customerId),
        },
        requestId,
      );
    });
  }
  if (result.started) await ctx.queues.enqueue(successionPollJob, { corpId: p.corpId });
  return result;
}

export async function corpsWithWaitingTransfers(db: Db): Promise<number[]> {
  return (
    await db('customer_successions').where({ status: 'waiting' }).distinct('corp_id').pluck<number[]>('corp_id')
  ).map(Number);
}

const STATUS_OF: Record<number, SuccessionStatus> = { 1: 'done', 2: 'waiting', 3: 'refused', 4: 'limit', 5: 'failed' };

/**
 * Reads the corp's waiting transfers back from WeCom (transfer_result per handover → takeover pair),
 * records each final status, then applies every completed takeover not applied yet.
 */
export async function pollSuccessions(
  ctx: AppContext,
  corpId: number,
): Promise<{ read: number; done: number; refused: number; limit: number; failed: number; applied: number }> {
  const out = { read: 0, done: 0, refused: 0, limit: 0, failed: 0, applied: 0 };
  const pairs = await ctx
    .db('customer_successions as s')
    .join('guides as h', 'h.id', 's.handover_guide_id')
    .join('guides as t', 't.id', 's.takeover_guide_id')
    .where({ 's.corp_id': corpId, 's.status': 'waiting' })
    .distinct<{ kind: SuccessionKind; handover: string; takeover: string }[]>(
      's.kind',
      'h.userid as handover',
      't.userid as takeover',
    );
  if (pairs.length) {
    const client = await getWecomClient(ctx, corpId);
    for (const pair of pairs) {
      const seen = new Map<string, { status: number; takeover_time: number }>();
      let cursor = '';
      do {
        const page = await client.transferResult(pair.kind, pair.handover, pair.takeover, cursor);
        for (const c of page.customer) seen.set(c.external_userid, c);
        cursor = page.next_cursor;
      } while (cursor);
      out.read += seen.size;
      const waiting = await ctx
        .db('customer_successions as s')
        .join('customers as c', 'c.id', 's.customer_id')
        .join('guides as h', 'h.id', 's.handover_guide_id')
        .join('guides as t', 't.id', 's.takeover_guide_id')
        .where({
          's.corp_id': corpId,
          's.status': 'waiting',
          's.kind': pair.kind,
          'h.userid': pair.handover,
          't.userid': pair.takeover,
        })
        .select<{ id: number; external_userid: string; started_at: Date }[]>(
          's.id',
          'c.external_userid',
          's.started_at',
        );
      for (const w of waiting) {
        const r = seen.get(w.external_userid);
        const status: SuccessionStatus =
          r === undefined
            ? Date.now() - w.started_at.getTime() > UNKNOWN_AFTER_MS
              ? 'failed'
              : 'waiting'
            : (STATUS_OF[r.status] ?? 'failed');
        const takeoverAt = r && r.takeover_time > 0 ? new Date(r.takeover_time * 1000) : null;
        if (status === 'waiting') {
          if (takeoverAt) await ctx.db('customer_successions').where({ id: w.id }).update({ takeover_at: takeoverAt });
          continue;
        }
        await ctx
          .db('customer_successions')
          .where({ id: w.id, status: 'waiting' })
          .update({
            status,
            takeover_at: status === 'done' ? (takeoverAt ?? new Date()) : null,
            finished_at: ctx.db.fn.now(),
          });
        out[status]++;
      }
    }
  }
  const due = await ctx
    .db('customer_successions')
    .where({ corp_id: corpId, status: 'done' })
    .whereNull('applied_at')
    .orderBy('takeover_at')
    .pluck<number[]>('id');
  for (const id of due) if (await applyTakeover(ctx, corpId, Number(id))) out.applied++;
  return out;
}

/**
 * A completed takeover in our books, once: the leaver's relation ends (`transferred`) at the takeover
 * time and the successor's starts (add way 202: no customer_added interaction), the exclusive guide moves
 * to the successor from then when the leaver held it, and the customer is owed a re-attribution.
 */
export async function applyTakeover(ctx: AppContext, corpId: number, successionId: number): Promise<boolean> {
  const owed: Owed[] = [];
  const reason = `customer handed over (succession ${successionId})`;
  const applied = await ctx.db.transaction(async (trx) => {
    const s = await trx('customer_successions')
      .where({ id: successionId, corp_id: corpId, status: 'done' })
      .whereNull('applied_at')
      .forUpdate()
      .first<
        { customer_id: number; handover_guide_id: number; takeover_guide_id: number; takeover_at: Date } | undefined
      >('customer_id', 'handover_guide_id', 'takeover_guide_id', 'takeover_at');
    if (!s) return false;
    const customerId = Number(s.customer_id);
    const at = s.takeover_at;
    await trx('customers').where({ id: customerId }).forUpdate().first('id');
    await trx('customer_guides')
      .where({ corp_id: corpId, customer_id: customerId, guide_id: s.handover_guide_id })
      .whereNull('ended_at')
      .update({
        ended_at: at,
        end_reason: 'transferred',
        is_exclusive: false,
        updated_at: trx.raw('clock_timestamp()'),
      });
    await trx('customer_guides')
      .insert({
        corp_id: corpId,
        customer_id: customerId,
        guide_id: s.takeover_guide_id,
        added_at: at,
        add_way: ADD_WAY_TRANSFER,
      })
      .onConflict(['corp_id', 'customer_id', 'guide_id'])
      .merge({
        added_at: trx.raw(
          'case when customer_guides.ended_at is null then customer_guides.added_at else excluded.added_at end',
        ),
        add_way: trx.raw(
          'case when customer_guides.ended_at is null then customer_guides.add_way else excluded.add_way end',
        ),
        ended_at: null,
        end_reason: null,
        updated_at: trx.raw('clock_timestamp()'),
      });
    // The exclusive guide moves only from the leaver, and from the takeover time on (dated, as ties read it).
    const current = await trx('exclusive_assignments')
      .where({ corp_id: corpId, customer_id: customerId })
      .whereNull('valid_to')
      .first<{ id: number; guide_id: number; valid_from: Date } | undefined>('id', 'guide_id', 'valid_from');
    if (current && Number(current.guide_id) === Number(s.handover_guide_id) && current.valid_from < at) {
      await trx('exclusive_assignments').where({ id: current.id }).update({ valid_to: at });
      await trx('exclusive_assignments').insert({
        corp_id: corpId,
        customer_id: customerId,
        guide_id: s.takeover_guide_id,
        valid_from: at,
        set_by: 'succession',
        reason: `handed over from guide ${s.handover_guide_id} (succession ${successionId})`,
      });
      await trx('customer_guides')
        .where({ corp_id: corpId, customer_id: customerId })
        .update({ is_exclusive: trx.raw('guide_id = ? and ended_at is null', [s.takeover_guide_id]) });
      await trx('audit_log').insert({
        corp_id: corpId,
        actor: 'succession',
        action: 'exclusive_guide.set',
        entity: 'customer',
        entity_id: String(customerId),
        detail: JSON.stringify({
          from: at.toISOString(),
          guideId: Number(s.takeover_guide_id),
          previous: Number(s.handover_guide_id),
          reason: `succession ${successionId}`,
        }),
      });
    }
    await trx('customer_successions').where({ id: successionId }).update({ applied_at: trx.fn.now() });
    owed.push(...owe('customer', [customerId], { kind: 'succession', id: String(successionId) }));
    await requestAttribution(trx, corpId, owed, reason, { queued: true });
    return true;
  });
  if (applied) await enqueueAttribution(ctx, corpId, owed, reason);
  return applied;
}

/**
 * Guides WeCom lists as resigned with customers still to assign (get_unassigned_list) who are active
 * here are marked as left, on their dimission day. Returns how many customers WeCom lists unassigned.
 */
export async function readUnassigned(
  ctx: AppContext,
  corpId: number,
  actor: string,
  requestId: string | null,
): Promise<{ unassigned: number; markedLeft: number }> {
  const client = await getWecomClient(ctx, corpId);
  const leavers = new Map<string, number>();
  let unassigned = 0;
  let cursor = '';
  do {
    const page = await client.getUnassignedList(cursor);
    for (const i of page.info) leavers.set(i.handover_userid, i.dimission_time);
    unassigned += page.info.length;
    cursor = page.is_last ? '' : page.next_cursor;
  } while (cursor);
  let markedLeft = 0;
  for (const [userid, dimission] of leavers) {
    const leftOn = new Date(dimission * 1000).toISOString().slice(0, 10);
    const changed = await ctx.db.transaction(async (trx) => {
      const [g] = await trx('guides')
        .where({ corp_id: corpId, userid, status: 'active' })
        .update({ status: 'left', left_on: leftOn })
        .returning<{ id: number }[]>('id');
      if (!g) return false;
      await trx('audit_log').insert({
        corp_id: corpId,
        actor,
        action: 'guide.left',
        entity: 'guide',
        entity_id: String(g.id),
        detail: JSON.stringify({ leftOn, reason: 'resigned in WeCom (get_unassigned_list)' }),
        request_id: requestId,
      });
      return true;
    });
    if (changed) markedLeft++;
  }
  return { unassigned, markedLeft };
}

/** Refresh from the console: read WeCom now (a WeCom failure answers as a coded error). Audited. */
export async function refreshSuccessions(ctx: AppContext, p: Principal, requestId: string) {
  const wecom = await readUnassigned(ctx, p.corpId, p.userid, requestId);
  const r = { ...(await pollSuccessions(ctx, p.corpId)), ...wecom };
  await audit(ctx.db, p, 'succession.refresh', '-', r, requestId);
  return r;
}

export interface GuideHandovers {
  inherited: { externalUserid: string | null; name: string; from: string; at: string }[];
  handedOver: {
    externalUserid: string | null;
    name: string;
    to: string;
    status: SuccessionStatus;
    at: string | null;
  }[];
}

/** What the sidebar shows a guide: customers she inherited (and from whom), and those she handed on. */
export async function guideHandovers(db: Db, corpId: number, guideId: number): Promise<GuideHandovers> {
  const inherited = await db('customer_successions as s')
    .join('customers as c', 'c.id', 's.customer_id')
    .join('guides as g', 'g.id', 's.handover_guide_id')
    .join('customer_guides as cg', function () {
      this.on('cg.customer_id', 's.customer_id').andOn('cg.guide_id', 's.takeover_guide_id').andOnNull('cg.ended_at');
    })
    .where({ 's.corp_id': corpId, 's.takeover_guide_id': guideId, 's.status': 'done' })
    .orderBy('s.takeover_at', 'desc')
    .limit(50)
    .select<{ external_userid: string | null; name: string; from: string; at: Date }[]>(
      'c.external_userid',
      'c.name',
      'g.name as from',
      's.takeover_at as at',
    );
  const handed = await db.raw<{
    rows: { external_userid: string | null; name: string; to: string; status: SuccessionStatus; at: Date | null }[];
  }>(
    `select distinct on (s.customer_id) c.external_userid, c.name, g.name as to, s.status, s.takeover_at as at
       from customer_successions s join customers c on c.id = s.customer_id join guides g on g.id = s.takeover_guide_id
      where s.corp_id = ? and s.handover_guide_id = ? and s.status in ('waiting', 'done')
      order by s.customer_id, s.id desc`,
    [corpId, guideId],
  );
  return {
    inherited: inherited.map((r) => ({
      externalUserid: r.external_userid,
      name: r.name,
      from: r.from,
      at: r.at.toISOString(),
    })),
    handedOver: handed.rows
      .map((r) => ({
        externalUserid: r.external_userid,
        name: r.name,
        to: r.to,
        status: r.status,
        at: r.at?.toISOString() ?? null,
      }))
      .slice(0, 50),
  };
}

/** Whom a guide handed this customer to (a completed takeover), for the sidebar's "transferred" answer. */
export async function handedTo(db: Db, corpId: number, guideId: number, customerId: number): Promise<string | null> {
  const r = await db('customer_successions as s')
    .join('guides as g', 'g.id', 's.takeover_guide_id')
    .where({ 's.corp_id': corpId, 's.handover_guide_id': guideId, 's.customer_id': customerId, 's.status': 'done' })
    .orderBy('s.id', 'desc')
    .first<{ name: string } | undefined>('g.name');
  return r?.name ?? null;
}
