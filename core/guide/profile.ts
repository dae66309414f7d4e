/**
 * The customer panel: profile, tags by family (with the derived ones), sizes, last purchases,
 * open coupons and a timeline, in one statement and one round trip — it runs every time a
 * guide opens a chat. A guide's coupon is in the timeline once, as its send (a coupon_issue
 * interaction); coupons the customer got elsewhere (no guide) as coupon_issued.
 */
import { z } from 'zod';
import type { Profile } from '../contracts/sidebar';
import { ttlCache } from '../cache';
import type { Db } from '../db/knex';
import { prepare, runPrepared } from '../db/prepared';
import { type GuidePrincipal, explainMissing } from './access';
import { babyStage, valueTier } from './derive';

const SQL = `
with c as (
  select c.id, c.external_userid, c.name, c.avatar, c.gender, c.phone_masked, c.member_no, c.birthday, c.baby_birthday, c.city,
         cg.remark, cg.added_at, cg.add_way, cg.state, cg.is_exclusive,
         (now() at time zone k.timezone)::date as today
    from customers c
    join customer_guides cg on cg.customer_id = c.id and cg.guide_id = :guideId and cg.ended_at is null
    join corps k on k.id = c.corp_id
   where c.corp_id = :corpId and c.external_userid = :ext
)
select json_build_object(
  'c', (select row_to_json(c) from c),
  'channelName', (select cc.name from channel_codes cc, c where cc.corp_id = :corpId and cc.state = c.state),
  'exclusive', (select json_build_object('name', g.name, 'me', g.id = :guideId) from customer_guides x join guides g on g.id = x.guide_id, c
                 where x.customer_id = c.id and x.is_exclusive and x.ended_at is null limit 1),
  'inheritedFrom', (select g.name from customer_successions s join guides g on g.id = s.handover_guide_id, c
                 where s.customer_id = c.id and s.takeover_guide_id = :guideId and s.status = 'done' order by s.takeover_at desc limit 1),
  'tags', (select coalesce(json_agg(json_build_object('id', t.id, 'name', t.name, 'groupName', tg.name, 'family', tg.kind, 'source', ct.source) order by tg."order", t."order"), '[]')
             from c join customer_tags ct on ct.customer_id = c.id and (ct.guide_id = :guideId or ct.guide_id is null)
             join tags t on t.id = ct.tag_id and t.deleted_at is null
             join tag_groups tg on tg.id = t.group_id and tg.deleted_at is null),
  'sizes', (select coalesce(json_agg(json_build_object('category', s.category, 'size', s.size, 'source', s.source, 'confidence', s.confidence, 'updatedAt', s.updated_at) order by s.category), '[]')
             from c join customer_sizes s on s.customer_id = c.id),
  'spend', (select json_build_object('d180', coalesce(sum(o.net_fen) filter (where o.paid_at >= now() - interval '180 days'), 0), 'orders', count(*), 'last', max(o.paid_at))
             from c join orders o on o.customer_id = c.id),
  'refunded180', (select coalesce(sum(r.amount_fen), 0) from c join orders o on o.customer_id = c.id and o.paid_at >= now() - interval '180 days' join refunds r on r.order_id = o.id),
  'last', (select coalesce(json_agg(x order by x."paidAt" desc), '[]') from (
             select o.order_no as "orderNo", o.paid_at as "paidAt", o.net_fen as "netFen", st.name as store,
                    (select coalesce(json_agg(coalesce(p.name, l.sku_code) || coalesce(' ' || l.size, '') order by l.line_no), '[]')
                       from order_lines l left join skus k on k.id = l.sku_id left join products p on p.id = k.product_id where l.order_id = o.id) as items
               from c join orders o on o.customer_id = c.id left join stores st on st.id = o.store_id
              order by o.paid_at desc limit 3) x),
  'coupons', (select coalesce(json_agg(json_build_object('code', cp.code, 'name', cp.name, 'kind', cp.kind, 'valueFen', cp.value_fen, 'discountBp', cp.discount_bp,
                 'minSpendFen', cp.min_spend_fen, 'issuedAt', cp.issued_at, 'expiresAt', cp.expires_at, 'byMe', cp.guide_id is not distinct from :guideId) order by cp.expires_at), '[]')
             from c join coupons cp on cp.customer_id = c.id and cp.status = 'sent' and cp.expires_at > now()),
  'timeline', (select coalesce(json_agg(e order by e.at desc), '[]') from (
      (select o.paid_at as at, 'order' as kind, o.order_no as title, o.net_fen as "amountFen", st.name as detail
         from c join orders o on o.customer_id = c.id left join stores st on st.id = o.store_id order by o.paid_at desc limit 10)
      union all
      (select r.refunded_at, 'refund', o.order_no, -r.amount_fen, null
         from c join orders o on o.customer_id = c.id join refunds r on r.order_id = o.id order by r.refunded_at desc limit 5)
      union all
      (select cp.issued_at, 'coupon_issued', cp.name, null, null
         from c join coupons cp on cp.customer_id = c.id and cp.guide_id is null order by cp.issued_at desc limit 5)
      union all
      (select cp.redeemed_at, 'coupon_redeemed', cp.name, null, null
         from c join coupons cp on cp.customer_id = c.id and cp.redeemed_at is not null order by cp.redeemed_at desc limit 5)
      union all
      (select i.occurred_at, 'interaction', i.kind::text, null, g.name
         from c join interactions i on i.customer_id = c.id and i.occurred_at >= :since and i.occurred_at < now() + interval '1 day'
          and i.occurred_at >= '{monthFrom}' and i.occurred_at < '{monthTo}'
         join guides g on g.id = i.guide_id order by i.occurred_at desc limit 15)
    ) e)
) as p`;

