/**
 * The admin console's coupon templates and corp tags, against real PostgreSQL and the sandbox
 * WeCom: bad input answered with its field, eligibility and per-guide limits enforced where a guide
 * issues, template edits that leave issued coupons alone, tags changed in WeCom first and mirrored
 * from its answers, and WeCom's refusals and failures coded.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { signSession } from '../../core/auth/session';
import { getWecomClient } from '../../core/wecom/corp-client';
import { startSandbox, type Sandbox } from '../../sandbox/wecom/server';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import {
  createCorp,
  createCustomer,
  createGuide,
  createRegion,
  createStore,
  follow,
  type CorpFixture,
} from '../factories/org.factory';
import { sandboxCorp } from '../helpers/sandbox-corp';

let sb: Sandbox;
let ctx: TestContext;
let corp: CorpFixture;
let store = 0;
let licui: { id: number; userid: string };
let zhao: { id: number; userid: string };
const app = () => createApp(ctx, { serveSidebar: false });
const bearer = (userid: string) => `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid }, 600)}`;
const as = (userid: string) => ({
  get: (path: string) => request(app()).get(path).set('authorization', bearer(userid)),
  post: (path: string, body: object = {}) => request(app()).post(path).set('authorization', bearer(userid)).send(body),
  put: (path: string, body: object) => request(app()).put(path).set('authorization', bearer(userid)).send(body),
  patch: (path: string, body: object) => request(app()).patch(path).set('authorization', bearer(userid)).send(body),
  delete: (path: string) => request(app()).delete(path).set('authorization', bearer(userid)),
});
const admin = () => as('admin1');
const sandboxApi = async (path: string, body: unknown) => {
  const r = await fetch(`${sb.url}/sandbox/api/corps/${corp.wecomCorpId}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json() as Promise<Record<string, unknown>>;
};
const wecomTags = async () => (await (await getWecomClient(ctx, corp.id)).getCorpTags()).tag_group;

/** A customer licui follows; with `bought` fen spent in the last days (a VIP at 300,000). */
async function customer(bought = 0): Promise<{ id: number; externalUserid: string }> {
  const c = await createCustomer(ctx.db, corp.id);
  await follow(ctx.db, corp.id, c.id, licui.id);
  await follow(ctx.db, corp.id, c.id, zhao.id);
  if (bought)
    await ctx.db('orders').insert({
      corp_id: corp.id,
      source: 'pos',
      order_no: `O${c.id}`,
      store_id: store,
      customer_id: c.id,
      paid_at: new Date(Date.now() - 5 * 86_400_000),
      gross_fen: bought,
      net_fen: bought,
      coupon_codes: [],
    });
  return c;
}
const template = async (body: object) => {
  const r = await admin().post('/api/admin/coupon-templates', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: number; name: string };
};
const offers = async (guide: string, ext: string) =>
  (await as(guide).get(`/api/sidebar/customers/${ext}/coupon-offers`)).body.offers as {
    templateId: number;
    eligible: boolean;
    reason: string | null;
  }[];
const issue = (guide: string, ext: string, templateId: number) =>
  as(guide).post(`/api/sidebar/customers/${ext}/coupons`, { templateId });

beforeAll(async () => {
  sb = await startSandbox({ retryDelaysMs: [20, 20] });
  ctx = await createTestContext({ WECOM_API_BASE: sb.url, WECOM_OAUTH_BASE: sb.url });
  corp = await createCorp(ctx.db, ctx.secrets);
  store = await createStore(ctx.db, corp.id, await createRegion(ctx.db, corp.id));
  licui = await createGuide(ctx.db, corp.id, store, { userid: 'licui', name: '李翠' });
  zhao = await createGuide(ctx.db, corp.id, store, { userid: 'zhaomin', name: '赵敏' });
  await ctx.db('users').insert({ corp_id: corp.id, userid: 'admin1', name: '管理员', role: 'admin' });
  await sandboxCorp(sb.url, corp, { name: '测试' });
  await sandboxApi('/members', {
    members: [
      { userid: 'licui', name: '李翠' },
      { userid: 'zhaomin', name: '赵敏' },
    ],
  });
  // Made in WeCom's admin console before Guidepost: the app may not change them.
  await sandboxApi('/tags', {
    groups: [
      { group_id: 'etValue', group_name: '客户价值', owner: 'console', tag: [{ id: 'etVIP', name: '超级VIP' }] },
    ],
  });
  await ctx.db('tag_groups').insert({ corp_id: corp.id, wecom_group_id: 'etValue', name: '客户价值', kind: 'value' });
  const [g] = await ctx.db('tag_groups').where({ wecom_group_id: 'etValue' }).select('id');
  await ctx.db('tags').insert({ corp_id: corp.id, group_id: g.id, wecom_tag_id: 'etVIP', name: '超级VIP' });
});

