/**
 * Channel codes (渠道码): a 联系我 QR code per store, campaign or guide, created in WeCom through
 * add_contact_way with its own `state`. Customers who add a guide through it carry the state on
 * their relation (so the code's store and name), and get the code's channel tag.
 */
import { randomBytes } from 'node:crypto';
import type { Principal } from '../auth/principal';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { markTagJob } from '../jobs/wecom.jobs';
import { getWecomClient } from '../wecom/corp-client';
import { WecomError } from '../wecom/wecom-error';

export interface ChannelCode {
  id: number;
  name: string;
  state: string;
  /** store: a store's code; guide: one guide's own; campaign: several guides, no store. */
  kind: 'store' | 'guide' | 'campaign';
  storeId: number | null;
  storeName: string | null;
  guideIds: number[];
  guideNames: string[];
  tagId: number | null;
  tagName: string | null;
  qrCode: string | null;
  /** Relations that arrived through the code (within the range asked for, if any). */
  adds: number;
  createdAt: string;
  removedAt: string | null;
}

/** A range of business days in the tenant's time zone, both ends inclusive. */
export interface DayRange {
  from: string;
  to: string;
}

/** WeCom's answer to del_contact_way for a config id it does not know (already deleted). */
const GONE_CONTACT_WAY = 41044;

/** WeCom's contact-way `remark` and `state` are at most 30 characters. */
const WECOM_TEXT_MAX = 30;

export async function createChannelCode(
  ctx: AppContext,
  p: Principal,
  input: { name: string; storeId: number | null; guideIds: number[]; tagId: number | null },
  requestId: string,
): Promise<ChannelCode> {
  const guides = await ctx
    .db('guides')
    .where({ corp_id: p.corpId })
    .whereIn('id', input.guideIds)
    .select<{ id: number; userid: string }[]>('id', 'userid');
  const missing = input.guideIds.find((id) => !guides.some((g) => g.id === id));
  if (missing !== undefined)
    throw new AppError('VALIDATION_FAILED', `guide ${missing} is not a guide of this corp`, { field: 'body.guideIds' });
  if (input.storeId !== null && !(await ctx.db('stores').where({ id: input.storeId, corp_id: p.corpId }).first('id')))
    throw new AppError('VALIDATION_FAILED', `store ${input.storeId} is not a store of this corp`, {
      field: 'body.storeId',
    });
  if (
    input.tagId !== null &&
    !(await ctx.db('tags').where({ id: input.tagId, corp_id: p.corpId }).whereNull('deleted_at').first('id'))
  )
    throw new AppError('VALIDATION_FAILED', `tag ${input.tagId} is not a tag of this corp`, { field: 'body.tagId' });
  // Letters and digits only, well inside WeCom's 30 characters; unique per corp by construction.
  const state = `ch${randomBytes(8).toString('hex')}`;
  const client = await getWecomClient(ctx, p.corpId);
  const userids = input.guideIds.map((id) => guides.find((g) => g.id === id)!.userid);
  const way = await client.addContactWay({
    type: userids.length === 1 ? 1 : 2,
    scene: 2,
    state,
    user: userids,
    remark: [...input.name].slice(0, WECOM_TEXT_MAX).join(''),
  });
  const id = await ctx.db.transaction(async (trx) => {
    const [row] = await trx('channel_codes')
      .insert({
        corp_id: p.corpId,
        state,
        name: input.name,
        store_id: input.storeId,
        guide_id: input.guideIds.length === 1 ? input.guideIds[0] : null,
        guide_ids: input.guideIds,
        config_id: way.config_id,
        qr_code: way.qr_code,
        tag_id: input.tagId,
        created_by: p.userid,
      })
      .returning<{ id: number }[]>('id');
    await trx('audit_log').insert({
      corp_id: p.corpId,
      actor: p.userid,
      action: 'channel_code.create',
      entity: 'channel_code',
      entity_id: String(row!.id),
      detail: JSON.stringify({ ...input, state, configId: way.config_id }),
      request_id: requestId,
    });
    return row!.id;
  });
  return (await listChannelCodes(ctx, p, { onlyId: id }))[0]!;
}

