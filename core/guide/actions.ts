/**
 * What a guide does into the chat, recorded server-side as interactions — the evidence the
 * attribution engine reads: script sends, product shares and coupons sent to a customer.
 * Each send carries the sidebar's idempotency key, so a retried request records once; one send
 * is one interaction (a coupon's issue records none: only its send is evidence).
 */
import { randomBytes } from 'node:crypto';
import dayjs from 'dayjs';
import { z } from 'zod';
import type { AppContext } from '../context';
import type { CouponOffers, CouponView, SendRequest } from '../contracts/sidebar';
import type { Db } from '../db/knex';
import { enqueueAttribution, owe } from '../attribution/outbox';
import { couponExpiry, markCouponSent, reattributeCouponOrders } from '../coupons/coupons';
import { AppError } from '../errors';
import { recordInteractions } from '../ingest/interactions';
import { getWecomClient } from '../wecom/corp-client';
import { type GuidePrincipal, followedCustomerId } from './access';
import { type CouponAudience, type CouponFacts, type TemplateRule, couponIneligibility } from './coupon-eligibility';
import { valueTier } from './derive';
import { daysBetween, daysToAnniversary, localDay } from './occasions';

const KIND = { script: 'script_send', product: 'product_share', coupon: 'coupon_issue', text: 'message' } as const;

/**
 * The customers of a group chat this guide follows: a send there is evidence for each of them
 * and for no one else. Only a member of the group (groupchat/get says who) may send there.
 */
async function groupCustomerIds(ctx: AppContext, p: GuidePrincipal, chatId: string): Promise<number[]> {
  const group = await memberGroup(ctx, p, chatId);
  const rows = await ctx
    .db('customers as c')
    .join('customer_guides as cg', 'cg.customer_id', 'c.id')
    .where({ 'c.corp_id': p.corpId, 'cg.guide_id': p.guideId })
    .whereNull('cg.ended_at')
    .whereIn('c.external_userid', group.externalUserids)
    .pluck<number[]>('c.id');
  return rows;
}

export async function recordSend(
  ctx: AppContext,
  p: GuidePrincipal,
  b: SendRequest,
): Promise<{ recorded: number; duplicate: boolean }> {
  if (b.kind === 'coupon' && !b.externalUserid)
    throw new AppError('VALIDATION_FAILED', 'a coupon is sent to one customer, not into a group chat', {
      field: 'body.chatId',
    });
  const customerIds = b.externalUserid
    ? [await followedCustomerId(ctx.db, p, b.externalUserid)]
    : await groupCustomerIds(ctx, p, b.chatId!);
  if (b.kind === 'script' && !b.scriptId)
    throw new AppError('VALIDATION_FAILED', 'scriptId is required for a script send', { field: 'body.scriptId' });
  if (b.kind === 'product' && !b.productId)
    throw new AppError('VALIDATION_FAILED', 'productId is required for a product share', { field: 'body.productId' });
  if (b.kind === 'coupon' && !b.couponCode)
    throw new AppError('VALIDATION_FAILED', 'couponCode is required for a coupon send', { field: 'body.couponCode' });
  const coupon = b.kind === 'coupon' ? await sendableCoupon(ctx, p, b.couponCode!, customerIds[0]!) : null;
  if (b.scriptId && !(await ctx.db('scripts').where({ corp_id: p.corpId, id: b.scriptId }).first('id')))
    throw new AppError('NOT_FOUND', `no script ${b.scriptId}`, { field: 'body.scriptId' });
  if (b.productId && !(await ctx.db('products').where({ corp_id: p.corpId, id: b.productId }).first('id')))
    throw new AppError('NOT_FOUND', `no product ${b.productId}`, { field: 'body.productId' });
  const now = new Date();
  const text = b.sent.map((s) => s.summary).join('\n');
  const r = await ctx.db.transaction(async (trx) => {
    if (b.kind === 'script') {
      const inserted = await trx('script_sends')
        .insert({
          corp_id: p.corpId,
          script_id: b.scriptId,
          guide_id: p.guideId,
          customer_id: b.externalUserid ? customerIds[0] : null,
          client_send_id: b.clientSendId,
          text_sent: text,
          sent_at: now,
        })
        .onConflict(['corp_id', 'client_send_id'])
        .ignore()
        .returning('id');
      if (inserted.length === 0) return { recorded: 0, duplicate: true, couponSent: false };
      await trx('scripts').where({ id: b.scriptId }).increment('send_count', 1);
    } else {
      // A retried request carries the same send id but arrives at another moment, so the
      // interactions' own key (which includes the time) would not catch it: look for the send.
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`send:${p.corpId}:${b.clientSendId}`]);
      const seen = await trx('interactions')
        .where({ corp_id: p.corpId, source: 'sidebar' })
        .whereIn(
          'evidence_id',
          customerIds.map((customerId) => `${b.clientSendId}:${customerId}`),
        )
        .first('id');
      if (seen) return { recorded: 0, duplicate: true, couponSent: false };
    }
    const detail = {
      scriptId: b.scriptId,
      productId: b.productId,
      couponCode: b.couponCode,
      chatId: b.chatId,
      parts: b.sent,
    };
    const added = await recordInteractions(
      trx,
      customerIds.map((customerId) => ({
        corpId: p.corpId,
        guideId: p.guideId,
        customerId,
        occurredAt: now,
        kind: KIND[b.kind],
        source: 'sidebar',
        evidenceId: `${b.clientSendId}:${customerId}`,
        detail,
      })),
      { queued: true },
    );
    // A coupon's first successful send makes it the customer's: from now on it can credit an order.
    const couponSent = coupon !== null && added.length > 0 && (await markCouponSent(trx, p.corpId, coupon, now));
    return { recorded: added.length, duplicate: customerIds.length > 0 && added.length === 0, couponSent, added };
  });
  // A send may credit orders already stored (late evidence): owed in the transaction, queued now.
  if (r.recorded)
    await enqueueAttribution(
      ctx,
      p.corpId,
      owe('customer', r.added ?? [], { kind: 'interaction', id: null }),
      `sidebar ${b.kind} send`,
    );
  // Orders already naming it (a till that recorded the code before the send did) are judged again.
  if (r.couponSent) await reattributeCouponOrders(ctx, p.corpId, [coupon!], `coupon ${coupon} sent`);
  return { recorded: r.recorded, duplicate: r.duplicate };
}

