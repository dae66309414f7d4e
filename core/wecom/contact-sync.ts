/**
 * Mirrors WeCom's external contacts into customers, identities, follow relations and tags. The
 * WeCom API is the source of truth: every callback re-reads the contact, so duplicated and
 * out-of-order events converge on the same rows.
 */
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { recordInteractions } from '../ingest/interactions';
import type { WecomClient } from './client';
import type { getContactResponse } from './schemas';
import { WecomError } from './wecom-error';

/** Add way of a relation made by a customer transfer (core/admin/succession.ts). */
const ADD_WAY_TRANSFER = 202;
import type { z } from 'zod';

type Contact = z.infer<typeof getContactResponse>['external_contact'];
interface Follow {
  userid: string;
  remark: string;
  description: string;
  createtime: number;
  add_way: number;
  state?: string | undefined;
  tagIds: string[];
}

export interface ReconcileResult {
  customerId: number | null;
  added: { guideId: number; at: Date; state: string | null; addWay?: number }[];
  ended: number;
}

async function upsertCustomer(db: Db, corpId: number, c: Contact): Promise<number> {
  const [row] = await db('customers')
    .insert({
      corp_id: corpId,
      external_userid: c.external_userid,
      name: c.name,
      avatar: c.avatar || null,
      gender: c.gender,
      unionid: c.unionid ?? null,
    })
    .onConflict(['corp_id', 'external_userid'])
    .merge({
      name: c.name,
      avatar: c.avatar || null,
      gender: c.gender,
      unionid: db.raw('coalesce(excluded.unionid, customers.unionid)'),
      updated_at: db.fn.now(),
    })
    .returning<{ id: number }[]>('id');
  const id = row!.id;
  const identities = [
    { kind: 'external_userid', value: c.external_userid },
    ...(c.unionid ? [{ kind: 'unionid', value: c.unionid }] : []),
  ];
  await db('customer_identities')
    .insert(identities.map((i) => ({ corp_id: corpId, kind: i.kind, value: i.value, customer_id: id })))
    .onConflict(['corp_id', 'kind', 'value'])
    .ignore();
  return id;
}

