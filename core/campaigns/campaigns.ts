/**
 * Campaigns: a segment, content from the script library and optionally a coupon, sent through
 * each customer's own guide as a WeCom customer mass message (add_msg_template, sender = guide;
 * the guide confirms it in WeCom) or a corp moment. A random, per-campaign-stable share of the
 * segment is held out. Results are read back from WeCom and become one interaction per customer
 * reached (evidence for the 7-day rule) and the send of the guide's coupon.
 */
import { randomBytes } from 'node:crypto';
import dayjs from 'dayjs';
import type { Principal } from '../auth/principal';
import { scopeOf } from '../access/scope';
import { enqueueAttribution, owe } from '../attribution/outbox';
import type { AppContext } from '../context';
import {
  campaignInput,
  segmentDefinition,
  type CampaignContent,
  type CampaignInput,
  type SegmentDefinition,
} from '../contracts/campaigns';
import { COUPON_VARIABLES, fillVariables, unfilled } from '../contracts/script-vars';
import { couponExpiry, markCouponSent } from '../coupons/coupons';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { recordInteractionRows } from '../ingest/interactions';
import { campaignDispatchJob } from '../jobs/campaign.jobs';
import { getWecomClient } from '../wecom/corp-client';
import { WecomError } from '../wecom/wecom-error';
import type { GuidePrincipal } from '../guide/access';
import { customersForStyle } from '../guide/matches';
import { couponValueText } from '../guide/variables';
import { checkContent, contentFromScript, cutBytes, storedContent, styleCard, wecomAttachments } from './content';
import { getSegment, materialiseRecipients } from './segments';

/** Creates a campaign from a saved segment and a script; its recipients (holdout included) are written now, the send is queued for its time. */
export async function createCampaign(
  ctx: AppContext,
  p: Principal,
  raw: CampaignInput,
): Promise<{ id: number; recipients: number }> {
  const input = campaignInput.parse(raw);
  const segment = await getSegment(ctx.db, p.corpId, input.segmentId);
  const script = await ctx
    .db('scripts')
    .where({ corp_id: p.corpId, id: input.scriptId })
    .first<{ id: number; parts: unknown; coupon_template_id: number | null } | undefined>(
      'id',
      'parts',
      'coupon_template_id',
    );
  if (!script) throw new AppError('NOT_FOUND', `no script ${input.scriptId}`, { field: 'body.scriptId' });
  const content = await contentFromScript(ctx.db, p.corpId, script.parts, {
    coverAssetId: input.coverAssetId,
    productId: input.productId,
  });
  await checkContent(ctx.db, p.corpId, content, input.channel);
  if (input.channel === 'moment' && input.couponTemplateId)
    throw new AppError('VALIDATION_FAILED', 'a moment issues no coupons (it is not sent to one customer)', {
      field: 'body.couponTemplateId',
    });
  const texts = [
    content.text,
    ...content.attachments.flatMap((a) =>
      a.type === 'image' ? [] : [a.title, ...(a.type === 'link' ? [a.desc] : [])],
    ),
  ];
  const scriptTemplate = script.coupon_template_id === null ? null : Number(script.coupon_template_id);
  const namesCoupon = texts.some((t) => unfilled(t).some((v) => (COUPON_VARIABLES as readonly string[]).includes(v)));
  // The coupon the script offers is the campaign's when it names none; a different one may replace it
  // only when the text does not speak of the script's coupon (its name, value or validity).
  if (input.couponTemplateId && scriptTemplate && input.couponTemplateId !== scriptTemplate && namesCoupon)
    throw new AppError(
      'VALIDATION_FAILED',
      `the script speaks of its own coupon template ${scriptTemplate}; the campaign cannot issue another`,
      { field: 'body.couponTemplateId' },
    );
  const couponTemplateId = input.channel === 'moment' ? null : (input.couponTemplateId ?? scriptTemplate ?? null);
  const coupon = couponTemplateId === null ? null : await campaignCoupon(ctx.db, p.corpId, couponTemplateId);
  if (coupon && !coupon.enabled)
    throw new AppError('CONFLICT', 'the coupon template is switched off', { field: 'body.couponTemplateId' });
  const product = input.productId
    ? await ctx.db('products').where({ corp_id: p.corpId, id: input.productId }).first<{ name: string }>('name')
    : undefined;
  // A mass message is one text for all of a guide's customers: only guide, store, coupon and product are
  // filled (the customer is 您); a moment is one post for every guide, so nothing is.
  const values =
    input.channel === 'moment' ? {} : massValues({ guide: 'x', store: 'x', coupon, product: product?.name });
  const unfillable = texts.flatMap((t) => fillVariables(t, values).missing);
  if (unfillable.length)
    throw new AppError(
      'VALIDATION_FAILED',
      `the script uses {{${[...new Set(unfillable)].join('}} {{')}}}, which one ${input.channel === 'moment' ? 'moment' : 'mass message'} cannot fill per customer`,
      { field: 'body.scriptId' },
    );
  return startCampaign(ctx, p, {
    name: input.name,
    channel: input.channel,
    segmentId: segment.id,
    definition: segment.definition,
    scriptId: script.id,
    content,
    product: product?.name ?? null,
    couponTemplateId,
    holdoutBp: Math.round(input.holdoutPercent * 100),
    windowDays: input.windowDays,
    scheduledAt: input.scheduledAt ? new Date(input.scheduledAt) : new Date(),
    guideId: null,
  });
}