/**
 * Interactions in the timeline go back this far, and reach tomorrow at the latest.
 */
const TIMELINE_DAYS = 180;

/**
 * The statement for a timeline window, named by the UTC months it spans. Those month bounds are
 * constants in its text, so the plan holds only the interactions partitions of those months: a
 * generic plan over the whole table would lock every monthly partition on each execution (far
 * more than a backend's fast-path lock slots), and under concurrent chat-opens that lock traffic
 * costs more than the statement's own reads. A new statement is prepared once a month.
 */
const statements = new Map<string, ReturnType<typeof prepare>>();
export function timelineStatement(since: Date, now: Date): ReturnType<typeof prepare> {
  const from = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), 1));
  const tomorrow = new Date(now.getTime() + 86_400_000);
  const to = new Date(Date.UTC(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth() + 1, 1));
  const key = `${from.toISOString().slice(0, 7)}_${to.toISOString().slice(0, 7)}`.replaceAll('-', '');
  let stmt = statements.get(key);
  if (!stmt) {
    stmt = prepare(
      `sidebar_profile_${key}`,
      SQL.replace('{monthFrom}', from.toISOString()).replace('{monthTo}', to.toISOString()),
    );
    statements.set(key, stmt);
  }
  return stmt;
}

const row = z.object({
  c: z
    .object({
      id: z.number(),
      external_userid: z.string(),
      name: z.string(),
      avatar: z.string().nullable(),
      gender: z.number(),
      phone_masked: z.string().nullable(),
      member_no: z.string().nullable(),
      birthday: z.string().nullable(),
      baby_birthday: z.string().nullable(),
      city: z.string().nullable(),
      remark: z.string().nullable(),
      added_at: z.string(),
      add_way: z.number(),
      state: z.string().nullable(),
      is_exclusive: z.boolean(),
      today: z.string(),
    })
    .nullable(),
  channelName: z.string().nullable(),
  exclusive: z.object({ name: z.string(), me: z.boolean() }).nullable(),
  inheritedFrom: z.string().nullable(),
  tags: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      groupName: z.string(),
      family: z.enum(['value', 'stage', 'preference', 'size', 'channel', 'custom']),
      source: z.enum(['wecom', 'guide', 'rule']),
    }),
  ),
  sizes: z.array(
    z.object({
      category: z.string(),
      size: z.string(),
      source: z.enum(['purchase', 'guide']),
      confidence: z.number(),
      updatedAt: z.string(),
    }),
  ),
  spend: z.object({ d180: z.number(), orders: z.number(), last: z.string().nullable() }),
  refunded180: z.number(),
  last: z.array(
    z.object({
      orderNo: z.string(),
      paidAt: z.string(),
      netFen: z.number(),
      store: z.string().nullable(),
      items: z.array(z.string()),
    }),
  ),
  coupons: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      kind: z.enum(['cash', 'discount']),
      valueFen: z.number().nullable(),
      discountBp: z.number().nullable(),
      minSpendFen: z.number(),
      issuedAt: z.string(),
      expiresAt: z.string(),
      byMe: z.boolean(),
    }),
  ),
  timeline: z.array(
    z.object({
      at: z.string(),
      kind: z.enum(['order', 'refund', 'coupon_issued', 'coupon_redeemed', 'interaction']),
      title: z.string(),
      amountFen: z.number().nullable(),
      detail: z.string().nullable(),
    }),
  ),
});

