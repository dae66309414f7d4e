/**
 * The corp tag library, edited from the admin console. Groups and tags live in WeCom: every change
 * is made there first (add_corp_tag, edit_corp_tag, del_corp_tag) and the local mirror is written
 * from WeCom's answer — WeCom sends the calling app no callback for its own changes
 * (wecom-protocol.md §10.2); the tag sync (core/wecom/contact-sync.ts syncCorpTags) re-reads the
 * whole library on any change made elsewhere. Each group is mapped to the family Guidepost reads it
 * as (size, value tier, life stage, preference, channel, other), which is ours alone.
 *
 * WeCom's rules, checked here first so the admin sees the field at fault:
 * - names at most 30 characters; a group name unique in the corp, a tag name unique in its group;
 * - an app renames and removes only the groups and tags it created itself (the others were made
 *   in WeCom's admin console: their family still maps, the rest is read-only here);
 * - removing a group removes its tags; removing a group's last tag removes the group.
 *
 * Each change holds the tag sync's per-corp lock from the WeCom call to the mirror write, so a sync
 * that read WeCom earlier never lands after it.
 */
import type { Principal } from '../auth/principal';
import { recordAudit } from '../commission/audit';
import type { AppContext } from '../context';
import type { TagFamily, TagGroupView, TagLibrary } from '../contracts/admin-tags';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { syncTagsJob } from '../jobs/wecom.jobs';
import type { WecomClient } from '../wecom/client';
import { getWecomClient } from '../wecom/corp-client';
import { WecomError } from '../wecom/wecom-error';

/** WeCom's errcodes for a name already taken, and for an id it does not know (wecom-protocol.md §10, §15.1). */
const NAME_TAKEN = 40071;
const UNKNOWN_TAG = 40068;

export async function listTagLibrary(db: Db, p: Principal): Promise<TagLibrary> {
  const groups = await db('tag_groups')
    .where({ corp_id: p.corpId })
    .whereNull('deleted_at')
    .orderBy([{ column: 'order', order: 'desc' }, 'id'])
    .select<{ id: string; name: string; kind: TagFamily; order: number; created_by: string | null }[]>(
      'id',
      'name',
      'kind',
      'order',
      'created_by',
    );
  const tags = await db('tags as t')
    .where({ 't.corp_id': p.corpId })
    .whereNull('t.deleted_at')
    .orderBy([{ column: 't.order', order: 'desc' }, 't.id'])
    .select<
      { id: string; group_id: string; name: string; order: number; created_by: string | null; customers: string }[]
    >(
      't.id',
      't.group_id',
      't.name',
      't.order',
      't.created_by',
      db.raw('(select count(distinct ct.customer_id) from customer_tags ct where ct.tag_id = t.id) as customers'),
    );
  return {
    groups: groups.map((g): TagGroupView => ({
      id: Number(g.id),
      name: g.name,
      family: g.kind,
      order: g.order,
      ownedByApp: g.created_by !== null,
      tags: tags
        .filter((t) => t.group_id === g.id)
        .map((t) => ({
          id: Number(t.id),
          name: t.name,
          order: t.order,
          ownedByApp: t.created_by !== null,
          customers: Number(t.customers),
        })),
    })),
  };
}

interface GroupRow {
  id: string;
  wecom_group_id: string;
  name: string;
  kind: TagFamily;
  created_by: string | null;
}
interface TagRow {
  id: string;
  group_id: string;
  wecom_tag_id: string;
  name: string;
  created_by: string | null;
}

async function liveGroup(db: Db, p: Principal, id: number): Promise<GroupRow> {
  const g = await db('tag_groups')
    .where({ corp_id: p.corpId, id })
    .whereNull('deleted_at')
    .first<GroupRow | undefined>('id', 'wecom_group_id', 'name', 'kind', 'created_by');
  if (!g) throw new AppError('NOT_FOUND', `no tag group ${id}`, { field: 'params.id' });
  return g;
}

async function liveTag(db: Db, p: Principal, id: number): Promise<TagRow> {
  const t = await db('tags')
    .where({ corp_id: p.corpId, id })
    .whereNull('deleted_at')
    .first<TagRow | undefined>('id', 'group_id', 'wecom_tag_id', 'name', 'created_by');
  if (!t) throw new AppError('NOT_FOUND', `no tag ${id}`, { field: 'params.id' });
  return t;
}

function ownedOrRefuse(row: { created_by: string | null; name: string }, what: 'group' | 'tag'): void {
  if (row.created_by === null)
    throw new AppError(
      'CONFLICT',
      `the ${what} ${row.name} was made in WeCom's admin console: WeCom lets this app change only the tags it created; change it there`,
      { field: 'params.id', details: { reason: 'not_owned' } },
    );
}

