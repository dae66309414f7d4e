/**
 * Segments and campaigns end to end against the sandbox WeCom: the segment count equals a direct
 * query; the holdout is random and stable per campaign; tasks go out per guide with the guide as
 * sender; unreachable customers are reported; results read back (repeatedly) give one interaction
 * and one coupon send per customer; a redeemed campaign coupon credits the guide and the ROI shows
 * it against the holdout.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { signSession } from '../../core/auth/session';
import type { Principal } from '../../core/auth/principal';
import { createCampaign, dispatchCampaign, pollCampaign } from '../../core/campaigns/campaigns';
import { campaignProgressOf, campaignRoiOf, guideCampaignTasks } from '../../core/campaigns/results';
import { holdoutBucket, materialiseRecipients, previewSegment, saveSegment } from '../../core/campaigns/segments';
import type { SegmentDefinition } from '../../core/contracts/campaigns';
import { ingestBatch } from '../../core/ingest/pos';
import { campaignPollJob } from '../../core/jobs/campaign.jobs';
import { startSandbox, type Sandbox } from '../../sandbox/wecom/server';
import { startWorkers, type RunningWorkers } from '../../workers/runtime';
import { createCorp, createCustomer, createGuide, createRegion, createStore, follow } from '../factories/org.factory';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import { sandboxCorp } from '../helpers/sandbox-corp';

let sb: Sandbox;
let ctx: TestContext;
let workers: RunningWorkers;
let corp: Awaited<ReturnType<typeof createCorp>>;
let admin: Principal;
let east: number;
let west: number;
const stores: Record<string, number> = {};
const guides: Record<string, { id: number; userid: string; userId: number }> = {};
const tags: Record<string, number> = {};
const customers: { id: number; externalUserid: string; memberNo: string }[] = [];
let scriptId: number;
let templateId: number;

const sandbox = (path: string, body?: unknown) =>
  fetch(
    `${sb.url}/sandbox/api/corps/${corp.wecomCorpId}${path}`,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  ).then(async (r) => {
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<Record<string, unknown>>;
  });

/** The customer's own guide by index: licui and zhangmin (east), wangfang (west), liuyang (east, left the company). */
const guideOf = (i: number) => ['licui', 'wangfang', 'zhangmin', 'liuyang'][i % 4]!;

beforeAll(async () => {
  sb = await startSandbox();
  ctx = await createTestContext({ WECOM_API_BASE: sb.url });
  workers = startWorkers(ctx);
  corp = await createCorp(ctx.db, ctx.secrets);
  east = await createRegion(ctx.db, corp.id, { name: '华东区' });
  west = await createRegion(ctx.db, corp.id, { name: '华西区' });
  stores.A = await createStore(ctx.db, corp.id, east, { code: 'S-A', name: '南京西路店' });
  stores.B = await createStore(ctx.db, corp.id, east, { code: 'S-B', name: '徐家汇店' });
  stores.C = await createStore(ctx.db, corp.id, west, { code: 'S-C', name: '春熙路店' });
  guides.licui = await createGuide(ctx.db, corp.id, stores.A, { userid: 'licui', name: '李翠' });
  guides.zhangmin = await createGuide(ctx.db, corp.id, stores.B, { userid: 'zhangmin', name: '张敏' });
  guides.wangfang = await createGuide(ctx.db, corp.id, stores.C, { userid: 'wangfang', name: '王芳' });
  guides.liuyang = await createGuide(ctx.db, corp.id, stores.A, { userid: 'liuyang', name: '刘洋' });
  await ctx.db('guides').where({ id: guides.liuyang.id }).update({ status: 'left', left_on: '2026-10-01' });
  const [u] = await ctx
    .db('users')
    .insert({ corp_id: corp.id, userid: 'hq', name: '总部', role: 'admin' })
    .returning<{ id: number }[]>('id');
  admin = {
    corpId: corp.id,
    userId: u!.id,
    userid: 'hq',
    name: '总部',
    role: 'admin',
    guideId: null,
    storeIds: [],
    regionIds: [],
  };
  const [grp] = await ctx
    .db('tag_groups')
    .insert({ corp_id: corp.id, wecom_group_id: 'etG1', name: '客户价值', kind: 'value' })
    .returning<{ id: number }[]>('id');
  const [stage] = await ctx
    .db('tag_groups')
    .insert({ corp_id: corp.id, wecom_group_id: 'etG2', name: '宝宝月龄', kind: 'stage' })
    .returning<{ id: number }[]>('id');
  for (const [key, name, group] of [
    ['vip', '超级VIP', grp!.id],
    ['active', '重点促活', grp!.id],
    ['baby06', '0-6个月', stage!.id],
    ['baby612', '6-12个月', stage!.id],
  ] as const) {
    const [t] = await ctx
      .db('tags')
      .insert({ corp_id: corp.id, group_id: group, wecom_tag_id: `et_${key}`, name })
      .returning<{ id: number }[]>('id');
    tags[key] = t!.id;
  }

  // 240 customers with a spread of tags, guides, sizes and relations.
  for (let i = 0; i < 240; i++) {
    const c = await createCustomer(ctx.db, corp.id, {
      externalUserid: `wmcamp${String(i).padStart(4, '0')}`,
      name: `客户${i}`,
      memberNo: `MB${i}`,
    });
    customers.push({ ...c, memberNo: `MB${i}` });
    await ctx
      .db('customer_identities')
      .insert({ corp_id: corp.id, kind: 'member_no', value: `MB${i}`, customer_id: c.id });
    const g = guides[guideOf(i)]!;
    await follow(ctx.db, corp.id, c.id, g.id);
    // Every 10th (from 6) deleted their guide.
    if (i % 10 === 6)
      await ctx
        .db('customer_guides')
        .where({ customer_id: c.id })
        .update({ ended_at: new Date('2026-11-01T00:00:00Z'), end_reason: 'customer_deleted' });
    const own: number[] = [];
    if (i % 3 === 0) own.push(tags.vip!);
    else if (i % 3 === 1) own.push(tags.active!);
    if (i % 2 === 0) own.push(tags.baby06!);
    else if (i % 5 === 0) own.push(tags.baby612!);
    for (const tagId of own)
      await ctx
        .db('customer_tags')
        .insert({ corp_id: corp.id, customer_id: c.id, guide_id: g.id, tag_id: tagId, source: 'wecom' });
    await ctx.db('customer_sizes').insert({
      corp_id: corp.id,
      customer_id: c.id,
      category: 'shoes',
      size: String(35 + (i % 6)),
      source: 'purchase',
    });
  }

  // The sandbox mirrors the corp: members, and each customer followed by the same guide.
  await sandboxCorp(sb.url, corp, { name: '测试' });
  await sandbox('/members', {
    members: Object.values(guides)
      .filter((g) => g.userid !== 'liuyang')
      .map((g) => ({ userid: g.userid, name: g.userid })),
  });
  await sandbox('/contacts', {
    contacts: customers
      .filter((_, i) => i % 10 !== 6 && guideOf(i) !== 'liuyang')
      .map((c) => ({
        external_userid: c.externalUserid,
        name: c.externalUserid,
        follow_user: [{ userid: guideOf(customers.indexOf(c)), createtime: 1_767_000_000 }],
      })),
  });

  const [cat] = await ctx
    .db('script_categories')
    .insert({ corp_id: corp.id, name: '活动', scenario: 'promotion' })
    .returning<{ id: number }[]>('id');
  const [s] = await ctx
    .db('scripts')
    .insert({
      corp_id: corp.id,
      category_id: cat!.id,
      title: '母婴会员日',
      parts: JSON.stringify([
        { type: 'text', text: '{{称呼}}好，我是{{门店}}的{{导购}}，会员日{{优惠券}}' },
        {
          type: 'news',
          title: '会员日',
          desc: '全场',
          link: 'https://example.com/day',
          imgUrl: 'https://example.com/a.png',
        },
      ]),
    })
    .returning<{ id: number }[]>('id');
  scriptId = s!.id;
  const [tpl] = await ctx
    .db('coupon_templates')
    .insert({
      corp_id: corp.id,
      code: 'T50',
      name: '满300减50',
      kind: 'cash',
      value_fen: 5000,
      min_spend_fen: 30000,
      valid_days: 14,
    })
    .returning<{ id: number }[]>('id');
  templateId = tpl!.id;
});