/** The corp's channel codes, newest first, each with how many relations arrived through it (in `range`, if given). */
export async function listChannelCodes(
  ctx: AppContext,
  p: Principal,
  opts: { onlyId?: number; range?: DayRange } = {},
): Promise<ChannelCode[]> {
  const tz = opts.range
    ? ((await ctx.db('corps').where({ id: p.corpId }).first<{ timezone: string }>('timezone'))?.timezone ??
      'Asia/Shanghai')
    : null;
  const adds = opts.range
    ? ctx.db.raw(
        `(select count(*) from customer_guides cg where cg.corp_id = cc.corp_id and cg.state = cc.state
           and cg.added_at >= (?::date)::timestamp at time zone ? and cg.added_at < (?::date + 1)::timestamp at time zone ?) as adds`,
        [opts.range.from, tz, opts.range.to, tz],
      )
    : ctx.db.raw(
        '(select count(*) from customer_guides cg where cg.corp_id = cc.corp_id and cg.state = cc.state) as adds',
      );
  const q = ctx
    .db('channel_codes as cc')
    .leftJoin('stores as s', 's.id', 'cc.store_id')
    .leftJoin('tags as t', 't.id', 'cc.tag_id')
    .where({ 'cc.corp_id': p.corpId })
    .select<
      {
        id: number;
        name: string;
        state: string;
        store_id: number | null;
        store_name: string | null;
        guide_ids: string[];
        tag_id: number | null;
        tag_name: string | null;
        qr_code: string | null;
        created_at: Date;
        removed_at: Date | null;
        adds: string;
      }[]
    >(
      'cc.id',
      'cc.name',
      'cc.state',
      'cc.store_id',
      's.name as store_name',
      'cc.guide_ids',
      'cc.tag_id',
      't.name as tag_name',
      'cc.qr_code',
      'cc.created_at',
      'cc.removed_at',
      adds,
    )
    .orderBy('cc.id', 'desc');
  if (opts.onlyId !== undefined) q.where('cc.id', opts.onlyId);
  const rows = await q;
  const guideIds = [...new Set(rows.flatMap((r) => r.guide_ids.map(Number)))];
  const names = new Map(
    (
      await ctx
        .db('guides')
        .where({ corp_id: p.corpId })
        .whereIn('id', guideIds)
        .select<{ id: number; name: string }[]>('id', 'name')
    ).map((g) => [Number(g.id), g.name]),
  );
  return rows.map((r) => {
    const ids = r.guide_ids.map(Number);
    return {
      id: Number(r.id),
      name: r.name,
      state: r.state,
      kind: r.store_id !== null ? 'store' : ids.length === 1 ? 'guide' : 'campaign',
      storeId: r.store_id === null ? null : Number(r.store_id),
      storeName: r.store_name,
      guideIds: ids,
      guideNames: ids.map((g) => names.get(g) ?? String(g)),
      tagId: r.tag_id === null ? null : Number(r.tag_id),
      tagName: r.tag_name,
      qrCode: r.qr_code,
      adds: Number(r.adds),
      createdAt: r.created_at.toISOString(),
      removedAt: r.removed_at?.toISOString() ?? null,
    };
  });
}

/**
 * Removes a code: its contact way is deleted in WeCom (del_contact_way), so the QR stops adding
 * anyone; the row stays, so relations that came through it keep their channel. WeCom answering
 * that the contact way is already gone (41044) removes it here too.
 */
export async function removeChannelCode(
  ctx: AppContext,
  p: Principal,
  id: number,
  requestId: string,
): Promise<ChannelCode> {
  const code = await ctx
    .db('channel_codes')
    .where({ id, corp_id: p.corpId })
    .first<{ config_id: string | null; removed_at: Date | null } | undefined>('config_id', 'removed_at');
  if (!code) throw new AppError('NOT_FOUND', `no channel code ${id}`);
  if (code.removed_at) throw new AppError('CONFLICT', `channel code ${id} is already removed`);
  if (code.config_id) {
    const client = await getWecomClient(ctx, p.corpId);
    await client.delContactWay(code.config_id).catch((err: unknown) => {
      if (!(err instanceof WecomError && err.errcode === GONE_CONTACT_WAY)) throw err;
    });
  }
  await ctx.db.transaction(async (trx) => {
    await trx('channel_codes')
      .where({ id, corp_id: p.corpId })
      .update({ removed_at: trx.fn.now(), removed_by: p.userid });
    await trx('audit_log').insert({
      corp_id: p.corpId,
      actor: p.userid,
      action: 'channel_code.remove',
      entity: 'channel_code',
      entity_id: String(id),
      detail: JSON.stringify({ configId: code.config_id }),
      request_id: requestId,
    });
  });
  return (await listChannelCodes(ctx, p, { onlyId: id }))[0]!;
}