function distinctNames(names: string[], field: string): void {
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new AppError('VALIDATION_FAILED', `${dup} is named twice`, { field });
}

async function refuseTakenGroupName(db: Db, p: Principal, name: string, except?: number): Promise<void> {
  const q = db('tag_groups').where({ corp_id: p.corpId, name }).whereNull('deleted_at');
  if (except !== undefined) void q.whereNot({ id: except });
  if (await q.first('id'))
    throw new AppError('CONFLICT', `a tag group named ${name} exists already`, { field: 'body.name' });
}

async function refuseTakenTagNames(db: Db, groupId: number, names: string[], field: string, except?: number) {
  const q = db('tags').where({ group_id: groupId }).whereIn('name', names).whereNull('deleted_at');
  if (except !== undefined) void q.whereNot({ id: except });
  const taken = await q.first<{ name: string } | undefined>('name');
  if (taken) throw new AppError('CONFLICT', `the group has a tag named ${taken.name} already`, { field });
}

/**
 * Runs a WeCom call and the mirror write in one transaction under the tag sync's lock; WeCom's
 * refusals that are the admin's to fix become 409/404 with the field, the rest stay 502/503.
 */
async function inWecom<T>(
  ctx: AppContext,
  p: Principal,
  field: string,
  fn: (trx: Db, client: WecomClient) => Promise<T>,
): Promise<T> {
  const client = await getWecomClient(ctx, p.corpId);
  try {
    return await ctx.db.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`wecom-tags:${p.corpId}`]);
      return fn(trx, client);
    });
  } catch (err) {
    if (!(err instanceof WecomError)) throw err;
    if (err.errcode === NAME_TAKEN)
      throw new AppError('CONFLICT', 'WeCom already has a group or tag of that name', {
        field,
        details: { errcode: err.errcode },
        cause: err,
      });
    if (err.errcode === UNKNOWN_TAG) {
      // Deleted in WeCom meanwhile: re-read the library so the console shows what is there.
      await ctx.queues.enqueue(syncTagsJob, { corpId: p.corpId });
      throw new AppError('NOT_FOUND', 'WeCom no longer has this group or tag; the tag list is being re-read', {
        field: 'params.id',
        details: { errcode: err.errcode },
        cause: err,
      });
    }
    throw err;
  }
}

const audit = (trx: Db, p: Principal, requestId: string, action: string, entity: string, id: number, detail: object) =>
  recordAudit(trx, {
    corpId: p.corpId,
    actor: p.userid,
    action,
    entity,
    entityId: id,
    detail: { ...detail },
    requestId,
  });

/** A new group with its first tags, in WeCom and then here, mapped to its family. */
export async function createTagGroup(
  ctx: AppContext,
  p: Principal,
  b: { name: string; family: TagFamily; tags: string[] },
  requestId: string,
): Promise<TagGroupView> {
  distinctNames(b.tags, 'body.tags');
  // WeCom would put the tags into a group of the same name instead of making a new one.
  await refuseTakenGroupName(ctx.db, p, b.name);
  const id = await inWecom(ctx, p, 'body.name', async (trx, client) => {
    const { tag_group: g } = await client.addCorpTags({ group_name: b.name, tag: b.tags.map((name) => ({ name })) });
    const [grp] = await trx('tag_groups')
      .insert({
        corp_id: p.corpId,
        wecom_group_id: g.group_id,
        name: g.group_name,
        kind: b.family,
        order: g.order,
        created_by: p.userid,
      })
      .onConflict(['corp_id', 'wecom_group_id'])
      .merge({ name: g.group_name, kind: b.family, order: g.order, deleted_at: null })
      .returning<{ id: string }[]>('id');
    await mirrorTags(trx, p, Number(grp!.id), g.tag);
    await audit(trx, p, requestId, 'tag_group.create', 'tag_group', Number(grp!.id), {
      ...b,
      wecomGroupId: g.group_id,
    });
    return Number(grp!.id);
  });
  return groupView(ctx.db, p, id);
}

async function mirrorTags(trx: Db, p: Principal, groupId: number, tags: { id: string; name: string; order: number }[]) {
  for (const t of tags)
    await trx('tags')
      .insert({
        corp_id: p.corpId,
        group_id: groupId,
        wecom_tag_id: t.id,
        name: t.name,
        order: t.order,
        created_by: p.userid,
      })
      .onConflict(['corp_id', 'wecom_tag_id'])
      .merge({ group_id: groupId, name: t.name, order: t.order, deleted_at: null });
}

async function groupView(db: Db, p: Principal, id: number): Promise<TagGroupView> {
  const g = (await listTagLibrary(db, p)).groups.find((x) => x.id === id);
  if (!g) throw new AppError('NOT_FOUND', `no tag group ${id}`, { field: 'params.id' });
  return g;
}