afterAll(async () => {
  await workers?.close();
  if (ctx) await destroyTestContext(ctx);
  await sb?.close();
});

/** The segment as one hand-written query, independent of core/campaigns/segments.ts. */
async function directCount(where: string, bindings: number[]): Promise<number> {
  const r = await ctx.db.raw<{ rows: { n: string }[] }>(
    `select count(*) as n from customers c
      left join lateral (select g.store_id from customer_guides cg join guides g on g.id = cg.guide_id
                          where cg.customer_id = c.id limit 1) own on true
      where c.corp_id = ? and ${where}`,
    [corp.id, ...bindings],
  );
  return Number(r.rows[0]!.n);
}
const hasTag = (ids: number[]) =>
  `exists (select 1 from customer_tags t where t.customer_id = c.id and t.tag_id in (${ids.join(',')}))`;

describe('segments', () => {
  it('counts equal a direct query, for tags, region, store, sizes and their combinations', async () => {
    const cases: [SegmentDefinition, string, number[]][] = [
      [{ tags: [[tags.vip!]] }, hasTag([tags.vip!]), []],
      [
        { tags: [[tags.vip!], [tags.baby06!]], regionIds: [east] },
        `${hasTag([tags.vip!])} and ${hasTag([tags.baby06!])} and own.store_id in (select id from stores where region_id = ?)`,
        [east],
      ],
      [
        { tags: [[tags.vip!, tags.active!]], storeIds: [stores.C!] },
        `${hasTag([tags.vip!, tags.active!])} and own.store_id = ?`,
        [stores.C!],
      ],
      [
        { tags: [[tags.baby612!]], sizes: { category: 'shoes', sizes: ['37', '38'] } },
        `${hasTag([tags.baby612!])} and exists (select 1 from customer_sizes s where s.customer_id = c.id and s.size in ('37','38'))`,
        [],
      ],
    ];
    for (const [def, where, b] of cases) {
      const preview = await previewSegment(ctx.db, admin, def);
      const direct = await directCount(where, b);
      expect(direct).toBeGreaterThan(0);
      expect(preview.count, JSON.stringify(def)).toBe(direct);
    }
  });

  it('reports customers whose guide left or who deleted their guide as unreachable, with the reason', async () => {
    const preview = await previewSegment(ctx.db, admin, { tags: [] });
    expect(preview.count).toBe(240);
    // guide left: i % 4 === 3 (60); deleted their guide: i % 10 === 6 (24).
    expect(preview.unreachable).toBe(60 + 24);
    expect(preview.sample).toHaveLength(20);
    expect(preview.sample.filter((s) => s.reason === 'customer_deleted').length).toBeGreaterThan(0);
  });

  it('a regional manager counts only her region', async () => {
    const east06 = await previewSegment(ctx.db, admin, { tags: [[tags.baby06!]], regionIds: [east] });
    const mgr: Principal = { ...admin, role: 'regional_manager', regionIds: [east] };
    expect((await previewSegment(ctx.db, mgr, { tags: [[tags.baby06!]] })).count).toBe(east06.count);
  });
});