/** The tenant's value-tier and life-stage tags, which derived tags are matched to; they change rarely, so cached per corp for a minute. */
interface StageTag {
  id: number;
  name: string;
  groupName: string;
}
const stageTagsOf = ttlCache<number, StageTag[]>(60_000);

function stageTags(db: Db, corpId: number): Promise<StageTag[]> {
  return stageTagsOf(corpId, () =>
    db('tags as t')
      .join('tag_groups as tg', 'tg.id', 't.group_id')
      .where({ 't.corp_id': corpId })
      .whereIn('tg.kind', ['stage', 'value'])
      .whereNull('t.deleted_at')
      .whereNull('tg.deleted_at')
      .select<StageTag[]>('t.id', 't.name', 'tg.name as groupName'),
  );
}

export async function customerProfile(db: Db, p: GuidePrincipal, externalUserid: string): Promise<Profile> {
  const now = new Date();
  const since = new Date(now.getTime() - TIMELINE_DAYS * 86_400_000);
  const [[res], known] = await Promise.all([
    runPrepared<{ p: unknown }>(db, timelineStatement(since, now), {
      corpId: p.corpId,
      guideId: p.guideId,
      ext: externalUserid,
      since,
    }),
    stageTags(db, p.corpId),
  ]);
  const r = row.parse(res!.p);
  if (!r.c) return explainMissing(db, p, externalUserid);
  const c = r.c;
  const spend180 = r.spend.d180 - r.refunded180;
  // A derived tag only where its input exists: no value tier for a customer who never bought,
  // no stage without a baby's birth date; each carries the rule and input that made it.
  const tier = r.spend.orders > 0 ? valueTier(spend180) : null;
  const stage = babyStage(c.baby_birthday, c.today);
  const babyAgeMonths = c.baby_birthday ? Math.max(0, monthsBetween(c.baby_birthday, c.today)) : null;
  const tags: Profile['tags'] = r.tags.map((t) => ({ ...t, derived: false }));
  const derived: [string | null, 'value' | 'stage', NonNullable<Profile['tags'][number]['rule']>][] = [
    [tier, 'value', { code: 'spend_180d', value: spend180 }],
    [stage, 'stage', { code: 'baby_age_months', value: babyAgeMonths ?? 0 }],
  ];
  for (const [name, family, rule] of derived) {
    // Shown only where the system disagrees with (or adds to) what WeCom and the guide set.
    if (!name || tags.some((t) => t.name === name)) continue;
    const tag = known.find((t) => t.name === name);
    tags.push({ id: tag?.id ?? 0, name, groupName: tag?.groupName ?? '', family, source: 'rule', derived: true, rule });
  }
  return {
    customer: {
      externalUserid: c.external_userid,
      name: c.name,
      remark: c.remark,
      avatar: c.avatar,
      gender: c.gender,
      phoneMasked: c.phone_masked,
      memberNo: c.member_no,
      birthday: c.birthday,
      babyBirthday: c.baby_birthday,
      babyAgeMonths,
      city: c.city,
      addedAt: c.added_at,
      addWay: c.add_way,
      channel: c.state,
      channelName: r.channelName,
      exclusiveGuide: r.exclusive?.name ?? null,
      exclusiveIsMe: r.exclusive?.me ?? false,
      inheritedFrom: r.inheritedFrom,
    },
    valueTier: tier,
    spend: { last180DaysFen: spend180, orders: r.spend.orders, lastPurchaseAt: r.spend.last },
    tags,
    sizes: r.sizes,
    lastPurchases: r.last,
    openCoupons: r.coupons,
    timeline: r.timeline.slice(0, 30),
  };
}

function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  return (ty - fy) * 12 + (tm - fm) - (td < fd ? 1 : 0);
}