/**
 * 断码找人 "send to all of these customers": the guide's own mass message of a broken-size style
 * to every customer of hers it fits, pitched as their size; recorded like any campaign (no holdout:
 * the guide chose to send to all of them).
 */
export async function pushStyleToFits(
  ctx: AppContext,
  p: GuidePrincipal,
  productId: number,
): Promise<{ id: number; recipients: number }> {
  const fits = await customersForStyle(ctx.db, p, productId);
  if (fits.customers.length === 0)
    throw new AppError('CONFLICT', 'no customer of yours fits a size still in stock', { field: 'params.productId' });
  const product = await ctx
    .db('products')
    .where({ corp_id: p.corpId, id: productId })
    .first<{ name: string; category: string }>('name', 'category');
  const sizes = [...new Set(fits.customers.map((c) => c.size))].sort();
  return startCampaign(ctx, p, {
    name: `断码找人 · ${product!.name}`.slice(0, 64),
    channel: 'mass_message',
    segmentId: null,
    definition: segmentDefinition.parse({ fitsProductId: productId }),
    scriptId: null,
    content: {
      text: `{{称呼}}好，我是{{门店}}的{{导购}}。${product!.name} 还有您合适的尺码（${sizes.join(' / ')}），码数不多，给您留意着，想试穿随时来店里～`,
      attachments: await styleCard(ctx.db, p.corpId, productId),
    },
    product: product!.name,
    couponTemplateId: null,
    holdoutBp: 0,
    windowDays: 7,
    scheduledAt: new Date(),
    guideId: p.guideId,
  });
}

/** The variables a mass message fills: per guide (导购, 门店), the campaign's coupon and product; the customer is addressed as 您. */
function massValues(v: {
  guide: string;
  store: string;
  coupon: CampaignCoupon | null;
  product?: string | null | undefined;
}) {
  return {
    称呼: '您',
    导购: v.guide,
    门店: v.store,
    优惠券: v.coupon ? '专属优惠券已放入您的会员账户' : null,
    券面额: v.coupon?.value ?? null,
    券有效期: v.coupon?.validity ?? null,
    商品: v.product ?? null,
  };
}

/**
 * The campaign's coupon as its text names it — the same for every recipient, whenever her coupon is
 * issued: the template's value (50元 / 8.5折) and validity (N天内有效, or its fixed last day 12月31日).
 */
interface CampaignCoupon {
  enabled: boolean;
  value: string;
  validity: string;
}

async function campaignCoupon(db: Db, corpId: number, templateId: number): Promise<CampaignCoupon> {
  const t = await db('coupon_templates').where({ corp_id: corpId, id: templateId }).first<
    | {
        enabled: boolean;
        kind: 'cash' | 'discount';
        value_fen: number | null;
        discount_bp: number | null;
        valid_days: number | null;
        valid_until: string | null;
      }
    | undefined
  >('enabled', 'kind', 'value_fen', 'discount_bp', 'valid_days', db.raw('valid_until::text as valid_until'));
  if (!t) throw new AppError('NOT_FOUND', `no coupon template ${templateId}`, { field: 'body.couponTemplateId' });
  const [, m, d] = (t.valid_until ?? '').split('-').map(Number);
  return {
    enabled: t.enabled,
    value: couponValueText({ kind: t.kind, valueFen: t.value_fen, discountBp: t.discount_bp }),
    validity: t.valid_days !== null ? `${t.valid_days}天内有效` : `${m}月${d}日`,
  };
}

