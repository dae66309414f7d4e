/**
 * What a campaign did: completion per guide, the guide's own task list, and ROI against the
 * holdout. ROI counts, per recipient, the sales in [send, send + window) — the send being the
 * campaign's dispatch, so targeted and held-out customers are measured over the same days —
 * credited sales by path (the attribution engine's live credits on those orders), coupons of the
 * campaign redeemed and their cost. Lift compares sales per customer, targeted vs held out.
 */
import type { z } from 'zod';
import type { Principal } from '../auth/principal';
import { scopeOf, type Scope } from '../access/scope';
import type { CampaignRoi, campaignProgress, campaignSummary } from '../contracts/campaigns';
import type { Db } from '../db/knex';
import { AppError } from '../errors';

type Summary = z.infer<typeof campaignSummary>;

/** Recipients the principal may see: a store's or region's managers their stores, a guide her own. */
function recipientScope(s: Scope): { sql: string; bindings: (number | number[])[] } {
  if (s.level === 'corp') return { sql: 'true', bindings: [] };
  if (s.level === 'guide') return { sql: 'r.guide_id = ?', bindings: [s.guideId] };
  return { sql: 'r.store_id = any(?::bigint[])', bindings: [s.storeIds] };
}

export async function listCampaigns(db: Db, p: Principal): Promise<Summary[]> {
  const scope = await scopeOf(db, p);
  const f = recipientScope(scope);
  const rows = await db.raw<{ rows: SummaryRow[] }>(
    `${SUMMARY_SELECT.replace('RSCOPE', f.sql)} where c.corp_id = ? group by c.id order by c.id desc limit 200`,
    [...f.bindings, p.corpId],
  );
  return rows.rows.map(toSummary);
}

interface SummaryRow {
  id: string;
  name: string;
  channel: 'mass_message' | 'moment';
  scheduled_at: Date;
  dispatched_at: Date | null;
  cancelled_at: Date | null;
  recipients: string;
  holdout: string;
  sent: string;
  unreachable: string;
}
const SUMMARY_SELECT = `
  select c.id, c.name, c.channel, c.scheduled_at, c.dispatched_at, c.cancelled_at,
         count(r.customer_id) as recipients,
         count(r.customer_id) filter (where r.holdout) as holdout,
         count(r.customer_id) filter (where r.status = 'sent') as sent,
         count(r.customer_id) filter (where r.status = 'unreachable') as unreachable
    from campaigns c left join campaign_recipients r on r.campaign_id = c.id and RSCOPE`;
const toSummary = (r: SummaryRow): Summary => ({
  id: Number(r.id),
  name: r.name,
  channel: r.channel,
  scheduledAt: r.scheduled_at.toISOString(),
  dispatchedAt: r.dispatched_at?.toISOString() ?? null,
  cancelledAt: r.cancelled_at?.toISOString() ?? null,
  recipients: Number(r.recipients),
  holdout: Number(r.holdout),
  sent: Number(r.sent),
  unreachable: Number(r.unreachable),
});

async function summary(db: Db, corpId: number, scope: Scope, id: number): Promise<Summary> {
  const f = recipientScope(scope);
  const rows = await db.raw<{ rows: SummaryRow[] }>(
    `${SUMMARY_SELECT.replace('RSCOPE', f.sql)} where c.corp_id = ? and c.id = ? group by c.id`,
    [...f.bindings, corpId, id],
  );
  const row = rows.rows[0];
  if (!row) throw new AppError('NOT_FOUND', `no campaign ${id}`, { field: 'params.campaignId' });
  return toSummary(row);
}