afterAll(async () => {
  await destroyTestContext(ctx);
  await sb.close();
});

describe('coupon templates in the admin console', () => {
  it('refuses bad templates with the field at fault, never a 500', async () => {
    const cases: [object, string][] = [
      [{ name: '', kind: 'cash', valueFen: 1000, validDays: 30 }, 'body.name'],
      [{ name: '满减', kind: 'cash', validDays: 30 }, 'body.valueFen'],
      [{ name: '折扣', kind: 'discount', validDays: 30 }, 'body.discountBp'],
      [{ name: '满减', kind: 'cash', valueFen: 10.5, validDays: 30 }, 'body.valueFen'],
      [{ name: '满减', kind: 'cash', valueFen: 1000 }, 'body.validDays'],
      [
        { name: '满减', kind: 'cash', valueFen: 1000, validDays: 7, validFrom: '2026-12-01', validUntil: '2026-12-31' },
        'body.validDays',
      ],
      [{ name: '满减', kind: 'cash', valueFen: 1000, validFrom: '2026-12-01' }, 'body.validUntil'],
      [
        { name: '满减', kind: 'cash', valueFen: 1000, validFrom: '2026-02-30', validUntil: '2026-03-31' },
        'body.validFrom',
      ],
      [
        { name: '满减', kind: 'cash', valueFen: 1000, validFrom: '2026-12-31', validUntil: '2026-12-01' },
        'body.validUntil',
      ],
      [{ name: '满减', kind: 'cash', valueFen: 10_000, minSpendFen: 5_000, validDays: 7 }, 'body.valueFen'],
      [{ name: '满减', kind: 'cash', valueFen: 1000, validDays: 7, minTier: '钻石' }, 'body.minTier'],
      [{ name: '满减', kind: 'cash', valueFen: 1000, validDays: 7, guideDailyLimit: 0 }, 'body.guideDailyLimit'],
      [
        { name: '满减', kind: 'cash', valueFen: 1000, validDays: 7, guideDailyLimit: 9, guideMonthlyLimit: 5 },
        'body.guideDailyLimit',
      ],
    ];
    for (const [body, field] of cases) {
      const r = await admin().post('/api/admin/coupon-templates', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error, JSON.stringify(body)).toMatchObject({ code: 'VALIDATION_FAILED', field });
    }
    expect(
      (
        await admin().put('/api/admin/coupon-templates/99999999', {
          name: 'x',
          kind: 'cash',
          valueFen: 1,
          validDays: 1,
        })
      ).status,
    ).toBe(404);
    expect((await as('licui').get('/api/admin/coupon-templates')).status).toBe(403);
  });

  it('offers a new-customers-only template to a new customer and not to a VIP, who is refused with the reason', async () => {
    const tpl = await template({
      name: '新客礼 20 元',
      kind: 'cash',
      valueFen: 2000,
      minSpendFen: 10_000,
      validDays: 14,
      audience: 'new',
    });
    const fresh = await customer();
    const vip = await customer(400_000);
    expect((await offers('licui', fresh.externalUserid)).find((o) => o.templateId === tpl.id)).toMatchObject({
      eligible: true,
      reason: null,
    });
    expect((await offers('licui', vip.externalUserid)).find((o) => o.templateId === tpl.id)).toMatchObject({
      eligible: false,
      reason: 'not_new',
    });
    const refused = await issue('licui', vip.externalUserid, tpl.id);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'NOT_ELIGIBLE', field: 'body.templateId' });
    expect((await issue('licui', fresh.externalUserid, tpl.id)).status).toBe(201);
    // A VIP-only template: the VIP yes, the new customer (no tier yet) no.
    const vipOnly = await template({
      name: 'VIP 9 折',
      kind: 'discount',
      discountBp: 9000,
      validDays: 30,
      minTier: '超级VIP',
    });
    expect((await offers('licui', vip.externalUserid)).find((o) => o.templateId === vipOnly.id)?.eligible).toBe(true);
    expect((await offers('licui', fresh.externalUserid)).find((o) => o.templateId === vipOnly.id)?.reason).toBe('tier');
  });

  it('keeps a guide within her daily limit (409 COUPON_LIMIT_REACHED, the sheet says why); a void frees a slot; other guides are not counted', async () => {
    const tpl = await template({
      name: '到店礼',
      kind: 'cash',
      valueFen: 500,
      validDays: 7,
      guideDailyLimit: 2,
      guideMonthlyLimit: 10,
    });
    const [a, b, c] = [await customer(), await customer(), await customer()];
    const first = await issue('licui', a.externalUserid, tpl.id);
    expect(first.status).toBe(201);
    expect((await issue('licui', b.externalUserid, tpl.id)).status).toBe(201);
    const over = await issue('licui', c.externalUserid, tpl.id);
    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({ code: 'COUPON_LIMIT_REACHED', field: 'body.templateId' });
    expect((await offers('licui', c.externalUserid)).find((o) => o.templateId === tpl.id)).toMatchObject({
      eligible: false,
      reason: 'guide_daily_limit',
    });
    // Another guide has her own count.
    expect((await issue('zhaomin', c.externalUserid, tpl.id)).status).toBe(201);
    // A sheet closed without sending voids its coupon: it no longer counts.
    await as('licui').post(`/api/coupons/${first.body.coupon.code}/void`, { reason: 'send cancelled' }).expect(200);
    expect((await issue('licui', c.externalUserid, tpl.id)).status).toBe(201);
    expect((await issue('licui', a.externalUserid, tpl.id)).status).toBe(409);
  });

  it('counts the monthly limit across days, and holds it when a guide taps twice at once', async () => {
    const tpl = await template({ name: '月度礼', kind: 'cash', valueFen: 500, validDays: 7, guideMonthlyLimit: 2 });
    const [a, b, c] = [await customer(), await customer(), await customer()];
    expect((await issue('licui', a.externalUserid, tpl.id)).status).toBe(201);
    // One issued earlier this month (in the tenant's zone; not before the month began).
    const monthStart = await ctx.db.raw<{ rows: { t: Date }[] }>(
      `select date_trunc('month', now() at time zone 'Asia/Shanghai') at time zone 'Asia/Shanghai' as t`,
    );
    await ctx
      .db('coupons')
      .where({ template_id: tpl.id, guide_id: licui.id })
      .update({ issued_at: monthStart.rows[0]!.t });
    const both = await Promise.all([
      issue('licui', b.externalUserid, tpl.id),
      issue('licui', c.externalUserid, tpl.id),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect((await offers('licui', c.externalUserid)).find((o) => o.templateId === tpl.id)?.reason).toBe(
      'guide_monthly_limit',
    );
  });

  it('fixed dates: not offered before the first day or after the last; the coupon expires at the end of the last day', async () => {
    const later = await template({
      name: '双旦礼',
      kind: 'cash',
      valueFen: 1000,
      validFrom: '2099-12-20',
      validUntil: '2099-12-31',
    });
    const past = await template({
      name: '旧活动',
      kind: 'cash',
      valueFen: 1000,
      validFrom: '2020-01-01',
      validUntil: '2020-01-31',
    });
    const now = await template({
      name: '本季礼',
      kind: 'cash',
      valueFen: 1000,
      validFrom: '2020-01-01',
      validUntil: '2099-01-31',
    });
    const c = await customer();
    const o = await offers('licui', c.externalUserid);
    expect(o.find((x) => x.templateId === later.id)?.reason).toBe('not_started');
    expect(o.find((x) => x.templateId === past.id)?.reason).toBe('ended');
    const r = await issue('licui', c.externalUserid, now.id);
    expect(r.status).toBe(201);
    expect(r.body.coupon.expiresAt).toBe('2099-01-31T16:00:00.000Z');
    const boot = (await as('licui').get('/api/sidebar/bootstrap')).body;
    expect(boot.couponTemplates.find((t: { id: number }) => t.id === now.id)).toMatchObject({
      validDays: null,
      validUntil: '2099-01-31',
    });
  });

  it('an edit changes only coupons issued afterwards; retiring stops issues; both are audited', async () => {
    const tpl = await template({
      name: '满 300 减 30',
      kind: 'cash',
      valueFen: 3000,
      minSpendFen: 30_000,
      validDays: 10,
    });
    const c = await customer();
    const before = (await issue('licui', c.externalUserid, tpl.id)).body.coupon;
    const edited = await admin().put(`/api/admin/coupon-templates/${tpl.id}`, {
      name: '满 300 减 50',
      kind: 'cash',
      valueFen: 5000,
      minSpendFen: 30_000,
      validDays: 3,
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ name: '满 300 减 50', valueFen: 5000, validDays: 3, issued: 1 });
    const kept = await ctx.db('coupons').where({ code: before.code }).first();
    expect(kept).toMatchObject({ name: '满 300 减 30', value_fen: 3000, min_spend_fen: 30000 });
    expect(kept.expires_at.toISOString()).toBe(before.expiresAt);
    // Sent, it shows in her profile with the terms she got.
    await as('licui')
      .post('/api/sidebar/sends', {
        clientSendId: `edit-${String(before.code)}`,
        kind: 'coupon',
        couponCode: before.code,
        externalUserid: c.externalUserid,
        sent: [{ msgtype: 'text', summary: '券' }],
      })
      .expect(200);
    const profile = (await as('licui').get(`/api/sidebar/customers/${c.externalUserid}`)).body;
    expect(profile.openCoupons.find((x: { code: string }) => x.code === before.code)).toMatchObject({
      name: '满 300 减 30',
      valueFen: 3000,
    });
    const c2 = await customer();
    expect((await issue('licui', c2.externalUserid, tpl.id)).body.coupon).toMatchObject({
      name: '满 300 减 50',
      valueFen: 5000,
    });

    const retired = await admin().post(`/api/admin/coupon-templates/${tpl.id}/retire`, { reason: '活动结束' });
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ enabled: false, retiredAt: expect.any(String) });
    expect((await issue('licui', (await customer()).externalUserid, tpl.id)).status).toBe(409);
    expect(
      (
        await admin().put(`/api/admin/coupon-templates/${tpl.id}`, {
          name: 'x',
          kind: 'cash',
          valueFen: 1,
          validDays: 1,
        })
      ).status,
    ).toBe(409);
    const boot = (await as('licui').get('/api/sidebar/bootstrap')).body;
    expect(boot.couponTemplates.map((t: { id: number }) => t.id)).not.toContain(tpl.id);
    const actions = await ctx
      .db('audit_log')
      .where({ corp_id: corp.id, entity: 'coupon_template', entity_id: String(tpl.id) })
      .orderBy('id')
      .pluck('action');
    expect(actions).toEqual(['coupon_template.create', 'coupon_template.edit', 'coupon_template.retire']);
    const list = (await admin().get('/api/admin/coupon-templates')).body.templates as { id: number }[];
    expect(list.at(-1)!.id).toBe(tpl.id);
  });
});