interface NewCampaign {
  name: string;
  /** The product a product card shows ({{商品}} in titles and text). */
  product: string | null;
  channel: 'mass_message' | 'moment';
  segmentId: number | null;
  definition: SegmentDefinition;
  scriptId: number | null;
  content: CampaignContent;
  couponTemplateId: number | null;
  holdoutBp: number;
  windowDays: number;
  scheduledAt: Date;
  guideId: number | null;
}

async function startCampaign(
  ctx: AppContext,
  p: Principal,
  c: NewCampaign,
): Promise<{ id: number; recipients: number }> {
  const scope = await scopeOf(ctx.db, p);
  const seed = randomBytes(8).toString('hex');
  const out = await ctx.db.transaction(async (trx) => {
    const [row] = await trx('campaigns')
      .insert({
        corp_id: p.corpId,
        name: c.name,
        channel: c.channel,
        segment_id: c.segmentId,
        definition: JSON.stringify(c.definition),
        script_id: c.scriptId,
        content: JSON.stringify({ ...c.content, product: c.product } satisfies CampaignContent),
        coupon_template_id: c.couponTemplateId,
        holdout_bp: c.holdoutBp,
        holdout_seed: seed,
        window_days: c.windowDays,
        scheduled_at: c.scheduledAt,
        created_by: p.userId,
        guide_id: c.guideId,
      })
      .returning<{ id: string }[]>('id');
    const id = Number(row!.id);
    const recipients = await materialiseRecipients(
      trx,
      { campaignId: id, corpId: p.corpId, scope, definition: c.definition, seed, holdoutBp: c.holdoutBp },
      c.scheduledAt,
    );
    return { id, recipients };
  });
  await ctx.queues.enqueue(
    campaignDispatchJob,
    { corpId: p.corpId, campaignId: out.id },
    { delay: Math.max(0, c.scheduledAt.getTime() - Date.now()) },
  );
  return out;
}

interface CampaignRow {
  id: number;
  corp_id: number;
  channel: 'mass_message' | 'moment';
  content: CampaignContent;
  coupon_template_id: number | null;
  moment_jobid: string | null;
  dispatched_at: Date | null;
  cancelled_at: Date | null;
  scheduled_at: Date;
  window_days: number;
}

async function campaignRow(db: Db, corpId: number, id: number): Promise<CampaignRow> {
  const c = await db('campaigns').where({ corp_id: corpId, id }).first<CampaignRow | undefined>();
  if (!c) throw new AppError('NOT_FOUND', `no campaign ${id}`, { field: 'params.campaignId' });
  return { ...c, id: Number(c.id), corp_id: Number(c.corp_id), content: storedContent(c.content) };
}

/**
 * Creates the WeCom tasks: per guide, her coupons (when the campaign has a template) and one
 * add_msg_template with her as sender for her recipients. A guide whose task exists is skipped,
 * so a retried dispatch does not task her twice.
 */