/** Writes one customer's follow relations (all guides, or only `onlyUserid`) as WeCom reports them. */
export async function applyContact(
  db: Db,
  corpId: number,
  contact: Contact,
  follows: Follow[],
  opts: { onlyUserid?: string; endMissing: boolean; endReason?: string; skipTouchedSince?: Date },
): Promise<ReconcileResult> {
  return db.transaction(async (trx) => {
    const customerId = await upsertCustomer(trx, corpId, contact);
    const guides = await trx('guides')
      .where({ corp_id: corpId })
      .whereIn(
        'userid',
        follows.map((f) => f.userid),
      )
      .select<{ id: number; userid: string }[]>('id', 'userid');
    const guideOf = new Map(guides.map((g) => [g.userid, g.id]));
    const wecomTagIds = [...new Set(follows.flatMap((f) => f.tagIds))];
    const tags = wecomTagIds.length
      ? await trx('tags')
          .where({ corp_id: corpId })
          .whereIn('wecom_tag_id', wecomTagIds)
          .select<{ id: number; wecom_tag_id: string }[]>('id', 'wecom_tag_id')
      : [];
    const tagOf = new Map(tags.map((t) => [t.wecom_tag_id, t.id]));
    const added: ReconcileResult['added'] = [];
    const seen: number[] = [];
    for (const f of follows) {
      const guideId = guideOf.get(f.userid);
      if (!guideId) continue; // a member who is not a guide here
      seen.push(guideId);
      const before = await trx('customer_guides')
        .where({ corp_id: corpId, customer_id: customerId, guide_id: guideId })
        .first<{ ended_at: Date | null; end_reason: string | null; added_at: Date; updated_at: Date } | undefined>(
          'ended_at',
          'end_reason',
          'added_at',
          'updated_at',
        );
      // A relation written after this data was read from WeCom (a callback got there first) holds fresher news.
      if (before && opts.skipTouchedSince && before.updated_at >= opts.skipTouchedSince) continue;
      const addedAt = new Date(f.createtime * 1000);
      // The customer deleted the guide: WeCom keeps returning the one-way relation with its old add
      // time, so it stays ended until the customer adds her again (a new add time).
      if (
        before?.ended_at &&
        before.end_reason === 'customer_deleted' &&
        before.added_at.getTime() === addedAt.getTime()
      )
        continue;
      await trx('customer_guides')
        .insert({
          corp_id: corpId,
          customer_id: customerId,
          guide_id: guideId,
          added_at: addedAt,
          add_way: f.add_way,
          state: f.state ?? null,
          remark: f.remark || null,
          description: f.description || null,
        })
        .onConflict(['corp_id', 'customer_id', 'guide_id'])
        .merge({
          added_at: addedAt,
          add_way: f.add_way,
          state: f.state ?? null,
          remark: f.remark || null,
          description: f.description || null,
          ended_at: null,
          end_reason: null,
          updated_at: trx.raw('clock_timestamp()'),
        });
      if (!before || before.ended_at) added.push({ guideId, at: addedAt, state: f.state ?? null, addWay: f.add_way });
      // Tags from WeCom replace this relation's WeCom-sourced tags.
      const want = f.tagIds.flatMap((t) => (tagOf.has(t) ? [tagOf.get(t)!] : []));
      await trx('customer_tags')
        .where({ corp_id: corpId, customer_id: customerId, guide_id: guideId, source: 'wecom' })
        .whereNotIn('tag_id', want)
        .del();
      if (want.length) {
        await trx('customer_tags')
          .insert(
            want.map((tagId) => ({
              corp_id: corpId,
              customer_id: customerId,
              guide_id: guideId,
              tag_id: tagId,
              source: 'wecom',
            })),
          )
          .onConflict(trx.raw('(corp_id, customer_id, guide_id, tag_id)'))
          .ignore();
      }
    }
    let ended = 0;
    if (opts.endMissing) {
      const q = trx('customer_guides')
        .where({ corp_id: corpId, customer_id: customerId })
        .whereNull('ended_at')
        .whereNotIn('guide_id', seen);
      if (opts.onlyUserid)
        q.whereIn('guide_id', trx('guides').select('id').where({ corp_id: corpId, userid: opts.onlyUserid }));
      ended = await q.update({
        ended_at: trx.fn.now(),
        end_reason: opts.endReason ?? 'deleted',
        updated_at: trx.raw('clock_timestamp()'),
      });
    }
    return { customerId, added, ended };
  });
}

/**
 * A `customer_added` interaction per relation that started (or restarted), evidenced by the
 * contact, guide and WeCom's add time, so a callback and a sync that both see one add record it
 * once. Returns the customer when it got a new interaction (its orders need re-attribution).
 */
async function recordAdds(db: Db, corpId: number, externalUserid: string, r: ReconcileResult): Promise<number[]> {
  if (!r.customerId) return [];
  return recordInteractions(
    db,
    // A relation a transfer made (离职继承 / 在职继承, add way 202) is no contact the customer made: no interaction.
    r.added
      .filter((a) => a.addWay !== ADD_WAY_TRANSFER)
      .map((a) => ({
        corpId,
        guideId: a.guideId,
        customerId: r.customerId!,
        occurredAt: a.at,
        kind: 'customer_added',
        source: 'wecom',
        evidenceId: `added:${externalUserid}:${a.guideId}:${a.at.getTime() / 1000}`,
        detail: { state: a.state },
      })),
    { queued: true },
  );
}

/** Advisory-lock key for one contact of one corp. */
const contactLock = (corpId: number, externalUserid: string) => `wecom-contact:${corpId}:${externalUserid}`;