describe('corp tags in the admin console', () => {
  it('creates a group with its tags in WeCom, mirrors it with its family and who made it, audited', async () => {
    const r = await admin().post('/api/admin/tag-groups', {
      name: '宝宝阶段',
      family: 'stage',
      tags: ['孕期', '0-6个月'],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({
      name: '宝宝阶段',
      family: 'stage',
      ownedByApp: true,
      tags: [{ name: '孕期' }, { name: '0-6个月' }],
    });
    const inWecom = (await wecomTags()).find((g) => g.group_name === '宝宝阶段');
    expect(inWecom?.tag.map((t) => t.name)).toEqual(['孕期', '0-6个月']);
    const row = await ctx.db('tag_groups').where({ id: r.body.id }).first();
    expect(row).toMatchObject({ wecom_group_id: inWecom!.group_id, kind: 'stage', created_by: 'admin1' });
    expect(await ctx.db('audit_log').where({ corp_id: corp.id, action: 'tag_group.create' }).first()).toMatchObject({
      actor: 'admin1',
    });
    // The sidebar reads it at once (no callback comes for our own change).
    const boot = (await as('licui').get('/api/sidebar/bootstrap')).body;
    expect(boot.tagGroups.find((g: { name: string }) => g.name === '宝宝阶段')).toMatchObject({ family: 'stage' });
  });

  it('refuses bad names with their field: too long, twice in one request, a taken group or sibling name', async () => {
    const long = '很'.repeat(31);
    const bad = await admin().post('/api/admin/tag-groups', { name: long, family: 'custom', tags: ['a'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.name' });
    expect(
      (await admin().post('/api/admin/tag-groups', { name: '兴趣', family: 'preference', tags: [long] })).body.error
        .field,
    ).toBe('body.tags.0');
    expect((await admin().post('/api/admin/tag-groups', { name: '兴趣', family: 'preference', tags: [] })).status).toBe(
      400,
    );
    expect(
      (await admin().post('/api/admin/tag-groups', { name: '兴趣', family: 'nope', tags: ['a'] })).body.error.field,
    ).toBe('body.family');
    const twice = await admin().post('/api/admin/tag-groups', {
      name: '兴趣',
      family: 'preference',
      tags: ['跑步', '跑步'],
    });
    expect(twice.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.tags' });
    const taken = await admin().post('/api/admin/tag-groups', { name: '客户价值', family: 'value', tags: ['新'] });
    expect(taken.status).toBe(409);
    expect(taken.body.error.field).toBe('body.name');
    const g = await admin().post('/api/admin/tag-groups', { name: '兴趣', family: 'preference', tags: ['跑步'] });
    const sibling = await admin().post(`/api/admin/tag-groups/${g.body.id}/tags`, { tags: ['跑步'] });
    expect(sibling.status).toBe(409);
    expect(sibling.body.error.field).toBe('body.tags');
    expect(await ctx.db('tag_groups').where({ corp_id: corp.id, name: '兴趣' }).count()).toEqual([{ count: 1 }]);
  });

  it('adds, renames and removes tags in WeCom; the last tag takes its group; removing a group removes its tags', async () => {
    const g = (await admin().post('/api/admin/tag-groups', { name: '渠道来源', family: 'channel', tags: ['门店'] }))
      .body;
    const added = await admin().post(`/api/admin/tag-groups/${g.id}/tags`, { tags: ['直播', '小程序'] });
    expect(added.status).toBe(201);
    expect(added.body.tags.map((t: { name: string }) => t.name)).toEqual(['门店', '直播', '小程序']);
    const live = added.body.tags.find((t: { name: string }) => t.name === '直播');
    const renamed = await admin().patch(`/api/admin/tags/${live.id}`, { name: '视频号直播' });
    expect(renamed.status).toBe(200);
    const wg = () => wecomTags().then((gs) => gs.find((x) => x.group_name === '渠道来源'));
    expect((await wg())!.tag.map((t) => t.name)).toEqual(['门店', '视频号直播', '小程序']);
    // A rename that clashes with a sibling.
    expect((await admin().patch(`/api/admin/tags/${live.id}`, { name: '门店' })).status).toBe(409);
    // Remove one tag; the group stays.
    expect((await admin().delete(`/api/admin/tags/${live.id}`)).body).toEqual({ groupRemoved: false });
    expect((await wg())!.tag.map((t) => t.name)).toEqual(['门店', '小程序']);
    // Remove the group: its tags go too, in WeCom and here.
    expect((await admin().delete(`/api/admin/tag-groups/${g.id}`)).body).toEqual({ tagsRemoved: 2 });
    expect(await wg()).toBeUndefined();
    expect(await ctx.db('tags').where({ group_id: g.id }).whereNull('deleted_at').count()).toEqual([{ count: 0 }]);
    // The last tag of a group takes the group with it.
    const solo = (await admin().post('/api/admin/tag-groups', { name: '临时', family: 'custom', tags: ['一次'] })).body;
    expect((await admin().delete(`/api/admin/tags/${solo.tags[0].id}`)).body).toEqual({ groupRemoved: true });
    expect((await admin().get('/api/admin/tags')).body.groups.map((x: { name: string }) => x.name)).not.toContain(
      '临时',
    );
    expect((await wecomTags()).map((x) => x.group_name)).not.toContain('临时');
  });

  it("maps a console-made group to a family but refuses to rename or remove what WeCom's console made", async () => {
    const lib = (await admin().get('/api/admin/tags')).body.groups as {
      id: number;
      name: string;
      ownedByApp: boolean;
      tags: { id: number }[];
    }[];
    const value = lib.find((g) => g.name === '客户价值')!;
    expect(value.ownedByApp).toBe(false);
    const fam = await admin().patch(`/api/admin/tag-groups/${value.id}`, { family: 'value' });
    expect(fam.status).toBe(200);
    const rn = await admin().patch(`/api/admin/tag-groups/${value.id}`, { name: '会员价值' });
    expect(rn.status).toBe(409);
    expect(rn.body.error).toMatchObject({ code: 'CONFLICT', field: 'params.id' });
    expect((await admin().delete(`/api/admin/tags/${value.tags[0]!.id}`)).status).toBe(409);
    // WeCom itself refuses it too (its own errcode, configurable in the sandbox): a coded 502, not a 500.
    await expect((await getWecomClient(ctx, corp.id)).editCorpTag({ id: 'etVIP', name: 'x' })).rejects.toMatchObject({
      errcode: 301002,
    });
  });

  it('codes WeCom failures: busy is 503 and nothing is mirrored; a name WeCom already has is 409; a tag gone from WeCom is 404 and re-read', async () => {
    await sandboxApi('/faults', { busy: { path: 'externalcontact/add_corp_tag', count: 5, errcode: -1 } });
    const busy = await admin().post('/api/admin/tag-groups', { name: '尺码', family: 'size', tags: ['36'] });
    expect(busy.status).toBe(503);
    expect(busy.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(await ctx.db('tag_groups').where({ corp_id: corp.id, name: '尺码' }).first()).toBeUndefined();
    await sandboxApi('/faults', { busy: { path: 'externalcontact/add_corp_tag', count: 0, errcode: -1 } }).catch(
      () => undefined,
    );

    // Someone added 尺码/36 in WeCom's console and no sync has run: WeCom answers 40071.
    const made = (await admin().post('/api/admin/tag-groups', { name: '鞋码', family: 'size', tags: ['37'] })).body;
    const gid = (await ctx.db('tag_groups').where({ id: made.id }).first()).wecom_group_id as string;
    await (await getWecomClient(ctx, corp.id)).addCorpTags({ group_id: gid, tag: [{ name: '38' }] });
    const dup = await admin().post(`/api/admin/tag-groups/${made.id}/tags`, { tags: ['38'] });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'CONFLICT', field: 'body.tags' });

    // The tag was deleted in WeCom meanwhile: 404, and a tag sync is queued.
    await (
      await getWecomClient(ctx, corp.id)
    ).delCorpTags({ tag_id: [(await ctx.db('tags').where({ group_id: made.id }).first()).wecom_tag_id] });
    const gone = await admin().patch(`/api/admin/tags/${made.tags[0].id}`, { name: '37码' });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('NOT_FOUND');
  });
});

describe("the sandbox's corp tags follow WeCom's rules", () => {
  it('names, duplicates, empty deletes, and unknown ids', async () => {
    const client = await getWecomClient(ctx, corp.id);
    await expect(client.addCorpTags({ group_name: '规则', tag: [{ name: '很'.repeat(31) }] })).rejects.toMatchObject({
      errcode: 40072,
    });
    const made = await client.addCorpTags({ group_name: '规则', tag: [{ name: '甲' }, { name: '甲' }] });
    expect(made.tag_group.tag.map((t) => t.name)).toEqual(['甲']);
    // The same group name again: the tags go into that group, a name it has is refused.
    await expect(client.addCorpTags({ group_name: '规则', tag: [{ name: '甲' }] })).rejects.toMatchObject({
      errcode: 40071,
    });
    const again = await client.addCorpTags({ group_name: '规则', tag: [{ name: '乙' }] });
    expect(again.tag_group.group_id).toBe(made.tag_group.group_id);
    await expect(client.editCorpTag({ id: made.tag_group.group_id, name: '客户价值' })).rejects.toMatchObject({
      errcode: 40071,
    });
    await expect(client.delCorpTags({})).rejects.toMatchObject({ errcode: 40058 });
    await expect(client.delCorpTags({ tag_id: ['etNope'] })).rejects.toMatchObject({ errcode: 40068 });
    await expect(client.addCorpTags({ group_id: 'etNope', tag: [{ name: '丙' }] })).rejects.toMatchObject({
      errcode: 40068,
    });
  });
});