export async function dispatchCampaign(
  ctx: AppContext,
  corpId: number,
  campaignId: number,
): Promise<{ tasks: number; refused: number }> {
  const c = await campaignRow(ctx.db, corpId, campaignId);
  if (c.cancelled_at) return { tasks: 0, refused: 0 };
  const wecom = await getWecomClient(ctx, corpId);
  const guides = await ctx.db.raw<{
    rows: { guide_id: string; userid: string; guide_name: string; store_name: string; customers: string[] }[];
  }>(
    `select r.guide_id, g.userid, g.name as guide_name, st.name as store_name,
            array_agg(cu.external_userid order by r.customer_id) as customers
       from campaign_recipients r
       join guides g on g.id = r.guide_id
       join stores st on st.id = g.store_id
       join customers cu on cu.id = r.customer_id and cu.external_userid is not null
      where r.campaign_id = ? and r.status = 'pending'
        and not exists (select 1 from campaign_tasks t where t.campaign_id = r.campaign_id and t.guide_id = r.guide_id)
      group by r.guide_id, g.userid, g.name, st.name
      order by r.guide_id`,
    [campaignId],
  );
  let refused = 0;
  if (c.channel === 'moment') {
    if (guides.rows.length === 0) return { tasks: 0, refused: 0 };
    const link = c.content.attachments.find((a) => a.type === 'link');
    // A retried dispatch reads the job it created: a second add_moment_task would post the moment twice.
    let jobid = c.moment_jobid;
    if (!jobid) {
      jobid = (
        await wecom.addMomentTask({
          ...(c.content.text ? { text: { content: c.content.text } } : {}),
          // A moment's link title is at most 64 bytes (§14.1).
          ...(link
            ? { attachments: [{ msgtype: 'link', link: { title: cutBytes(link.title, 64), url: link.url } }] }
            : {}),
          visible_range: { sender_list: { user_list: guides.rows.map((g) => g.userid) } },
        })
      ).jobid;
      await ctx.db('campaigns').where({ id: campaignId }).update({ moment_jobid: jobid });
    }
    const job = await wecom.getMomentTaskResult(jobid);
    const momentId = job.result?.moment_id;
    // WeCom finishes the job asynchronously: the dispatch job retries (with backoff) until it is done.
    if (!momentId) throw new AppError('WECOM_ERROR', `moment task ${jobid} not done (status ${job.status})`);
    const invalid = new Set(job.result?.invalid_sender_list?.user_list ?? []);
    await ctx.db.transaction(async (trx) => {
      for (const g of guides.rows) {
        if (invalid.has(g.userid)) continue;
        await trx('campaign_tasks').insert({
          campaign_id: campaignId,
          corp_id: corpId,
          guide_id: g.guide_id,
          moment_id: momentId,
          customers: g.customers.length,
        });
        await trx('campaign_recipients')
          .where({ campaign_id: campaignId, guide_id: g.guide_id, status: 'pending' })
          .update({ status: 'tasked' });
      }
      await trx('campaigns').where({ id: campaignId }).whereNull('dispatched_at').update({ dispatched_at: new Date() });
    });
    return { tasks: guides.rows.length - invalid.size, refused: 0 };
  }
  const coupon = c.coupon_template_id ? await campaignCoupon(ctx.db, corpId, Number(c.coupon_template_id)) : null;
  for (const g of guides.rows) {
    const guideId = Number(g.guide_id);
    if (c.coupon_template_id) await issueCampaignCoupons(ctx.db, c, guideId);
    const values = massValues({
      guide: g.guide_name,
      store: g.store_name,
      coupon,
      product: c.content.product,
    });
    const { text } = fillVariables(c.content.text, values);
    const attachments = await wecomAttachments(ctx, corpId, c.content, values);
    let r: { msgid: string | null; fail_list: string[] };
    try {
      r = await wecom.addMsgTemplate({
        sender: g.userid,
        external_userid: g.customers,
        ...(text ? { text: { content: text } } : {}),
        ...(attachments.length ? { attachments } : {}),
      });
    } catch (err) {
      // 40096: WeCom accepts none of her customers (no longer hers there). Recorded, and the other guides still go.
      if (!(err instanceof WecomError && err.errcode === 40096)) throw err;
      r = { msgid: null, fail_list: g.customers };
    }
    refused += r.fail_list.length;
    await ctx.db.transaction(async (trx) => {
      await trx('campaign_tasks').insert({
        campaign_id: campaignId,
        corp_id: corpId,
        guide_id: guideId,
        msgid: r.msgid,
        customers: g.customers.length - r.fail_list.length,
      });
      await trx('campaign_recipients')
        .where({ campaign_id: campaignId, guide_id: guideId, status: 'pending' })
        .update({
          status: trx.raw(
            `(case when customer_id in (select id from customers where corp_id = ? and external_userid = any(?::text[]))
                   then 'refused' else 'tasked' end)::campaign_recipient_status`,
            [corpId, r.fail_list],
          ),
        });
      await trx('campaigns').where({ id: campaignId }).whereNull('dispatched_at').update({ dispatched_at: new Date() });
    });
  }
  return { tasks: guides.rows.length, refused };
}