/**
 * Re-reads one external contact from WeCom and applies it; the event's member's relation ends when
 * WeCom no longer lists her (or, for del_follow_user, lists her only one-way). Other members'
 * relations never end here: WeCom omits members outside the app's visible scope from the read, so
 * their absence proves nothing (the per-guide contact sync ends what is really gone). Reconciles of one contact run one at a time and read WeCom inside the lock, so
 * a later event's read always follows an earlier event's write: concurrent and out-of-order
 * events converge on WeCom's latest state.
 */
export async function reconcileContact(
  ctx: AppContext,
  client: WecomClient,
  corpId: number,
  externalUserid: string,
  event: {
    /** The member the event is about: the only one whose relation a re-read may end. */
    userid: string;
    endReason: string;
    /** del_follow_user: the customer deleted this member at this time (unix seconds). */
    customerDeletedAt?: number;
  },
): Promise<ReconcileResult> {
  const { userid, endReason } = event;
  return ctx.db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [contactLock(corpId, externalUserid)]);
    let r;
    try {
      r = await client.getExternalContact(externalUserid);
    } catch (err) {
      if (err instanceof WecomError && err.errcode === 84061) {
        // Only the event's member: WeCom answers 84061 too when every follower left is outside the app's visible scope.
        const ended = await trx('customer_guides')
          .where({ corp_id: corpId })
          .whereIn('guide_id', trx('guides').select('id').where({ corp_id: corpId, userid }))
          .whereIn(
            'customer_id',
            trx('customers').select('id').where({ corp_id: corpId, external_userid: externalUserid }),
          )
          .whereNull('ended_at')
          .update({ ended_at: trx.fn.now(), end_reason: endReason, updated_at: trx.raw('clock_timestamp()') });
        return { customerId: null, added: [], ended };
      }
      throw err;
    }
    // WeCom goes on listing a member the customer deleted (a one-way relation); the event is the only news of it.
    const oneWay = (f: { userid: string; createtime: number }) =>
      event.customerDeletedAt !== undefined && f.userid === userid && f.createtime <= event.customerDeletedAt;
    const follows: Follow[] = r.follow_user
      .filter((f) => !oneWay(f))
      .map((f) => ({
        userid: f.userid,
        remark: f.remark,
        description: f.description,
        createtime: f.createtime,
        add_way: f.add_way,
        state: f.state,
        tagIds: f.tags.flatMap((t) => (t.type === 1 && t.tag_id ? [t.tag_id] : [])),
      }));
    // Members outside the app's visible scope are missing from every re-read: only the event's member may end.
    const result = await applyContact(trx, corpId, r.external_contact, follows, {
      endMissing: true,
      onlyUserid: userid,
      endReason,
    });
    await recordAdds(trx, corpId, externalUserid, result);
    return result;
  });
}

const dbClock = async (db: Db): Promise<Date> =>
  ((await db.raw('select clock_timestamp() as t')) as { rows: { t: Date }[] }).rows[0]!.t;

/**
 * Full sync of one guide's customers (batch/get_by_user, cursor paging). A relation the sync finds
 * new (no callback reached us) gets its `customer_added` interaction like a callback's, and
 * `onAdded` hears, page by page, which customers got one, so their orders can be re-attributed.
 */