/** The coupon a send names: issued by this guide to this customer, and not voided. */
async function sendableCoupon(ctx: AppContext, p: GuidePrincipal, code: string, customerId: number): Promise<string> {
  const c = await ctx
    .db('coupons')
    .where({ corp_id: p.corpId, code, guide_id: p.guideId, customer_id: customerId })
    .first<{ code: string; voided_at: Date | null } | undefined>('code', 'voided_at');
  if (!c)
    throw new AppError('NOT_FOUND', `no coupon ${code} issued by you to this customer`, { field: 'body.couponCode' });
  if (c.voided_at) throw new AppError('CONFLICT', `coupon ${code} was voided`, { field: 'body.couponCode' });
  return c.code;
}

const couponCode = () => `GP${dayjs().format('YYMMDD')}${randomBytes(5).toString('hex').toUpperCase()}`;

/** Issues a guide-bound coupon from a template to a customer this guide follows: not sent yet, so not the customer's yet. */
interface TemplateRow {
  id: number;
  name: string;
  kind: 'cash' | 'discount';
  value_fen: number | null;
  discount_bp: number | null;
  min_spend_fen: number;
  valid_days: number | null;
  valid_from: string | null;
  valid_until: string | null;
  guide_daily_limit: number | null;
  guide_monthly_limit: number | null;
  enabled: boolean;
  audience: CouponAudience;
  min_tier: string | null;
  once_per_customer: boolean;
}
/** The template columns the rules read; dates as the tenant's days (YYYY-MM-DD). */
export const TEMPLATE_COLUMNS = [
  'id',
  'name',
  'kind',
  'value_fen',
  'discount_bp',
  'min_spend_fen',
  'valid_days',
  'valid_from::text as valid_from',
  'valid_until::text as valid_until',
  'guide_daily_limit',
  'guide_monthly_limit',
  'enabled',
  'audience',
  'min_tier',
  'once_per_customer',
];
export const ruleOf = (t: TemplateRow): TemplateRule => ({
  id: t.id,
  enabled: t.enabled,
  audience: t.audience,
  minTier: t.min_tier,
  oncePerCustomer: t.once_per_customer,
  validFrom: t.valid_from,
  validUntil: t.valid_until,
  guideDailyLimit: t.guide_daily_limit,
  guideMonthlyLimit: t.guide_monthly_limit,
});