describe('the holdout', () => {
  it('is random, close to its share, different per campaign and stable for one', async () => {
    const all: SegmentDefinition = { tags: [] };
    const scope = { corpId: corp.id, level: 'corp' as const };
    const seg = await saveSegment(ctx.db, admin, { name: '全部客户', definition: all });
    const pick = async (seed: string) => {
      const [c] = await ctx
        .db('campaigns')
        .insert({
          corp_id: corp.id,
          name: `holdout ${seed}`,
          channel: 'mass_message',
          segment_id: seg.id,
          definition: JSON.stringify(all),
          content: JSON.stringify({ text: 'x', links: [], skipped: [] }),
          holdout_bp: 2500,
          holdout_seed: seed,
          scheduled_at: new Date(),
        })
        .returning<{ id: number }[]>('id');
      const campaign = { campaignId: c!.id, corpId: corp.id, scope, definition: all, seed, holdoutBp: 2500 };
      await materialiseRecipients(ctx.db, campaign, new Date());
      const held = () =>
        ctx
          .db('campaign_recipients')
          .where({ campaign_id: c!.id, holdout: true })
          .orderBy('customer_id')
          .pluck<string[]>('customer_id')
          .then((ids) => ids.map(Number));
      const first = await held();
      // Materialising again (a retried job) moves nobody.
      await ctx.db('campaign_recipients').where({ campaign_id: c!.id }).delete();
      await materialiseRecipients(ctx.db, campaign, new Date());
      expect(await held()).toEqual(first);
      return first;
    };
    const a = await pick('seed-a');
    const b = await pick('seed-b');
    // 25% of 240 = 60; a binomial(240, 0.25) is within 60 ± 25 with overwhelming probability.
    for (const h of [a, b]) expect(Math.abs(h.length - 60)).toBeLessThan(25);
    expect(a).not.toEqual(b);
    // The SQL bucket is the documented hash: md5(seed:customer) mod 10000.
    expect(a).toEqual(customers.map((c) => c.id).filter((id) => holdoutBucket('seed-a', id) < 2500));
  });
});