/** One coupon per recipient of the guide, issued by her (a guide coupon): it counts once the message is sent. */
async function issueCampaignCoupons(db: Db, c: CampaignRow, guideId: number): Promise<void> {
  const tpl = await db('coupon_templates as t')
    .join('corps as k', 'k.id', 't.corp_id')
    .where({ 't.id': c.coupon_template_id! })
    .first<{ id: number; valid_days: number | null; valid_until: string | null; timezone: string }>(
      't.id',
      't.valid_days',
      db.raw('t.valid_until::text as valid_until'),
      'k.timezone',
    );
  const validity = { validDays: tpl.valid_days, validUntil: tpl.valid_until };
  await db.transaction(async (trx) => {
    const rows = await trx('campaign_recipients')
      .where({ campaign_id: c.id, guide_id: guideId, status: 'pending' })
      .whereNull('coupon_id')
      .forUpdate()
      .select<{ customer_id: string }[]>('customer_id');
    const issuedAt = new Date();
    for (let i = 0; i < rows.length; i += 1000) {
      const slice = rows.slice(i, i + 1000);
      const coupons = await trx('coupons')
        .insert(
          slice.map((r) => ({
            corp_id: c.corp_id,
            template_id: tpl.id,
            code: `CM${c.id}${randomBytes(6).toString('hex').toUpperCase()}`,
            customer_id: r.customer_id,
            guide_id: guideId,
            campaign_id: c.id,
            issued_at: issuedAt,
            expires_at: couponExpiry(validity, issuedAt, tpl.timezone),
            status: 'issued',
          })),
        )
        .returning<{ id: string; customer_id: string }[]>(['id', 'customer_id']);
      for (const cp of coupons)
        await trx('campaign_recipients')
          .where({ campaign_id: c.id, customer_id: cp.customer_id })
          .update({ coupon_id: cp.id });
    }
  });
}

const RESULT_STATUS = { 1: 'sent', 2: 'not_friend', 3: 'limit' } as const;

/**
 * Reads the campaign's results back from WeCom: each customer sent becomes one interaction (kind
 * message, source campaign, evidence msgid:customer) and the send of her coupon. Idempotent: the
 * interaction's natural key, the coupon's first send and status changes from `tasked` only mean a
 * repeated poll changes nothing.
 */