/** Completion per guide (managers), the unreachable customers by reason, recipients by status. */
export async function campaignProgressOf(
  db: Db,
  p: Principal,
  campaignId: number,
): Promise<z.infer<typeof campaignProgress>> {
  const scope = await scopeOf(db, p);
  const campaign = await summary(db, p.corpId, scope, campaignId);
  const f = recipientScope(scope);
  const byStatus = await db.raw<{ rows: { status: string; n: string }[] }>(
    `select r.status, count(*) as n from campaign_recipients r where r.campaign_id = ? and ${f.sql} group by r.status`,
    [campaignId, ...f.bindings],
  );
  const unreachable = await db.raw<{ rows: { reason: string; n: string }[] }>(
    `select coalesce(r.reason, 'unknown') as reason, count(*) as n from campaign_recipients r
      where r.campaign_id = ? and r.status = 'unreachable' and ${f.sql} group by 1 order by 2 desc`,
    [campaignId, ...f.bindings],
  );
  const guides = await db.raw<{
    rows: {
      guide_id: string;
      guide_name: string;
      store_name: string;
      customers: string;
      sent: string;
      confirmed: boolean;
    }[];
  }>(
    `select r.guide_id, g.name as guide_name, st.name as store_name,
            count(*) filter (where r.status not in ('holdout', 'unreachable')) as customers,
            count(*) filter (where r.status = 'sent') as sent,
            bool_or(t.confirmed_at is not null) as confirmed
       from campaign_recipients r
       join guides g on g.id = r.guide_id
       join stores st on st.id = g.store_id
       left join campaign_tasks t on t.campaign_id = r.campaign_id and t.guide_id = r.guide_id
      where r.campaign_id = ? and not r.holdout and ${f.sql}
      group by r.guide_id, g.name, st.name
      order by st.name, g.name`,
    [campaignId, ...f.bindings],
  );
  return {
    campaign,
    byStatus: Object.fromEntries(byStatus.rows.map((r) => [r.status, Number(r.n)])),
    unreachable: unreachable.rows.map((r) => ({ reason: r.reason, customers: Number(r.n) })),
    guides: guides.rows.map((r) => ({
      guideId: Number(r.guide_id),
      guideName: r.guide_name,
      storeName: r.store_name,
      customers: Number(r.customers),
      sent: Number(r.sent),
      confirmed: Boolean(r.confirmed),
    })),
  };
}

/** A guide's campaign sends: pending or done, with the content, how many customers and the deadline. */
export async function guideCampaignTasks(db: Db, corpId: number, guideId: number) {
  const rows = await db.raw<{
    rows: {
      campaign_id: string;
      name: string;
      channel: 'mass_message' | 'moment';
      content: { text: string };
      customers: number;
      sent: number;
      confirmed_at: Date | null;
      created_at: Date;
    }[];
  }>(
    `select t.campaign_id, c.name, c.channel, c.content, t.customers, t.sent, t.confirmed_at, c.dispatched_at as created_at
       from campaign_tasks t join campaigns c on c.id = t.campaign_id
      where t.corp_id = ? and t.guide_id = ? and c.cancelled_at is null
      order by c.dispatched_at desc limit 50`,
    [corpId, guideId],
  );
  return rows.rows.map((r) => ({
    campaignId: Number(r.campaign_id),
    name: r.name,
    channel: r.channel,
    text: r.content.text,
    customers: r.customers,
    sent: r.sent,
    confirmed: r.confirmed_at !== null,
    // WeCom keeps a task open; the campaign asks for it within a day of the send.
    deadline: new Date(r.created_at.getTime() + 86_400_000).toISOString(),
  }));
}

interface RoiRow {
  key: string | null;
  label: string | null;
  recipients: string;
  reached: string;
  coupons_redeemed: string;
  sales_fen: string;
  buyers: string;
  credited: Record<string, string> | null;
  h_customers: string;
  h_sales_fen: string;
  h_buyers: string;
  cost_fen: string;
}

/**
 * One statement per grouping (none, store, guide): per recipient the orders paid in the window,
 * their live sale credits by rule, and the campaign's coupons redeemed.
 */