export async function syncGuideContacts(
  ctx: AppContext,
  client: WecomClient,
  corpId: number,
  userid: string,
  onAdded: (customerIds: number[]) => Promise<void> = async () => undefined,
): Promise<{ contacts: number; added: number; ended: number }> {
  const seenCustomers: number[] = [];
  let added = 0;
  let cursor = '';
  // Callbacks keep arriving during a sync; relations they write after a page was read are newer than the page.
  const startedAt = await dbClock(ctx.db);
  do {
    const readAt = await dbClock(ctx.db);
    const page = await client.batchGetByUser([userid], cursor, 100);
    const addedOnPage = new Set<number>();
    for (const e of page.external_contact_list) {
      const f = e.follow_info;
      const r = await ctx.db.transaction(async (trx) => {
        const applied = await applyContact(
          trx,
          corpId,
          e.external_contact,
          [
            {
              userid: f.userid,
              remark: f.remark,
              description: f.description,
              createtime: f.createtime,
              add_way: f.add_way,
              state: f.state,
              tagIds: f.tag_id,
            },
          ],
          { onlyUserid: userid, endMissing: false, skipTouchedSince: readAt },
        );
        for (const id of await recordAdds(trx, corpId, e.external_contact.external_userid, applied))
          addedOnPage.add(id);
        return applied;
      });
      if (r.customerId) seenCustomers.push(r.customerId);
      added += r.added.length;
    }
    // Per page, after its rows are committed: a sync that dies later has already handed these on.
    if (addedOnPage.size) await onAdded([...addedOnPage]);
    cursor = page.next_cursor;
  } while (cursor);
  const ended = await ctx
    .db('customer_guides')
    .where({ corp_id: corpId })
    .whereIn('guide_id', ctx.db('guides').select('id').where({ corp_id: corpId, userid }))
    .whereNull('ended_at')
    .whereNotIn('customer_id', seenCustomers)
    .where('updated_at', '<', startedAt)
    .update({ ended_at: ctx.db.fn.now(), end_reason: 'sync', updated_at: ctx.db.raw('clock_timestamp()') });
  return { contacts: seenCustomers.length, added, ended };
}

/** Group names decide a tag family (documented in the README). */
export function tagKindOf(groupName: string): 'value' | 'stage' | 'preference' | 'size' | 'channel' | 'custom' {
  if (/价值|等级|会员层级/.test(groupName)) return 'value';
  if (/阶段|孕|宝宝|月龄|年龄段/.test(groupName)) return 'stage';
  if (/偏好|喜好|风格/.test(groupName)) return 'preference';
  if (/尺码|码数|尺寸/.test(groupName)) return 'size';
  if (/渠道|来源/.test(groupName)) return 'channel';
  return 'custom';
}

/** Mirrors the corp tag library; groups and tags WeCom no longer has are marked deleted. */
export async function syncCorpTags(
  ctx: AppContext,
  client: WecomClient,
  corpId: number,
): Promise<{ groups: number; tags: number }> {
  return ctx.db.transaction(async (trx) => {
    // One tag sync per corp at a time, reading WeCom inside the lock: an older read never lands last.
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`wecom-tags:${corpId}`]);
    const { tag_group } = await client.getCorpTags();
    let tagCount = 0;
    for (const g of tag_group) {
      const [grp] = await trx('tag_groups')
        .insert({
          corp_id: corpId,
          wecom_group_id: g.group_id,
          name: g.group_name,
          kind: tagKindOf(g.group_name),
          order: g.order,
        })
        .onConflict(['corp_id', 'wecom_group_id'])
        .merge({ name: g.group_name, order: g.order, deleted_at: null })
        .returning<{ id: number }[]>('id');
      for (const t of g.tag) {
        await trx('tags')
          .insert({ corp_id: corpId, group_id: grp!.id, wecom_tag_id: t.id, name: t.name, order: t.order })
          .onConflict(['corp_id', 'wecom_tag_id'])
          .merge({ group_id: grp!.id, name: t.name, order: t.order, deleted_at: null });
        tagCount++;
      }
    }
    await trx('tag_groups')
      .where({ corp_id: corpId })
      .whereNull('deleted_at')
      .whereNotIn(
        'wecom_group_id',
        tag_group.map((g) => g.group_id),
      )
      .update({ deleted_at: trx.fn.now() });
    await trx('tags')
      .where({ corp_id: corpId })
      .whereNull('deleted_at')
      .whereNotIn(
        'wecom_tag_id',
        tag_group.flatMap((g) => g.tag.map((t) => t.id)),
      )
      .update({ deleted_at: trx.fn.now() });
    return { groups: tag_group.length, tags: tagCount };
  });
}