describe('a campaign through the guides', () => {
  let campaignId: number;
  const vip06East: SegmentDefinition = { tags: [[0]], regionIds: [] };

  it('creates per-guide tasks with the guide as sender, holds out and reports the unreachable', async () => {
    vip06East.tags = [[tags.vip!], [tags.baby06!]];
    vip06East.regionIds = [east];
    const seg = await saveSegment(ctx.db, admin, { name: 'VIP 0-6个月 华东', definition: vip06East });
    const created = await createCampaign(ctx, admin, {
      name: '母婴会员日',
      channel: 'mass_message',
      segmentId: seg.id,
      scriptId,
      couponTemplateId: templateId,
      holdoutPercent: 20,
      windowDays: 7,
    });
    campaignId = created.id;
    expect(created.recipients).toBe((await previewSegment(ctx.db, admin, vip06East)).count);
    await ctx.queues.drain();

    const tasks = await ctx.db('campaign_tasks').where({ campaign_id: campaignId }).orderBy('guide_id');
    const recips = await ctx.db('campaign_recipients').where({ campaign_id: campaignId });
    const tasked = recips.filter((r) => r.status === 'tasked');
    expect(new Set(tasks.map((t) => Number(t.guide_id)))).toEqual(new Set(tasked.map((r) => Number(r.guide_id))));
    expect(recips.filter((r) => r.status === 'pending')).toHaveLength(0);
    expect(recips.filter((r) => r.holdout).every((r) => r.status === 'holdout' && r.coupon_id === null)).toBe(true);
    expect(recips.filter((r) => r.status === 'unreachable').length).toBeGreaterThan(0);
    // Each guide's task is in the sandbox as hers, with her customers only, waiting for her.
    for (const t of tasks) {
      const g = Object.values(guides).find((x) => x.id === Number(t.guide_id))!;
      const pending = (await sandbox(`/members/${g.userid}/pending-mass-messages`)) as {
        groupMsgs: { msgid: string; customers: number; text: string }[];
      };
      const mine = pending.groupMsgs.find((m) => m.msgid === t.msgid)!;
      expect(mine.customers).toBe(t.customers);
      expect(mine.text).toContain('会员日专属优惠券已放入您的会员账户');
    }
    // Each tasked customer has an issued (not yet sent) coupon of her guide.
    const coupons = await ctx.db('coupons').where({ campaign_id: campaignId });
    expect(coupons).toHaveLength(tasked.length);
    expect(coupons.every((c) => c.sent_at === null)).toBe(true);
    // A dispatch run again tasks nobody twice.
    expect(await dispatchCampaign(ctx, corp.id, campaignId)).toEqual({ tasks: 0, refused: 0 });

    const progress = await campaignProgressOf(ctx.db, admin, campaignId);
    expect(progress.guides.every((g) => !g.confirmed)).toBe(true);
    expect(progress.unreachable.map((u) => u.reason).sort()).toEqual(
      [...new Set(recips.filter((r) => r.status === 'unreachable').map((r) => r.reason as string))].sort(),
    );
    const licuiTasks = await guideCampaignTasks(ctx.db, corp.id, guides.licui!.id);
    expect(licuiTasks[0]).toMatchObject({ campaignId, confirmed: false, sent: 0 });
  });

  it('reads results back into one interaction and one coupon send per customer, idempotently', async () => {
    const task = await ctx
      .db('campaign_tasks')
      .where({ campaign_id: campaignId, guide_id: guides.licui!.id })
      .first<{ msgid: string; customers: number }>();
    // One of licui's customers deletes her before she confirms: not sent, no interaction.
    const mine = await ctx
      .db('campaign_recipients as r')
      .join('customers as c', 'c.id', 'r.customer_id')
      .where({ 'r.campaign_id': campaignId, 'r.guide_id': guides.licui!.id, 'r.status': 'tasked' })
      .orderBy('r.customer_id')
      .select<{ customer_id: number; external_userid: string }[]>('r.customer_id', 'c.external_userid');
    await sandbox('/actions/customer-deletes-guide', { external_userid: mine[0]!.external_userid, userid: 'licui' });
    await sandbox('/actions/confirm-mass-message', { msgid: task!.msgid, userid: 'licui' });

    const interactions = () =>
      ctx.db('interactions').where({ corp_id: corp.id, source: 'campaign' }).orderBy('customer_id');
    const first = await pollCampaign(ctx, corp.id, campaignId);
    expect(first).toEqual({ sent: task!.customers - 1, newInteractions: task!.customers - 1 });
    const after1 = await interactions();
    // Polling again, through the worker job as the schedule does, changes nothing.
    await ctx.queues.enqueue(campaignPollJob, { corpId: corp.id, campaignId });
    await ctx.queues.drain();
    expect(await pollCampaign(ctx, corp.id, campaignId)).toEqual({ sent: 0, newInteractions: 0 });
    const after3 = await interactions();
    expect(after3).toEqual(after1);
    expect(after1.map((i) => Number(i.customer_id))).toEqual(mine.slice(1).map((m) => Number(m.customer_id)));
    expect(after1.every((i) => i.kind === 'message' && Number(i.guide_id) === guides.licui!.id)).toBe(true);

    const statuses = await ctx
      .db('campaign_recipients')
      .where({ campaign_id: campaignId, guide_id: guides.licui!.id, holdout: false })
      .orderBy('customer_id')
      .pluck<string[]>('status');
    expect(statuses).toEqual(['not_friend', ...statuses.slice(1).map(() => 'sent')]);
    const coupons = await ctx
      .db('coupons')
      .where({ campaign_id: campaignId, guide_id: guides.licui!.id })
      .whereNotNull('sent_at');
    expect(coupons).toHaveLength(task!.customers - 1);
    const progress = await campaignProgressOf(ctx.db, admin, campaignId);
    expect(progress.guides.find((g) => g.guideId === guides.licui!.id)).toMatchObject({
      confirmed: true,
      sent: task!.customers - 1,
    });
    expect(progress.guides.find((g) => g.guideId === guides.zhangmin!.id)).toMatchObject({ confirmed: false, sent: 0 });
  });

  it('credits the redeemed campaign coupon to the guide and shows ROI against the holdout', async () => {
    const reached = await ctx
      .db('campaign_recipients as r')
      .join('coupons as cp', 'cp.id', 'r.coupon_id')
      .join('customers as c', 'c.id', 'r.customer_id')
      .where({ 'r.campaign_id': campaignId, 'r.status': 'sent' })
      .orderBy('r.customer_id')
      .first<{ customer_id: number; code: string; external_userid: string }>(
        'r.customer_id',
        'cp.code',
        'c.external_userid',
      );
    const held = await ctx
      .db('campaign_recipients')
      .where({ campaign_id: campaignId, holdout: true })
      .orderBy('customer_id')
      .first<{ customer_id: number }>('customer_id');
    const member = (id: number) => customers.find((c) => c.id === Number(id))!.memberNo;
    const paidAt = new Date(Date.now() + 60_000).toISOString();
    await ingestBatch(ctx, corp.id, 'pos', {
      batchId: 'campaign-roi-1',
      orders: [
        {
          orderNo: 'ROI-1',
          storeCode: 'S-A',
          paidAt,
          grossFen: 50_000,
          discountFen: 5000,
          netFen: 45_000,
          memberNo: member(reached!.customer_id),
          couponCodes: [reached!.code],
          lines: [{ skuCode: 'SKU-1', qty: 1, netFen: 45_000 }],
        },
        ...(held
          ? [
              {
                orderNo: 'ROI-2',
                storeCode: 'S-B',
                paidAt,
                grossFen: 20_000,
                discountFen: 0,
                netFen: 20_000,
                memberNo: member(held.customer_id),
                couponCodes: [],
                lines: [{ skuCode: 'SKU-2', qty: 1, netFen: 20_000 }],
              },
            ]
          : []),
      ],
      refunds: [],
    });
    await ctx.queues.drain();
    const roi = await campaignRoiOf(ctx.db, admin, campaignId);
    expect(roi.treatment.couponsRedeemed).toBe(1);
    expect(roi.treatment.creditedFen).toEqual({ coupon: 45_000 });
    expect(roi.treatment.salesFen).toBe(45_000);
    expect(roi.costFen).toBe(5000);
    expect(roi.holdout.salesFen).toBe(held ? 20_000 : 0);
    const treatAvg = 45_000 / roi.treatment.recipients;
    const holdAvg = held ? 20_000 / roi.holdout.customers : 0;
    expect(roi.incrementalFen).toBe(held ? Math.round((treatAvg - holdAvg) * roi.treatment.recipients) : 0);
    const licui = roi.byGuide.find((g) => g.guideId === guides.licui!.id)!;
    expect(licui).toMatchObject({ couponsRedeemed: 1, creditedFen: { coupon: 45_000 }, guideName: '李翠' });
    expect(roi.byStore.find((s) => s.storeId === stores.A)).toMatchObject({ creditedFen: { coupon: 45_000 } });
  });
});