function roiSql(group: 'all' | 'store' | 'guide', scopeSql: string): string {
  const key = group === 'all' ? 'null::bigint' : group === 'store' ? 'r.store_id' : 'r.guide_id';
  const label =
    group === 'all'
      ? 'null::text'
      : group === 'store'
        ? '(select name from stores where id = r.store_id)'
        : '(select name from guides where id = r.guide_id)';
  return `
    with c as (select id, coalesce(dispatched_at, scheduled_at) as t0,
                      coalesce(dispatched_at, scheduled_at) + make_interval(days => window_days) as t1
                 from campaigns where corp_id = ? and id = ?),
    r as (select r.*, ${key} as k, ${label} as l from campaign_recipients r where r.campaign_id = (select id from c) and ${scopeSql}),
    o as (select r.k, r.customer_id, r.holdout, o.id as order_id, o.net_fen, o.discount_fen
            from r join orders o on o.customer_id = r.customer_id and o.corp_id = ?
           where o.paid_at >= (select t0 from c) and o.paid_at < (select t1 from c)),
    cr as (select o.k, cr.rule::text as rule, sum(cr.amount_fen) as fen
             from o join credits cr on cr.order_id = o.order_id and cr.superseded_at is null and cr.kind = 'sale'
            where not o.holdout group by o.k, cr.rule),
    cp as (select r.k, count(*) as redeemed,
                  sum(case when cp.kind = 'cash' then coalesce(cp.value_fen, 0) else coalesce(od.discount_fen, 0) end) as cost
             from r join coupons cp on cp.id = r.coupon_id and cp.redeemed_order_id is not null
             left join orders od on od.id = cp.redeemed_order_id
            group by r.k)
    select r.k::text as key, max(r.l) as label,
           count(*) filter (where not r.holdout) as recipients,
           count(*) filter (where r.status = 'sent') as reached,
           coalesce(max(cp.redeemed), 0) as coupons_redeemed,
           coalesce(max(cp.cost), 0) as cost_fen,
           coalesce((select sum(net_fen) from o where o.k is not distinct from r.k and not o.holdout), 0) as sales_fen,
           (select count(distinct customer_id) from o where o.k is not distinct from r.k and not o.holdout) as buyers,
           (select jsonb_object_agg(rule, fen) from cr where cr.k is not distinct from r.k) as credited,
           count(*) filter (where r.holdout) as h_customers,
           coalesce((select sum(net_fen) from o where o.k is not distinct from r.k and o.holdout), 0) as h_sales_fen,
           (select count(distinct customer_id) from o where o.k is not distinct from r.k and o.holdout) as h_buyers
      from r left join cp on cp.k is not distinct from r.k
     group by r.k
     order by r.k nulls last`;
}

const line = (r: RoiRow) => ({
  recipients: Number(r.recipients),
  reached: Number(r.reached),
  couponsRedeemed: Number(r.coupons_redeemed),
  creditedFen: Object.fromEntries(Object.entries(r.credited ?? {}).map(([k, v]) => [k, Number(v)])),
  salesFen: Number(r.sales_fen),
  buyers: Number(r.buyers),
});

export async function campaignRoiOf(db: Db, p: Principal, campaignId: number): Promise<CampaignRoi> {
  const scope = await scopeOf(db, p);
  await summary(db, p.corpId, scope, campaignId);
  const f = recipientScope(scope);
  const run = async (g: 'all' | 'store' | 'guide') =>
    (await db.raw<{ rows: RoiRow[] }>(roiSql(g, f.sql), [p.corpId, campaignId, ...f.bindings, p.corpId])).rows;
  const [all] = await run('all');
  const c = await db('campaigns')
    .where({ id: campaignId })
    .first<{ t0: Date; window_days: number }>(db.raw('coalesce(dispatched_at, scheduled_at) as t0'), 'window_days');
  const total =
    all ??
    ({
      recipients: '0',
      reached: '0',
      coupons_redeemed: '0',
      sales_fen: '0',
      buyers: '0',
      credited: null,
      h_customers: '0',
      h_sales_fen: '0',
      h_buyers: '0',
      cost_fen: '0',
      key: null,
      label: null,
    } satisfies RoiRow);
  const treatN = Number(total.recipients);
  const holdN = Number(total.h_customers);
  const treatAvg = treatN ? Number(total.sales_fen) / treatN : 0;
  const holdAvg = holdN ? Number(total.h_sales_fen) / holdN : 0;
  return {
    campaignId,
    windowFrom: c?.t0.toISOString() ?? null,
    windowTo: c ? new Date(c.t0.getTime() + c.window_days * 86_400_000).toISOString() : null,
    treatment: line(total),
    holdout: { customers: holdN, salesFen: Number(total.h_sales_fen), buyers: Number(total.h_buyers) },
    incrementalFen: holdN ? Math.round((treatAvg - holdAvg) * treatN) : 0,
    liftPercent: holdN && holdAvg > 0 ? Math.round((treatAvg / holdAvg - 1) * 1000) / 10 : null,
    costFen: Number(total.cost_fen),
    byStore: (await run('store')).map((r) => ({
      ...line(r),
      storeId: r.key === null ? null : Number(r.key),
      storeName: r.label,
    })),
    byGuide: (await run('guide')).map((r) => ({
      ...line(r),
      guideId: r.key === null ? null : Number(r.key),
      guideName: r.label,
    })),
  };
}