export async function pollCampaign(
  ctx: AppContext,
  corpId: number,
  campaignId: number,
): Promise<{ sent: number; newInteractions: number }> {
  const c = await campaignRow(ctx.db, corpId, campaignId);
  const wecom = await getWecomClient(ctx, corpId);
  const tasks = await ctx
    .db('campaign_tasks as t')
    .join('guides as g', 'g.id', 't.guide_id')
    .where({ 't.campaign_id': campaignId })
    .select<
      { guide_id: string; userid: string; msgid: string | null; moment_id: string | null; confirmed_at: Date | null }[]
    >('t.guide_id', 'g.userid', 't.msgid', 't.moment_id', 't.confirmed_at');
  const results: { guideId: number; external: string; status: 'sent' | 'not_friend' | 'limit'; at: Date | null }[] = [];
  const confirmed = new Map<number, Date>();
  /** Per guide who published the campaign's moment: the visible range she chose, as external ids. */
  const momentRange = new Map<number, Set<string>>();
  for (const t of tasks) {
    const guideId = Number(t.guide_id);
    if (t.msgid) {
      let cursor = '';
      const statuses: { userid: string; status: number; send_time?: number | undefined }[] = [];
      do {
        const page = await wecom.getGroupMsgTask(t.msgid, cursor);
        statuses.push(...page.task_list);
        cursor = page.next_cursor;
      } while (cursor);
      const mine = statuses.find((s) => s.userid === t.userid);
      if (!mine || mine.status === 0) continue;
      confirmed.set(guideId, new Date((mine.send_time ?? Math.floor(Date.now() / 1000)) * 1000));
      cursor = '';
      do {
        const page = await wecom.getGroupMsgSendResult(t.msgid, t.userid, cursor);
        for (const s of page.send_list) {
          const status = RESULT_STATUS[s.status as 1 | 2 | 3];
          if (status && s.external_userid)
            results.push({
              guideId,
              external: s.external_userid,
              status,
              at: s.send_time ? new Date(s.send_time * 1000) : null,
            });
        }
        cursor = page.next_cursor;
      } while (cursor);
    } else if (t.moment_id) {
      let published = false;
      let cursor = '';
      do {
        const page = await wecom.getMomentTask(t.moment_id, cursor);
        published ||= page.task_list.some((x) => x.userid === t.userid && x.publish_status === 1);
        cursor = page.next_cursor;
      } while (cursor);
      if (!published) continue;
      // WeCom gives no publish time: the first poll that sees it published fixes it, so later polls record the same interactions.
      const at = t.confirmed_at ?? new Date();
      confirmed.set(guideId, at);
      const range = new Set<string>();
      cursor = '';
      do {
        const page = await wecom.getMomentCustomerList(t.moment_id, t.userid, cursor);
        for (const x of page.customer_list) range.add(x.external_userid);
        cursor = page.next_cursor;
      } while (cursor);
      momentRange.set(guideId, range);
      cursor = '';
      do {
        const page = await wecom.getMomentSendResult(t.moment_id, t.userid, cursor);
        for (const s of page.customer_list) results.push({ guideId, external: s.external_userid, status: 'sent', at });
        cursor = page.next_cursor;
      } while (cursor);
    }
  }
  const out = await ctx.db.transaction(async (trx) => {
    for (const [guideId, at] of confirmed)
      await trx('campaign_tasks')
        .where({ campaign_id: campaignId, guide_id: guideId })
        .whereNull('confirmed_at')
        .update({ confirmed_at: at });
    // A moment reaches every customer of the guide in its visible range, not only the campaign's: only its
    // recipients (never the held-out) get the campaign's interaction. Hers it did not reach are reported.
    for (const [guideId, range] of momentRange) {
      const left = await trx('campaign_recipients as r')
        .join('customers as c', 'c.id', 'r.customer_id')
        .where({ 'r.campaign_id': campaignId, 'r.guide_id': guideId, 'r.status': 'tasked' })
        .select<{ customer_id: string; external_userid: string | null }[]>('r.customer_id', 'c.external_userid');
      const delivered = new Set(results.filter((r) => r.guideId === guideId).map((r) => r.external));
      for (const x of left) {
        if (x.external_userid && delivered.has(x.external_userid)) continue;
        const outOfRange = !x.external_userid || !range.has(x.external_userid);
        await trx('campaign_recipients')
          .where({ campaign_id: campaignId, customer_id: x.customer_id })
          .update(outOfRange ? { status: 'refused', reason: 'not_in_visible_range' } : { status: 'not_friend' });
      }
    }
    if (results.length === 0) return { sent: 0, customers: [] as number[], coupons: [] as string[], interactions: 0 };
    const ids = await trx('customers')
      .where({ corp_id: corpId })
      .whereIn(
        'external_userid',
        results.map((r) => r.external),
      )
      .select<{ id: string; external_userid: string }[]>('id', 'external_userid');
    const idOf = new Map(ids.map((r) => [r.external_userid, Number(r.id)]));
    const ours = new Set(
      (
        await trx('campaign_recipients')
          .where({ campaign_id: campaignId, holdout: false })
          .whereIn('customer_id', [...idOf.values()])
          .select<{ customer_id: string; guide_id: string | null }[]>('customer_id', 'guide_id')
      ).map((r) => `${r.customer_id}:${r.guide_id}`),
    );
    const interactions = [];
    const coupons: string[] = [];
    let sent = 0;
    for (const r of results) {
      const customerId = idOf.get(r.external);
      if (!customerId || !ours.has(`${customerId}:${r.guideId}`)) continue;
      const changed = await trx('campaign_recipients')
        .where({ campaign_id: campaignId, customer_id: customerId, guide_id: r.guideId, status: 'tasked' })
        .update({ status: r.status, sent_at: r.status === 'sent' ? r.at : null })
        .returning<{ coupon_id: string | null }[]>('coupon_id');
      if (r.status !== 'sent' || !r.at) continue;
      if (changed.length) sent++;
      interactions.push({
        corpId,
        guideId: r.guideId,
        customerId,
        occurredAt: r.at,
        kind: 'message' as const,
        source: 'campaign',
        evidenceId: `c${campaignId}:${r.external}`,
        detail: { campaignId, channel: c.channel },
      });
      const couponId = changed[0]?.coupon_id;
      if (couponId) {
        const code = await trx('coupons').where({ id: couponId }).first<{ code: string }>('code');
        if (code && (await markCouponSent(trx, corpId, code.code, r.at))) coupons.push(code.code);
      }
    }
    const stored = await recordInteractionRows(trx, interactions, { queued: true });
    await trx('campaign_tasks')
      .where({ campaign_id: campaignId })
      .update({
        polled_at: new Date(),
        sent: trx.raw(
          `(select count(*) from campaign_recipients r where r.campaign_id = campaign_tasks.campaign_id
               and r.guide_id = campaign_tasks.guide_id and r.status = 'sent')`,
        ),
      });
    return { sent, customers: [...new Set(stored.map((s) => s.customerId))], coupons, interactions: stored.length };
  });
  if (out.customers.length)
    await enqueueAttribution(
      ctx,
      corpId,
      owe('customer', out.customers, { kind: 'interaction', id: null }),
      `campaign ${campaignId} sent`,
    );
  return { sent: out.sent, newInteractions: out.interactions };
}

