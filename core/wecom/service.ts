/** The WeCom use-cases the workers run: one function per job, each idempotent. */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import timezone from 'dayjs/plugin/timezone.js';
import { tagChannelArrivals } from '../admin/channel-codes';
import type { AppContext } from '../context';
import { enqueueAttribution, owe } from '../attribution/outbox';
import { behaviorDataJob, pollBillsJob, syncContactsJob, syncTagsJob, wecomCallbackJob } from '../jobs/wecom.jobs';
import { orgSyncJob } from '../jobs/maintenance.jobs';
import type { Logger } from '../logger';
import { successionPollJob } from '../jobs/succession.jobs';
import { pollBills } from './bills';
import { parseEventXml, type CallbackEvent } from './callback';
import { getWecomClient } from './corp-client';
import { reconcileContact, syncCorpTags, syncGuideContacts } from './contact-sync';

dayjs.extend(utc);
dayjs.extend(timezone);

/** Every change_external_contact type re-reads the contact: WeCom's current state is the truth. */
const CONTACT_CHANGES = new Set([
  'add_external_contact',
  'add_half_external_contact',
  'edit_external_contact',
  'del_external_contact',
  'del_follow_user',
  'transfer_fail',
]);

/** Why a relation ended, as far as the event says (the relation itself comes from WeCom). */
function endReasonOf(ev: CallbackEvent): string {
  if (ev.ChangeType === 'del_follow_user') return 'customer_deleted';
  if (ev.ChangeType === 'del_external_contact')
    return ev.Source === 'DELETE_BY_TRANSFER' ? 'transferred' : 'guide_deleted';
  return 'deleted';
}