/** What the create form offers: the corp's stores, active guides, and tags (channel tags first). */
export async function channelCodeOptions(ctx: AppContext, p: Principal) {
  const [stores, guides, tags] = await Promise.all([
    ctx.db('stores').where({ corp_id: p.corpId }).orderBy('id').select<{ id: number; name: string }[]>('id', 'name'),
    ctx
      .db('guides')
      .where({ corp_id: p.corpId, status: 'active' })
      .orderBy('id')
      .select<{ id: number; name: string; store_id: number | null }[]>('id', 'name', 'store_id'),
    ctx
      .db('tags as t')
      .join('tag_groups as g', 'g.id', 't.group_id')
      .where({ 't.corp_id': p.corpId })
      .whereNull('t.deleted_at')
      .orderByRaw(`case when g.kind = 'channel' then 0 else 1 end, g.id, t.id`)
      .select<{ id: number; name: string; group: string; kind: string }[]>(
        't.id',
        't.name',
        'g.name as group',
        'g.kind',
      ),
  ]);
  return {
    stores: stores.map((s) => ({ id: Number(s.id), name: s.name })),
    guides: guides.map((g) => ({
      id: Number(g.id),
      name: g.name,
      storeId: g.store_id === null ? null : Number(g.store_id),
    })),
    tags: tags.map((t) => ({ id: Number(t.id), name: t.name, group: t.group, channel: t.kind === 'channel' })),
  };
}

/** The largest QR image we pass on (WeCom's are a few KB). */
const QR_MAX_BYTES = 2 * 1024 * 1024;

/**
 * The code's QR image, fetched from the address WeCom returned (its CDN, another origin), so the
 * console can offer it as a download named after the code.
 */
export async function channelCodeQr(
  ctx: AppContext,
  p: Principal,
  id: number,
): Promise<{ contentType: string; body: Buffer; filename: string }> {
  const code = await ctx
    .db('channel_codes')
    .where({ id, corp_id: p.corpId })
    .first<{ name: string; qr_code: string | null } | undefined>('name', 'qr_code');
  if (!code) throw new AppError('NOT_FOUND', `no channel code ${id}`);
  if (!code.qr_code)
    throw new AppError('NOT_FOUND', `channel code ${id} has no QR image (not made through the console)`);
  let res: Response;
  try {
    res = await fetch(code.qr_code, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new AppError('SERVICE_UNAVAILABLE', `the QR image could not be fetched: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const contentType = res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
  if (!res.ok || !contentType.startsWith('image/'))
    throw new AppError('WECOM_ERROR', `the QR image answered ${res.status} ${contentType || 'without a type'}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > QR_MAX_BYTES) throw new AppError('WECOM_ERROR', 'the QR image is larger than 2 MB');
  const ext = contentType === 'image/png' ? 'png' : contentType === 'image/jpeg' ? 'jpg' : contentType.slice(6, 10);
  return { contentType, body, filename: `${code.name}.${ext.replace(/[^a-z0-9]/g, '') || 'img'}` };
}

/**
 * Relations that just started through a channel code get its channel tag: here at once, and in
 * WeCom through mark_tag (WeCom sends no callback for API tag changes).
 */
export async function tagChannelArrivals(
  ctx: AppContext,
  corpId: number,
  customerId: number,
  added: { guideId: number; state: string | null }[],
): Promise<number> {
  const states = added.flatMap((a) => (a.state ? [a.state] : []));
  if (!states.length) return 0;
  const codes = await ctx
    .db('channel_codes')
    .where({ corp_id: corpId })
    .whereIn('state', states)
    .whereNotNull('tag_id')
    .select<{ state: string; tag_id: number }[]>('state', 'tag_id');
  let tagged = 0;
  for (const a of added) {
    const code = codes.find((c) => c.state === a.state);
    if (!code) continue;
    const tagId = Number(code.tag_id);
    await ctx
      .db('customer_tags')
      .insert({ corp_id: corpId, customer_id: customerId, guide_id: a.guideId, tag_id: tagId, source: 'rule' })
      .onConflict(ctx.db.raw('(corp_id, customer_id, guide_id, tag_id)'))
      .ignore();
    await ctx.queues.enqueue(markTagJob, { corpId, guideId: a.guideId, customerId, add: [tagId], remove: [] });
    tagged++;
  }
  return tagged;
}