/** What the eligibility rules need to know of one customer, and of this guide's issues, in one statement. */
export async function couponFacts(db: Db, customerId: number, guideId: number): Promise<CouponFacts> {
  const res = await db.raw<{
    rows: {
      orders: number;
      last_paid: Date | null;
      spend180: string;
      redeemed: (string | number)[];
      open: (string | number)[];
      birthday: string | null;
      today: string;
      timezone: string;
      issued: { t: number | string; day: number; month: number }[];
    }[];
  }>(
    `with c as (
       select c.id, c.birthday, to_char((now() at time zone k.timezone)::date, 'YYYY-MM-DD') as today, k.timezone,
              date_trunc('day', now() at time zone k.timezone) at time zone k.timezone as day0,
              date_trunc('month', now() at time zone k.timezone) at time zone k.timezone as month0
         from customers c join corps k on k.id = c.corp_id where c.id = :customerId)
     select (select count(*)::int from orders o where o.customer_id = c.id) as orders,
            (select max(o.paid_at) from orders o where o.customer_id = c.id) as last_paid,
            (select coalesce(sum(o.net_fen), 0) from orders o where o.customer_id = c.id and o.paid_at >= now() - interval '180 days')
              - (select coalesce(sum(r.amount_fen), 0) from orders o join refunds r on r.order_id = o.id
                  where o.customer_id = c.id and o.paid_at >= now() - interval '180 days') as spend180,
            (select coalesce(array_agg(distinct cp.template_id), '{}') from coupons cp where cp.customer_id = c.id and cp.status = 'redeemed') as redeemed,
            (select coalesce(array_agg(distinct cp.template_id), '{}') from coupons cp
              where cp.customer_id = c.id and cp.status = 'sent' and cp.expires_at > now()) as open,
            (select coalesce(json_agg(json_build_object('t', i.template_id, 'day', i.day, 'month', i.month)), '[]')
               from (select cp.template_id, count(*) filter (where cp.issued_at >= c.day0) as day, count(*) as month
                       from coupons cp
                      where cp.guide_id = :guideId and cp.issued_at >= c.month0 and cp.voided_at is null and cp.campaign_id is null
                      group by cp.template_id) i) as issued,
            c.birthday, c.today, c.timezone
       from c`,
    { customerId, guideId },
  );
  const r = res.rows[0]!;
  return {
    orders: r.orders,
    sinceLastPaid: r.last_paid ? daysBetween(localDay(r.last_paid, r.timezone), r.today) : null,
    toBirthday: daysToAnniversary(r.birthday, r.today),
    tier: r.orders > 0 ? valueTier(Number(r.spend180)) : null,
    redeemedTemplateIds: new Set(r.redeemed.map(Number)),
    openTemplateIds: new Set(r.open.map(Number)),
    today: r.today,
    guideIssuedToday: new Map(r.issued.map((i) => [Number(i.t), Number(i.day)])),
    guideIssuedMonth: new Map(r.issued.map((i) => [Number(i.t), Number(i.month)])),
  };
}

/** Every coupon template with whether this guide may offer it to this customer, and why not. */
export async function couponOffers(db: Db, p: GuidePrincipal, externalUserid: string): Promise<CouponOffers> {
  const customerId = await followedCustomerId(db, p, externalUserid);
  const [templates, facts] = await Promise.all([
    db('coupon_templates')
      .where({ corp_id: p.corpId })
      .orderBy('id')
      .select<TemplateRow[]>(TEMPLATE_COLUMNS.map((c) => db.raw(c))),
    couponFacts(db, customerId, p.guideId),
  ]);
  return {
    offers: templates.map((t) => {
      const reason = couponIneligibility(ruleOf(t), facts);
      return { templateId: t.id, eligible: reason === null, reason };
    }),
  };
}

export async function issueCoupon(
  ctx: AppContext,
  p: GuidePrincipal,
  externalUserid: string,
  templateId: number,
): Promise<CouponView> {
  const customerId = await followedCustomerId(ctx.db, p, externalUserid);
  const issued = await ctx.db.transaction(async (trx) => {
    // One issue of a template by a guide at a time: her limits are counted and kept under the lock.
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`coupon-issue:${p.guideId}:${templateId}`]);
    const tpl = await trx('coupon_templates')
      .where({ corp_id: p.corpId, id: templateId })
      .first<TemplateRow | undefined>(TEMPLATE_COLUMNS.map((c) => trx.raw(c)));
    if (!tpl) throw new AppError('NOT_FOUND', `no coupon template ${templateId}`, { field: 'body.templateId' });
    if (!tpl.enabled)
      throw new AppError('CONFLICT', `coupon template ${tpl.name} is switched off`, { field: 'body.templateId' });
    const facts = await couponFacts(trx, customerId, p.guideId);
    const reason = couponIneligibility(ruleOf(tpl), facts);
    if (reason === 'guide_daily_limit' || reason === 'guide_monthly_limit') {
      const daily = reason === 'guide_daily_limit';
      throw new AppError(
        'COUPON_LIMIT_REACHED',
        `you have issued ${daily ? tpl.guide_daily_limit : tpl.guide_monthly_limit} of ${tpl.name} ${daily ? 'today' : 'this month'}, its limit per guide`,
        {
          field: 'body.templateId',
          details: { reason, limit: daily ? tpl.guide_daily_limit : tpl.guide_monthly_limit },
        },
      );
    }
    if (reason)
      throw new AppError(
        'NOT_ELIGIBLE',
        `coupon template ${tpl.name} may not be offered to this customer (${reason})`,
        {
          field: 'body.templateId',
          details: { reason },
        },
      );
    const timeZone = (await trx('corps').where({ id: p.corpId }).first<{ timezone: string }>('timezone')).timezone;
    const issuedAt = new Date();
    const expiresAt = couponExpiry({ validDays: tpl.valid_days, validUntil: tpl.valid_until }, issuedAt, timeZone);
    const code = couponCode();
    // Only a code reserved for the chat: it becomes the customer's (and evidence) when its send
    // succeeds (recordSend); a sheet closed without sending voids it. It keeps the template's
    // terms as they are now: a later edit of the template does not change it.
    await trx('coupons').insert({
      corp_id: p.corpId,
      template_id: tpl.id,
      code,
      customer_id: customerId,
      guide_id: p.guideId,
      issued_at: issuedAt,
      expires_at: expiresAt,
      status: 'issued',
      name: tpl.name,
      kind: tpl.kind,
      value_fen: tpl.value_fen,
      discount_bp: tpl.discount_bp,
      min_spend_fen: tpl.min_spend_fen,
    });
    return { tpl, code, issuedAt, expiresAt };
  });
  const { tpl, code, issuedAt, expiresAt } = issued;
  return {
    code,
    name: tpl.name,
    kind: tpl.kind,
    valueFen: tpl.value_fen === null ? null : Number(tpl.value_fen),
    discountBp: tpl.discount_bp,
    minSpendFen: Number(tpl.min_spend_fen),
    issuedAt: issuedAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
    byMe: true,
  };
}