export async function processCallbackEvent(
  ctx: AppContext,
  corpId: number,
  eventId: number,
  log: Logger,
): Promise<string> {
  const row = await ctx
    .db('wecom_callback_events')
    .where({ id: eventId, corp_id: corpId })
    .first<{ xml: string; status: string } | undefined>('xml', 'status');
  if (!row) return 'missing';
  if (row.status === 'processed') return 'already processed';
  const ev = parseEventXml(row.xml);
  try {
    const client = await getWecomClient(ctx, corpId);
    let outcome = 'ignored';
    if (
      ev.Event === 'change_external_contact' &&
      ev.ChangeType &&
      CONTACT_CHANGES.has(ev.ChangeType) &&
      ev.ExternalUserID
    ) {
      if (ev.ChangeType === 'transfer_fail')
        log.warn(
          { userid: ev.UserID, externalUserid: ev.ExternalUserID, reason: ev.FailReason },
          'customer transfer failed; the customer stays with their guide',
        );
      // A transfer ended (failed, or completed by 在职继承): its status is read from transfer_result.
      if (ev.ChangeType === 'transfer_fail' || ev.Source === 'DELETE_BY_TRANSFER')
        await ctx.queues.enqueue(successionPollJob, { corpId });
      const r = await reconcileContact(ctx, client, corpId, ev.ExternalUserID, {
        userid: ev.UserID ?? '',
        endReason: endReasonOf(ev),
        ...(ev.ChangeType === 'del_follow_user' ? { customerDeletedAt: Number(ev.CreateTime) } : {}),
      });
      if (r.customerId && r.added.length) await tagChannelArrivals(ctx, corpId, r.customerId, r.added);
      if (r.customerId && r.added.length)
        await enqueueAttribution(
          ctx,
          corpId,
          owe('customer', [r.customerId], { kind: 'interaction', id: null }),
          `customer added (${ev.ChangeType})`,
        );
      outcome = `contact ${ev.ExternalUserID}: ${r.added.length} added, ${r.ended} ended`;
    } else if (ev.Event === 'change_contact') {
      // The 通讯录同步 assistant's events (member and department changes) carry too little to apply
      // (only UserID and Department on newer event servers): the org is re-read, collapsed per corp.
      await ctx.queues.enqueue(orgSyncJob, { corpId, trigger: 'callback' });
      outcome = `org sync enqueued (${ev.ChangeType ?? 'change_contact'})`;
    } else if (ev.Event === 'change_external_tag') {
      // A sync waiting already will read this change; one running now may not have, so another follows it.
      await ctx.queues.enqueue(syncTagsJob, { corpId });
      outcome = 'tag sync enqueued';
    }
    await ctx
      .db('wecom_callback_events')
      .where({ id: eventId })
      .update({ status: 'processed', processed_at: ctx.db.fn.now(), error: null });
    return outcome;
  } catch (err) {
    await ctx
      .db('wecom_callback_events')
      .where({ id: eventId })
      .update({ status: 'failed', error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}

export async function runContactSync(ctx: AppContext, corpId: number, userid: string) {
  return syncGuideContacts(ctx, await getWecomClient(ctx, corpId), corpId, userid, async (customerIds) => {
    await enqueueAttribution(
      ctx,
      corpId,
      owe('customer', customerIds, { kind: 'interaction', id: null }),
      `customer added (contact sync of ${userid})`,
    );
  });
}

export async function runTagSync(ctx: AppContext, corpId: number) {
  return syncCorpTags(ctx, await getWecomClient(ctx, corpId), corpId);
}

export async function runBillPoll(ctx: AppContext, corpId: number) {
  const r = await pollBills(ctx, await getWecomClient(ctx, corpId), corpId);
  await enqueueAttribution(ctx, corpId, owe('transfer', r.newTransferIds, 'self'), 'new WeCom transfer bills');
  return r;
}

export async function runBehaviorData(ctx: AppContext, corpId: number, userid: string, day: string): Promise<number> {
  const corp = await ctx.db('corps').where({ id: corpId }).first<{ timezone: string }>('timezone');
  const guide = await ctx.db('guides').where({ corp_id: corpId, userid }).first<{ id: number } | undefined>('id');
  if (!corp || !guide) return 0;
  const start = dayjs.tz(day, corp.timezone).unix();
  const r = await (await getWecomClient(ctx, corpId)).getUserBehaviorData(userid, start, start + 86_399);
  for (const d of r.behavior_data) {
    const row = {
      corp_id: corpId,
      guide_id: guide.id,
      day: dayjs.unix(d.stat_time).tz(corp.timezone).format('YYYY-MM-DD'),
      chat_cnt: d.chat_cnt,
      message_cnt: d.message_cnt,
      new_contact_cnt: d.new_contact_cnt,
      negative_feedback_cnt: d.negative_feedback_cnt,
      reply_percentage: d.reply_percentage ?? null,
      avg_reply_time: d.avg_reply_time ?? null,
      raw: JSON.stringify(d),
    };
    await ctx.db('guide_behavior_daily').insert(row).onConflict(['guide_id', 'day']).merge();
  }
  return r.behavior_data.length;
}

/** Writes a sidebar tag edit to WeCom. Tags or relations that vanished meanwhile are skipped. */
export async function runMarkTag(
  ctx: AppContext,
  p: { corpId: number; guideId: number; customerId: number; add: number[]; remove: number[] },
): Promise<void> {
  const guide = await ctx
    .db('guides')
    .where({ id: p.guideId, corp_id: p.corpId })
    .first<{ userid: string } | undefined>('userid');
  const customer = await ctx
    .db('customers')
    .where({ id: p.customerId, corp_id: p.corpId })
    .first<{ external_userid: string | null } | undefined>('external_userid');
  if (!guide || !customer?.external_userid) return;
  const ids = [...p.add, ...p.remove];
  const tags = new Map(
    (
      await ctx
        .db('tags')
        .where({ corp_id: p.corpId })
        .whereIn('id', ids)
        .whereNull('deleted_at')
        .select<{ id: number; wecom_tag_id: string }[]>('id', 'wecom_tag_id')
    ).map((t) => [t.id, t.wecom_tag_id]),
  );
  const add = p.add.flatMap((id) => (tags.has(id) ? [tags.get(id)!] : []));
  const remove = p.remove.flatMap((id) => (tags.has(id) ? [tags.get(id)!] : []));
  if (!add.length && !remove.length) return;
  await (
    await getWecomClient(ctx, p.corpId)
  ).markTag({ userid: guide.userid, external_userid: customer.external_userid, add_tag: add, remove_tag: remove });
}

/** Callback events stored but still unprocessed after this long are queued again. */
const STUCK_CALLBACK_S = 120;

/**
 * Queues stored callback events that never reached a worker (the process died between storing
 * and queueing, and WeCom's retries were used up). The job id is the event id, so an event
 * already queued is not queued twice.
 */
export async function requeueStuckCallbacks(ctx: AppContext): Promise<number> {
  const stuck = await ctx
    .db('wecom_callback_events')
    .where({ status: 'received' })
    .where('received_at', '<', ctx.db.raw(`now() - interval '${STUCK_CALLBACK_S} seconds'`))
    .orderBy('id')
    .limit(1000)
    .select<{ id: number; corp_id: number }[]>('id', 'corp_id');
  await ctx.queues.enqueueMany(
    wecomCallbackJob,
    stuck.map((e) => ({ corpId: e.corp_id, eventId: e.id })),
  );
  return stuck.length;
}

/** Scheduled fan-out to per-corp (and per-guide) jobs with deterministic ids. */
export async function fanOut(
  ctx: AppContext,
  kind: 'bills' | 'tags' | 'contacts' | 'behavior' | 'callbacks',
): Promise<number> {
  if (kind === 'callbacks') return requeueStuckCallbacks(ctx);
  const corps = await ctx.db('corps').select<{ id: number; timezone: string }[]>('id', 'timezone');
  let n = 0;
  for (const c of corps) {
    if (kind === 'bills') await ctx.queues.enqueue(pollBillsJob, { corpId: c.id });
    else if (kind === 'tags') await ctx.queues.enqueue(syncTagsJob, { corpId: c.id });
    else {
      const guides = await ctx.db('guides').where({ corp_id: c.id, status: 'active' }).pluck<string[]>('userid');
      const yesterday = dayjs().tz(c.timezone).subtract(1, 'day').format('YYYY-MM-DD');
      if (kind === 'contacts')
        await ctx.queues.enqueueMany(
          syncContactsJob,
          guides.map((userid) => ({ corpId: c.id, userid })),
        );
      else
        await ctx.queues.enqueueMany(
          behaviorDataJob,
          guides.map((userid) => ({ corpId: c.id, userid, day: yesterday })),
        );
      n += guides.length;
      continue;
    }
    n++;
  }
  return n;
}