/** Campaigns whose results may still change: dispatched within the last `days` days and not cancelled. */
export async function campaignsToPoll(db: Db, days = 7): Promise<{ corpId: number; campaignId: number }[]> {
  const rows = await db('campaigns')
    .whereNotNull('dispatched_at')
    .where('dispatched_at', '>=', dayjs().subtract(days, 'day').toDate())
    .select<{ id: string; corp_id: string }[]>('id', 'corp_id');
  return rows.map((r) => ({ corpId: Number(r.corp_id), campaignId: Number(r.id) }));
}

/**
 * Cancelling or reminding acts on every recipient's guide, so a manager may do it only to a campaign
 * wholly within his stores (his own, or head office's confined to them); head office to any.
 */
async function assertWholeCampaignInScope(db: Db, p: Principal, campaignId: number): Promise<void> {
  const scope = await scopeOf(db, p);
  if (scope.level === 'corp') return;
  if (scope.level === 'guide') throw new AppError('FORBIDDEN', 'only a manager or head office acts on a campaign');
  const outside = await db('campaign_recipients')
    .where({ campaign_id: campaignId })
    .whereNotNull('store_id')
    .whereRaw('not (store_id = any(?::bigint[]))', [scope.storeIds])
    .first('store_id');
  if (outside)
    throw new AppError('FORBIDDEN', 'this campaign reaches stores outside your scope', { field: 'params.campaignId' });
}

/** Stops the sends still pending in WeCom and marks the campaign cancelled. */
export async function cancelCampaign(ctx: AppContext, p: Principal, campaignId: number): Promise<void> {
  const c = await campaignRow(ctx.db, p.corpId, campaignId);
  await assertWholeCampaignInScope(ctx.db, p, c.id);
  if (c.cancelled_at) return;
  const wecom = await getWecomClient(ctx, p.corpId);
  const tasks = await ctx.db('campaign_tasks').where({ campaign_id: campaignId }).whereNull('confirmed_at');
  for (const t of tasks as { msgid: string | null }[]) if (t.msgid) await wecom.cancelGroupMsg(t.msgid);
  await ctx.db('campaigns').where({ id: campaignId }).update({ cancelled_at: new Date() });
}

/** Reminds the guides who have not confirmed (WeCom allows 3 reminders per message in 24 h). */
export async function remindCampaign(ctx: AppContext, p: Principal, campaignId: number): Promise<{ reminded: number }> {
  const c = await campaignRow(ctx.db, p.corpId, campaignId);
  await assertWholeCampaignInScope(ctx.db, p, c.id);
  const wecom = await getWecomClient(ctx, p.corpId);
  const tasks = (await ctx
    .db('campaign_tasks')
    .where({ campaign_id: campaignId })
    .whereNull('confirmed_at')
    .whereNotNull('msgid')
    .select('msgid')) as { msgid: string }[];
  try {
    for (const t of tasks) await wecom.remindGroupMsg(t.msgid);
  } catch (err) {
    if (err instanceof WecomError && err.errcode === 45009)
      throw new AppError('RATE_LIMITED', 'WeCom allows at most 3 reminders per mass message in 24 hours');
    throw err;
  }
  return { reminded: tasks.length };
}