/** More tags in a group (any group: WeCom lets an app add to a group it did not make; the tags are then its own). */
export async function addTags(
  ctx: AppContext,
  p: Principal,
  groupId: number,
  names: string[],
  requestId: string,
): Promise<TagGroupView> {
  distinctNames(names, 'body.tags');
  const g = await liveGroup(ctx.db, p, groupId);
  await refuseTakenTagNames(ctx.db, groupId, names, 'body.tags');
  await inWecom(ctx, p, 'body.tags', async (trx, client) => {
    const { tag_group } = await client.addCorpTags({
      group_id: g.wecom_group_id,
      tag: names.map((name) => ({ name })),
    });
    await mirrorTags(trx, p, groupId, tag_group.tag);
    await audit(trx, p, requestId, 'tag.create', 'tag_group', groupId, { tags: names });
  });
  return groupView(ctx.db, p, groupId);
}

/** A group's name (in WeCom: only a group this app made) and its family (ours: any group). */
export async function editTagGroup(
  ctx: AppContext,
  p: Principal,
  groupId: number,
  b: { name?: string | undefined; family?: TagFamily | undefined },
  requestId: string,
): Promise<TagGroupView> {
  const g = await liveGroup(ctx.db, p, groupId);
  const rename = b.name !== undefined && b.name !== g.name;
  if (rename) {
    ownedOrRefuse(g, 'group');
    await refuseTakenGroupName(ctx.db, p, b.name!, groupId);
  }
  await inWecom(ctx, p, 'body.name', async (trx, client) => {
    if (rename) await client.editCorpTag({ id: g.wecom_group_id, name: b.name! });
    await trx('tag_groups')
      .where({ id: groupId })
      .update({ ...(rename ? { name: b.name } : {}), ...(b.family ? { kind: b.family } : {}) });
    await audit(trx, p, requestId, 'tag_group.edit', 'tag_group', groupId, {
      before: { name: g.name, family: g.kind },
      after: { name: b.name ?? g.name, family: b.family ?? g.kind },
    });
  });
  return groupView(ctx.db, p, groupId);
}

export async function renameTag(
  ctx: AppContext,
  p: Principal,
  tagId: number,
  name: string,
  requestId: string,
): Promise<TagGroupView> {
  const t = await liveTag(ctx.db, p, tagId);
  ownedOrRefuse(t, 'tag');
  await refuseTakenTagNames(ctx.db, Number(t.group_id), [name], 'body.name', tagId);
  await inWecom(ctx, p, 'body.name', async (trx, client) => {
    await client.editCorpTag({ id: t.wecom_tag_id, name });
    await trx('tags').where({ id: tagId }).update({ name });
    await audit(trx, p, requestId, 'tag.rename', 'tag', tagId, { before: t.name, after: name });
  });
  return groupView(ctx.db, p, Number(t.group_id));
}

/** Removes a tag in WeCom (from every customer there); a group's last tag takes the group with it, as in WeCom. */
export async function removeTag(
  ctx: AppContext,
  p: Principal,
  tagId: number,
  requestId: string,
): Promise<{ groupRemoved: boolean }> {
  const t = await liveTag(ctx.db, p, tagId);
  ownedOrRefuse(t, 'tag');
  return inWecom(ctx, p, 'params.id', async (trx, client) => {
    await client.delCorpTags({ tag_id: [t.wecom_tag_id] });
    await trx('tags').where({ id: tagId }).update({ deleted_at: trx.fn.now() });
    const left = await trx('tags').where({ group_id: t.group_id }).whereNull('deleted_at').first('id');
    if (!left) await trx('tag_groups').where({ id: t.group_id }).update({ deleted_at: trx.fn.now() });
    await audit(trx, p, requestId, 'tag.remove', 'tag', tagId, { name: t.name, groupRemoved: !left });
    return { groupRemoved: !left };
  });
}

/** Removes a group and all its tags, in WeCom and here. */
export async function removeTagGroup(
  ctx: AppContext,
  p: Principal,
  groupId: number,
  requestId: string,
): Promise<{ tagsRemoved: number }> {
  const g = await liveGroup(ctx.db, p, groupId);
  ownedOrRefuse(g, 'group');
  return inWecom(ctx, p, 'params.id', async (trx, client) => {
    await client.delCorpTags({ group_id: [g.wecom_group_id] });
    const n = await trx('tags')
      .where({ group_id: groupId })
      .whereNull('deleted_at')
      .update({ deleted_at: trx.fn.now() });
    await trx('tag_groups').where({ id: groupId }).update({ deleted_at: trx.fn.now() });
    await audit(trx, p, requestId, 'tag_group.remove', 'tag_group', groupId, { name: g.name, tagsRemoved: n });
    return { tagsRemoved: n };
  });
}