const groupCache = z.object({
  name: z.string(),
  memberUserids: z.array(z.string()),
  externalUserids: z.array(z.string()),
  others: z.number(),
});
type GroupMembers = z.infer<typeof groupCache>;

/**
 * Group chat members from WeCom (groupchat/get), cached briefly: the chat toolbar reopens often.
 * `memberUserids` are the corp's own members (type 1), `externalUserids` the customers (type 2).
 */
export async function groupMembers(ctx: AppContext, corpId: number, chatId: string): Promise<GroupMembers> {
  const key = `${ctx.cfg.QUEUE_PREFIX}:cache:group-members:${corpId}:${chatId}`;
  const hit = await ctx.redis.get(key);
  if (hit) {
    const cached = groupCache.safeParse(JSON.parse(hit));
    if (cached.success) return cached.data;
  }
  const client = await getWecomClient(ctx, corpId);
  const g = await client.groupChatGet(chatId);
  const members = g.group_chat.member_list;
  const value: GroupMembers = {
    name: g.group_chat.name ?? '',
    memberUserids: members.filter((m) => m.type === 1).map((m) => m.userid),
    externalUserids: members.filter((m) => m.type === 2).map((m) => m.userid),
    others: members.filter((m) => m.type !== 2).length,
  };
  await ctx.redis.set(key, JSON.stringify(value), 'EX', 60);
  return value;
}

/** The group, if this guide is one of its members; otherwise neither its name nor its customers are shown. */
async function memberGroup(ctx: AppContext, p: GuidePrincipal, chatId: string): Promise<GroupMembers> {
  const g = await groupMembers(ctx, p.corpId, chatId);
  if (!g.memberUserids.includes(p.userid))
    throw new AppError('NOT_GROUP_MEMBER', 'you are not a member of this customer group', { field: 'chatId' });
  return g;
}

export async function groupView(ctx: AppContext, p: GuidePrincipal, chatId: string) {
  const g = await memberGroup(ctx, p, chatId);
  const rows = g.externalUserids.length
    ? await ctx
        .db('customers as c')
        .leftJoin('customer_guides as cg', function () {
          this.on('cg.customer_id', 'c.id').andOnVal('cg.guide_id', p.guideId).andOnNull('cg.ended_at');
        })
        .where({ 'c.corp_id': p.corpId })
        .whereIn('c.external_userid', g.externalUserids)
        .select<
          {
            external_userid: string;
            name: string;
            avatar: string | null;
            rel: number | null;
            remark: string | null;
            phone_masked: string | null;
            added_at: Date | null;
          }[]
        >('c.external_userid', 'c.name', 'c.avatar', 'cg.id as rel', 'cg.remark', 'c.phone_masked', 'cg.added_at')
    : [];
  const customers = rows.map((r) => ({
    externalUserid: r.external_userid,
    name: r.name,
    avatar: r.avatar,
    followedByMe: r.rel !== null,
    // Only her own customers are told apart; of the others she sees the name alone.
    remark: r.rel !== null ? r.remark : null,
    phoneTail: r.rel !== null && r.phone_masked ? r.phone_masked.slice(-4) : null,
    addedAt: r.rel !== null && r.added_at ? r.added_at.toISOString() : null,
  }));
  customers.sort((a, b) => Number(b.followedByMe) - Number(a.followedByMe));
  return { chatId, name: g.name, customers, others: g.others + (g.externalUserids.length - rows.length) };
}
