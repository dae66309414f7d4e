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

export interface ChannelCode {
  id: number;
  name: string;
  state: string;
  storeId: number | null;
  guideIds: number[];
  tagId: number | null;
  qrCode: string | null;
  adds: number;
  createdAt: string;
}

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
  const [created] = await listChannelCodes(ctx, p, id);
  return { ...created!, guideIds: input.guideIds };
}

/** The corp's channel codes, newest first, each with how many relations arrived through it. */
export async function listChannelCodes(ctx: AppContext, p: Principal, onlyId?: number): Promise<ChannelCode[]> {
  const q = ctx
    .db('channel_codes as cc')
    .where({ 'cc.corp_id': p.corpId })
    .select<
      {
        id: number;
        name: string;
        state: string;
        store_id: number | null;
        guide_id: number | null;
        tag_id: number | null;
        qr_code: string | null;
        created_at: Date;
        adds: string;
      }[]
    >(
      'cc.id',
      'cc.name',
      'cc.state',
      'cc.store_id',
      'cc.guide_id',
      'cc.tag_id',
      'cc.qr_code',
      'cc.created_at',
      ctx.db.raw(
        '(select count(*) from customer_guides cg where cg.corp_id = cc.corp_id and cg.state = cc.state) as adds',
      ),
    )
    .orderBy('cc.id', 'desc');
  if (onlyId !== undefined) q.where('cc.id', onlyId);
  return (await q).map((r) => ({
    id: Number(r.id),
    name: r.name,
    state: r.state,
    storeId: r.store_id === null ? null : Number(r.store_id),
    guideIds: r.guide_id === null ? [] : [Number(r.guide_id)],
    tagId: r.tag_id === null ? null : Number(r.tag_id),
    qrCode: r.qr_code,
    adds: Number(r.adds),
    createdAt: r.created_at.toISOString(),
  }));
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