describe('a guide WeCom refuses entirely', () => {
  it('is recorded as refused and does not stop the other guides being tasked', async () => {
    const storeD = await createStore(ctx.db, corp.id, west, { code: 'S-D', name: '太古里店' });
    const ghost = await createGuide(ctx.db, corp.id, storeD, { userid: 'ghostguide', name: '赵云' });
    const real = await createGuide(ctx.db, corp.id, storeD, { userid: 'realguide', name: '钱多' });
    await sandbox('/members', {
      members: [
        { userid: 'ghostguide', name: '赵云' },
        { userid: 'realguide', name: '钱多' },
      ],
    });
    // The ghost guide's customer is hers in our records but not in WeCom: add_msg_template answers 40096.
    const a = await createCustomer(ctx.db, corp.id, { externalUserid: 'wmghost0001', name: '甲' });
    const b = await createCustomer(ctx.db, corp.id, { externalUserid: 'wmreal0001', name: '乙' });
    await follow(ctx.db, corp.id, a.id, ghost.id);
    await follow(ctx.db, corp.id, b.id, real.id);
    await sandbox('/contacts', {
      contacts: [
        {
          external_userid: 'wmreal0001',
          name: '乙',
          follow_user: [{ userid: 'realguide', createtime: 1_767_000_000 }],
        },
      ],
    });
    const seg = await saveSegment(ctx.db, admin, { name: '太古里店', definition: { tags: [], storeIds: [storeD] } });
    // The script offers {{优惠券}}: a campaign without a coupon is refused for it (422), so this one has one.
    const { id } = await createCampaign(ctx, admin, {
      name: '太古里',
      segmentId: seg.id,
      scriptId,
      couponTemplateId: templateId,
      holdoutPercent: 0,
    });
    await ctx.queues.drain();
    const byCustomer = Object.fromEntries(
      (await ctx.db('campaign_recipients').where({ campaign_id: id })).map((r) => [Number(r.customer_id), r.status]),
    );
    expect(byCustomer).toEqual({ [a.id]: 'refused', [b.id]: 'tasked' });
  });
});

describe('the HTTP API', () => {
  const bearer = (userid: string) => `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid }, 600)}`;

  it('previews a segment, refuses a malformed one with the field, and 404s an unknown segment', async () => {
    const app = createApp(ctx, { serveSidebar: false });
    const def = { tags: [[tags.vip!], [tags.baby06!]], regionIds: [east] };
    const ok = await request(app)
      .post('/api/segments/preview')
      .set('Authorization', bearer('hq'))
      .send({ definition: def });
    expect(ok.status).toBe(200);
    expect(ok.body.count).toBe((await previewSegment(ctx.db, admin, def)).count);
    const bad = await request(app)
      .post('/api/segments/preview')
      .set('Authorization', bearer('hq'))
      .send({ definition: { tags: [[]] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toMatch(/^body\.definition\.tags/);
    const missing = await request(app)
      .post('/api/campaigns')
      .set('Authorization', bearer('hq'))
      .send({ name: 'x', segmentId: 999_999, scriptId });
    expect(missing.status).toBe(404);
    // A guide may not build campaigns.
    expect(
      (await request(app).post('/api/segments/preview').set('Authorization', bearer('licui')).send({ definition: def }))
        .status,
    ).toBe(403);
  });

  it('断码找人: the guide sends a broken-size style to every customer it fits, as her own mass message', async () => {
    const app = createApp(ctx, { serveSidebar: false });
    await ctx
      .db('size_runs')
      .insert({ corp_id: corp.id, category: 'shoes', sizes: ['35', '36', '37', '38', '39', '40'] });
    const [prod] = await ctx
      .db('products')
      .insert({ corp_id: corp.id, style_no: 'SH-01', name: '轻跑鞋', category: 'shoes', list_price_fen: 59_900 })
      .returning<{ id: number }[]>('id');
    for (const size of ['35', '36', '37', '38', '39', '40']) {
      const [sku] = await ctx
        .db('skus')
        .insert({
          corp_id: corp.id,
          product_id: prod!.id,
          sku_code: `SH-01-${size}`,
          color: '黑色',
          size,
          price_fen: 59_900,
        })
        .returning<{ id: number }[]>('id');
      await ctx.db('store_stock').insert({
        corp_id: corp.id,
        store_id: stores.A,
        sku_id: sku!.id,
        on_hand: size === '37' || size === '38' ? 2 : 0,
      });
    }
    // One of her fitting customers is also zhangmin's, and zhangmin is his exclusive guide: licui's own send still reaches him.
    const shared = customers.find((_, i) => guideOf(i) === 'licui' && i % 6 === 2 && i % 10 !== 6)!;
    await follow(ctx.db, corp.id, shared.id, guides.zhangmin!.id, {
      exclusive: true,
      addedAt: new Date('2026-06-01T00:00:00Z'),
    });
    const fits = await request(app)
      .get(`/api/sidebar/styles/${prod!.id}/customers`)
      .set('Authorization', bearer('licui'));
    expect(fits.status).toBe(200);
    const pushed = await request(app)
      .post(`/api/sidebar/styles/${prod!.id}/push`)
      .set('Authorization', bearer('licui'));
    expect(pushed.status).toBe(201);
    await ctx.queues.drain();
    // Every customer the sidebar listed is tasked to her; those who deleted her are reported, not sent.
    const recips = await ctx.db('campaign_recipients').where({ campaign_id: pushed.body.id });
    const tasked = recips.filter((r) => r.status === 'tasked');
    expect(tasked).toHaveLength(fits.body.customers.length);
    expect(tasked.every((r) => Number(r.guide_id) === guides.licui!.id)).toBe(true);
    expect(tasked.map((r) => Number(r.customer_id))).toContain(shared.id);
    expect(recips.filter((r) => r.status !== 'tasked').every((r) => r.reason === 'customer_deleted')).toBe(true);
    expect(pushed.body.recipients).toBe(recips.length);
    const pending = (await sandbox('/members/licui/pending-mass-messages')) as {
      groupMsgs: { text: string; customers: number }[];
    };
    const msg = pending.groupMsgs.find((m) => m.text.includes('轻跑鞋'))!;
    expect(msg.customers).toBe(fits.body.customers.length);
    expect(msg.text).toContain('37');
    const tasks = await request(app).get('/api/sidebar/campaign-tasks').set('Authorization', bearer('licui'));
    expect(tasks.body.items[0]).toMatchObject({ campaignId: pushed.body.id, confirmed: false });
  });
});

describe('content parts: image, link and mini-program cards, a product card from the catalog', () => {
  let cover: number;
  let productId: number;
  let segmentId: number;
  const script = async (title: string, parts: unknown[]) => {
    const cat = await ctx.db('script_categories').where({ corp_id: corp.id }).first<{ id: number }>('id');
    const [s] = await ctx
      .db('scripts')
      .insert({ corp_id: corp.id, category_id: cat.id, title, parts: JSON.stringify(parts) })
      .returning<{ id: number }[]>('id');
    return s!.id;
  };
  const MP = 'wx0d1e2f3a4b5c6d7e';

  beforeAll(async () => {
    // The corp's mini program is linked to it in WeCom; its product page and shop link are set here.
    await sandboxCorp(sb.url, corp, { name: '测试', extra: { miniprograms: [MP] } });
    await ctx.db('corps').where({ id: corp.id }).update({
      product_mp_appid: MP,
      product_mp_page: 'pages/goods/detail?styleNo={styleNo}',
      product_link_template: 'https://shop.example.com/goods/{styleNo}',
    });
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const [a] = await ctx
      .db('media_assets')
      .insert({
        corp_id: corp.id,
        kind: 'image',
        filename: 'card-cover.png',
        content_type: 'image/png',
        sha256: 'cover-test',
        content: png,
      })
      .returning<{ id: number }[]>('id');
    cover = a!.id;
    const [prod] = await ctx
      .db('products')
      .insert({ corp_id: corp.id, style_no: 'DR-77', name: '真丝连衣裙', category: 'dress', list_price_fen: 129_900 })
      .returning<{ id: number }[]>('id');
    productId = prod!.id;
    segmentId = (
      await saveSegment(ctx.db, admin, { name: '春熙路店', definition: { tags: [], storeIds: [stores.C!] } })
    ).id;
  });

  it('sends text, an image, a link, a mini-program card and the product card as add_msg_template attachments', async () => {
    const scriptId = await script('新品卡片', [
      { type: 'text', text: '{{称呼}}好，我是{{门店}}的{{导购}}，{{商品}}到店了' },
      { type: 'image', mediaAssetId: cover, title: '海报' },
      {
        type: 'news',
        title: '新品',
        desc: '{{门店}}新品',
        link: 'https://example.com/new',
        imgUrl: 'https://example.com/n.png',
      },
      { type: 'miniprogram', appid: MP, title: '会员中心', page: 'pages/member/index', imgUrl: 'https://x/c.png' },
    ]);
    const input = { name: '新品卡片', segmentId, scriptId, productId, holdoutPercent: 0 };
    // WeCom takes a mini-program cover as an uploaded image: without one, the field is named.
    await expect(createCampaign(ctx, admin, input)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'body.coverAssetId',
    });
    await expect(createCampaign(ctx, admin, { ...input, coverAssetId: 999_999 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      field: 'body.coverAssetId',
    });
    const { id } = await createCampaign(ctx, admin, { ...input, coverAssetId: cover });
    await ctx.queues.drain();
    const task = await ctx.db('campaign_tasks').where({ campaign_id: id }).first<{ msgid: string | null }>('msgid');
    expect(task?.msgid).toBeTruthy();
    const pending = (await sandbox(`/members/wangfang/pending-mass-messages`)) as {
      groupMsgs: { msgid: string; text: string; attachments: Record<string, Record<string, string>>[] }[];
    };
    const m = pending.groupMsgs.find((x) => x.msgid === task!.msgid)!;
    expect(m.text).toBe('您好，我是春熙路店的王芳，真丝连衣裙到店了');
    expect(m.attachments.map((a) => a.msgtype)).toEqual(['image', 'link', 'miniprogram', 'miniprogram']);
    const [image, link, card, product] = m.attachments as Record<string, Record<string, string>>[];
    expect(image!.image!.media_id).toMatch(/^3/);
    expect(link!.link).toEqual({
      title: '新品',
      url: 'https://example.com/new',
      desc: '春熙路店新品',
      picurl: 'https://example.com/n.png',
    });
    expect(card!.miniprogram).toMatchObject({ appid: MP, title: '会员中心', page: 'pages/member/index' });
    expect(product!.miniprogram).toMatchObject({
      appid: MP,
      title: '真丝连衣裙',
      page: 'pages/goods/detail?styleNo=DR-77',
    });
    // One upload of the cover serves the image and both cards.
    expect(
      new Set([image!.image!.media_id, card!.miniprogram!.pic_media_id, product!.miniprogram!.pic_media_id]).size,
    ).toBe(1);
    await ctx.db('campaigns').where({ id }).update({ cancelled_at: new Date() });
  });

  it('without a cover, the product card is the shop link', async () => {
    const scriptId = await script('纯文本', [{ type: 'text', text: '{{商品}}到店' }]);
    const { id } = await createCampaign(ctx, admin, {
      name: '商品链接',
      segmentId,
      scriptId,
      productId,
      holdoutPercent: 0,
    });
    await ctx.queues.drain();
    const task = await ctx.db('campaign_tasks').where({ campaign_id: id }).first<{ msgid: string }>('msgid');
    const pending = (await sandbox(`/members/wangfang/pending-mass-messages`)) as {
      groupMsgs: { msgid: string; attachments: unknown[] }[];
    };
    expect(pending.groupMsgs.find((x) => x.msgid === task.msgid)!.attachments).toEqual([
      {
        msgtype: 'link',
        link: { title: '真丝连衣裙', url: 'https://shop.example.com/goods/DR-77', desc: 'DR-77' },
      },
    ]);
    await ctx.db('campaigns').where({ id }).update({ cancelled_at: new Date() });
  });

  it('refuses what WeCom would: per-customer variables, more than 9 attachments, a moment with a card', async () => {
    const sized = await script('尺码', [{ type: 'text', text: '{{称呼}}，您的{{尺码}}码到了' }]);
    await expect(
      createCampaign(ctx, admin, { name: 'x', segmentId, scriptId: sized, holdoutPercent: 0 }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'body.scriptId',
      message: expect.stringContaining('{{尺码}}'),
    });
    const ten = await script(
      '十张图',
      Array.from({ length: 10 }, () => ({ type: 'image', mediaAssetId: cover, title: '图' })),
    );
    await expect(
      createCampaign(ctx, admin, { name: 'x', segmentId, scriptId: ten, holdoutPercent: 0 }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('at most 9') });
    const card = await script('卡片', [
      { type: 'text', text: '新品' },
      { type: 'miniprogram', appid: MP, title: '会员中心', page: 'pages/member/index', imgUrl: 'https://x/c.png' },
    ]);
    await expect(
      createCampaign(ctx, admin, {
        name: 'x',
        channel: 'moment',
        segmentId,
        scriptId: card,
        coverAssetId: cover,
        holdoutPercent: 0,
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.scriptId' });
    // Through HTTP: a 400 with the field, never a 500.
    const app = createApp(ctx, { serveSidebar: false });
    const res = await request(app)
      .post('/api/campaigns')
      .set('Authorization', `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'hq' }, 600)}`)
      .send({ name: 'x', segmentId, scriptId: card });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('body.coverAssetId');
  });
});

describe('a moments campaign (客户朋友圈)', () => {
  it('add_moment_task → the guide publishes → results read back as one interaction per recipient reached, idempotently', async () => {
    const cat = await ctx.db('script_categories').where({ corp_id: corp.id }).first<{ id: number }>('id');
    const [s] = await ctx
      .db('scripts')
      .insert({
        corp_id: corp.id,
        category_id: cat.id,
        title: '秋冬朋友圈',
        parts: JSON.stringify([
          { type: 'text', text: '秋冬新款到店，欢迎来试穿' },
          { type: 'news', title: '秋冬新款', desc: '', link: 'https://example.com/aw', imgUrl: '' },
        ]),
      })
      .returning<{ id: number }[]>('id');
    const seg = await saveSegment(ctx.db, admin, {
      name: '春熙路店 VIP',
      definition: { tags: [[tags.vip!]], storeIds: [stores.C!] },
    });
    // WeCom runs the moment job asynchronously: the first read finds it still running, the dispatch retries.
    await sandbox('/faults', { momentJobsRunning: 1 });
    const { id } = await createCampaign(ctx, admin, {
      name: '秋冬朋友圈',
      channel: 'moment',
      segmentId: seg.id,
      scriptId: s!.id,
      holdoutPercent: 30,
    });
    await ctx.queues.drain();
    const task = await ctx
      .db('campaign_tasks')
      .where({ campaign_id: id })
      .first<{ moment_id: string; guide_id: number; confirmed_at: Date | null }>();
    expect(task?.moment_id).toBeTruthy();
    // One moment for the campaign, however many times its dispatch ran.
    expect(sb.state.corps.get(corp.wecomCorpId)!.moments.size).toBe(1);
    expect(Number(task!.guide_id)).toBe(guides.wangfang!.id);
    // Nothing is read back until she publishes.
    expect(await pollCampaign(ctx, corp.id, id)).toEqual({ sent: 0, newInteractions: 0 });
    await sandbox('/actions/publish-moment', { moment_id: task!.moment_id, userid: 'wangfang' });

    const recips = await ctx.db('campaign_recipients').where({ campaign_id: id });
    const targeted = recips.filter((r) => r.status === 'tasked').map((r) => Number(r.customer_id));
    const held = recips.filter((r) => r.holdout).map((r) => Number(r.customer_id));
    expect(targeted.length).toBeGreaterThan(0);
    const first = await pollCampaign(ctx, corp.id, id);
    expect(first).toEqual({ sent: targeted.length, newInteractions: targeted.length });
    const interactions = () =>
      ctx
        .db('interactions')
        .where({ corp_id: corp.id, source: 'campaign' })
        .whereRaw(`detail->>'campaignId' = ?`, [String(id)])
        .orderBy('customer_id');
    const after1 = await interactions();
    // The moment reached every customer of hers, but only the campaign's targeted recipients carry its evidence.
    expect(after1.map((i) => Number(i.customer_id)).sort()).toEqual([...targeted].sort());
    expect(after1.some((i) => held.includes(Number(i.customer_id)))).toBe(false);
    expect(after1.every((i) => i.kind === 'message' && Number(i.guide_id) === guides.wangfang!.id)).toBe(true);
    // Polling again — later, as the schedule does — records nothing new and moves nothing.
    await new Promise((r) => setTimeout(r, 20));
    expect(await pollCampaign(ctx, corp.id, id)).toEqual({ sent: 0, newInteractions: 0 });
    await ctx.queues.enqueue(campaignPollJob, { corpId: corp.id, campaignId: id });
    await ctx.queues.drain();
    expect(await interactions()).toEqual(after1);
    const progress = await campaignProgressOf(ctx.db, admin, id);
    expect(progress.byStatus.sent).toBe(targeted.length);
    expect(progress.guides.find((g) => g.guideId === guides.wangfang!.id)).toMatchObject({ confirmed: true });
  });
});

describe('saved segments', () => {
  it('saves, lists, reuses and deletes a segment; a campaign made from it keeps its definition; both audited', async () => {
    const app = createApp(ctx, { serveSidebar: false });
    const auth = `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'hq' }, 600)}`;
    const definition = { tags: [[tags.active!]], regionIds: [west] };
    const saved = await request(app)
      .post('/api/segments')
      .set('Authorization', auth)
      .send({ name: '华西促活', definition });
    expect(saved.status).toBe(201);
    const again = await request(app)
      .post('/api/segments')
      .set('Authorization', auth)
      .send({ name: '华西促活', definition });
    expect(again.status).toBe(409);
    const list = await request(app).get('/api/segments').set('Authorization', auth);
    const mine = (list.body.items as { id: number; definition: unknown }[]).find((x) => x.id === saved.body.id)!;
    expect(mine.definition).toEqual(definition);
    const { id: campaignId } = await createCampaign(ctx, admin, {
      name: '华西促活',
      segmentId: saved.body.id,
      scriptId,
      couponTemplateId: templateId,
      holdoutPercent: 0,
    });
    await ctx.db('campaigns').where({ id: campaignId }).update({ cancelled_at: new Date() });
    const del = await request(app).delete(`/api/segments/${saved.body.id}`).set('Authorization', auth);
    expect(del.status).toBe(200);
    expect((await request(app).delete(`/api/segments/${saved.body.id}`).set('Authorization', auth)).status).toBe(404);
    const c = await ctx
      .db('campaigns')
      .where({ id: campaignId })
      .first<{ segment_id: number | null; definition: unknown }>();
    expect(c.segment_id).toBeNull();
    expect(c.definition).toMatchObject(definition);
    const audit = await ctx
      .db('audit_log')
      .where({ corp_id: corp.id, entity: 'segment', entity_id: String(saved.body.id) })
      .orderBy('id')
      .pluck<string[]>('action');
    expect(audit).toEqual(['segment.save', 'segment.delete']);
  });
});

describe('a script that offers a coupon (话术 with a coupon template)', () => {
  const template = async (code: string, t: Record<string, unknown>) => {
    const [row] = await ctx
      .db('coupon_templates')
      .insert({ corp_id: corp.id, code, name: code, ...t })
      .returning<{ id: number }[]>('id');
    return row!.id;
  };
  const script = async (title: string, text: string, couponTemplateId: number | null) => {
    const cat = await ctx.db('script_categories').where({ corp_id: corp.id }).first<{ id: number }>('id');
    const [s] = await ctx
      .db('scripts')
      .insert({
        corp_id: corp.id,
        category_id: cat.id,
        title,
        parts: JSON.stringify([{ type: 'text', text }]),
        coupon_template_id: couponTemplateId,
      })
      .returning<{ id: number }[]>('id');
    return s!.id;
  };
  const sent = async (campaignId: number) => {
    const task = await ctx.db('campaign_tasks').where({ campaign_id: campaignId }).first<{ msgid: string }>('msgid');
    const pending = (await sandbox(`/members/wangfang/pending-mass-messages`)) as {
      groupMsgs: { msgid: string; text: string }[];
    };
    return pending.groupMsgs.find((x) => x.msgid === task!.msgid)!.text;
  };
  let segmentId: number;
  let zhe: number;
  let cash: number;
  beforeAll(async () => {
    segmentId = (
      await saveSegment(ctx.db, admin, { name: '春熙路店 券', definition: { tags: [], storeIds: [stores.C!] } })
    ).id;
    zhe = await template('Z85', {
      kind: 'discount',
      discount_bp: 8500,
      valid_days: null,
      valid_from: '2026-12-01',
      valid_until: '2026-12-31',
    });
    cash = await template('C30', { kind: 'cash', value_fen: 3000, valid_days: 7 });
  });

  it('uses the script’s coupon when the campaign names none: the same value and validity for every recipient', async () => {
    const scriptId = await script('年末折扣', '{{门店}}年末{{券面额}}，{{优惠券}}，{{券有效期}}前有效', zhe);
    const { id, recipients } = await createCampaign(ctx, admin, {
      name: '年末',
      segmentId,
      scriptId,
      holdoutPercent: 0,
    });
    expect(recipients).toBeGreaterThan(0);
    expect(await ctx.db('campaigns').where({ id }).first()).toMatchObject({ coupon_template_id: zhe });
    await ctx.queues.drain();
    expect(await sent(id)).toBe('春熙路店年末8.5折，专属优惠券已放入您的会员账户，12月31日前有效');
    const coupons = await ctx.db('coupons').where({ campaign_id: id });
    expect(coupons.length).toBeGreaterThan(0);
    expect(coupons.every((c) => Number(c.template_id) === zhe)).toBe(true);
    await ctx.db('campaigns').where({ id }).update({ cancelled_at: new Date() });
  });

  it('a campaign’s own template: its days of validity; another than the script’s only if the text names no coupon', async () => {
    const named = await script('折扣券', '{{券面额}}会员券已到账', zhe);
    const input = { name: '换券', segmentId, scriptId: named, couponTemplateId: cash, holdoutPercent: 0 };
    await expect(createCampaign(ctx, admin, input)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'body.couponTemplateId',
    });
    // Through HTTP: a 400 naming the field.
    const app = createApp(ctx, { serveSidebar: false });
    const res = await request(app)
      .post('/api/campaigns')
      .set('Authorization', `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'hq' }, 600)}`)
      .send(input);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('body.couponTemplateId');
    // The same template as the script's is fine.
    const same = await createCampaign(ctx, admin, { ...input, couponTemplateId: zhe });
    await ctx.db('campaigns').where({ id: same.id }).update({ cancelled_at: new Date() });

    // The text names no coupon: the campaign's template wins.
    const plain = await script('到店礼', '{{门店}}会员日，到店有礼', zhe);
    const own = await createCampaign(ctx, admin, { ...input, scriptId: plain });
    expect(await ctx.db('campaigns').where({ id: own.id }).first()).toMatchObject({ coupon_template_id: cash });
    await ctx.db('campaigns').where({ id: own.id }).update({ cancelled_at: new Date() });

    // A script without a template, the campaign's: N天内有效.
    const bare = await script('现金券', '{{券面额}}现金券，{{券有效期}}', null);
    const { id } = await createCampaign(ctx, admin, { ...input, scriptId: bare });
    await ctx.queues.drain();
    expect(await sent(id)).toBe('30元现金券，7天内有效');
    await ctx.db('campaigns').where({ id }).update({ cancelled_at: new Date() });
  });
});
