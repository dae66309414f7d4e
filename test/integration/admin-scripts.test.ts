/**
 * The script library in the admin console, over the demo tenant: categories, scripts and their
 * validation, publish / withdraw as the sidebar sees them, the preview for a sample customer, the
 * coupon a script offers (issue #17: {{优惠券}} from the script's template, never whatever coupon she
 * holds), and images uploaded to the sandbox WeCom (media/upload).
 */
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { signSession } from '../../core/auth/session';
import type { AdminScript, ScriptLibraryAdmin } from '../../core/contracts/admin-scripts';
import type { Recommendations, ScriptLibrary } from '../../core/contracts/sidebar';
import { DEMO_CORP } from '../../sandbox/seed/scales';
import { seedTenant } from '../../sandbox/seed/seed';
import { startSandbox, type Sandbox } from '../../sandbox/wecom/server';
import { createCustomer, follow } from '../factories/org.factory';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import { sandboxCorp } from '../helpers/sandbox-corp';

let sb: Sandbox;
let ctx: TestContext;
const t = {
  get ctx() {
    return ctx;
  },
};
let app: Express;
let corpId: number;
let licuiId: number;
let tpl: Map<string, number>;
const bearer = (userid: string) => `Bearer ${signSession(t.ctx.cfg.SESSION_SECRET, { corpId, userid }, 600)}`;
const as = (userid: string) => ({
  get: (url: string) => request(app).get(url).set('Authorization', bearer(userid)),
  post: (url: string, body?: object) =>
    request(app)
      .post(url)
      .set('Authorization', bearer(userid))
      .send(body ?? {}),
  put: (url: string, body: object) => request(app).put(url).set('Authorization', bearer(userid)).send(body),
  del: (url: string) => request(app).delete(url).set('Authorization', bearer(userid)),
});
const admin = as('admin');
const licui = as('licui');

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

async function newCustomer(name: string) {
  const c = await createCustomer(t.ctx.db, corpId, { name });
  await follow(t.ctx.db, corpId, c.id, licuiId, { addedAt: new Date(Date.now() - 3_600_000) });
  return c;
}

beforeAll(async () => {
  sb = await startSandbox();
  // The demo tenant talks to this sandbox.
  ctx = await createTestContext({ WECOM_API_BASE: sb.url, RATE_LIMIT_API_IP: '0', RATE_LIMIT_API_CORP: '0' });
  await seedTenant({ databaseUrl: ctx.cfg.DATABASE_URL, secretsKey: ctx.cfg.SECRETS_KEY, scale: 'demo' });
  corpId = (await ctx.db('corps').where({ wecom_corp_id: DEMO_CORP.wecomCorpId }).first<{ id: number }>('id')).id;
  licuiId = (await ctx.db('guides').where({ corp_id: corpId, userid: 'licui' }).first<{ id: number }>('id')).id;
  tpl = new Map(
    (
      await ctx.db('coupon_templates').where({ corp_id: corpId }).select<{ id: number; code: string }[]>('id', 'code')
    ).map((x) => [x.code, Number(x.id)]),
  );
  await sandboxCorp(sb.url, DEMO_CORP, { name: DEMO_CORP.name });
  app = createApp(ctx, { serveSidebar: false });
}, 120_000);

afterAll(async () => {
  if (ctx) await destroyTestContext(ctx);
  await sb?.close();
});

describe('script categories', () => {
  it('creates, renames, reorders and deletes only an empty one; every change audited', async () => {
    const created = await admin.post('/api/admin/script-categories', { name: '节日问候', scenario: 'promotion' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: '节日问候', scenario: 'promotion', scripts: 0 });
    const id = created.body.id as number;
    const dup = await admin.post('/api/admin/script-categories', { name: '节日问候', scenario: 'welcome' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'CONFLICT', field: 'body.name' });
    const bad = await admin.post('/api/admin/script-categories', { name: '', scenario: 'nope' });
    expect(bad.status).toBe(400);

    const renamed = await admin.put(`/api/admin/script-categories/${id}`, { name: '节日祝福' });
    expect(renamed.body).toMatchObject({ id, name: '节日祝福' });

    const lib = (await admin.get('/api/admin/scripts')).body as ScriptLibraryAdmin;
    const ids = lib.categories.map((c) => c.id);
    expect(ids.at(-1)).toBe(id);
    const order = [id, ...ids.filter((x) => x !== id)];
    const re = await admin.put('/api/admin/script-categories/order', { ids: order });
    expect(re.status).toBe(200);
    expect(re.body.categories.map((c: { id: number }) => c.id)).toEqual(order);
    expect((await licui.get('/api/sidebar/scripts')).body.categories[0].name).toBe('节日祝福');
    const partial = await admin.put('/api/admin/script-categories/order', { ids: order.slice(1) });
    expect(partial.status).toBe(400);
    expect(partial.body.error.field).toBe('body.ids');

    const full = lib.categories.find((c) => c.scripts > 0)!;
    const refused = await admin.del(`/api/admin/script-categories/${full.id}`);
    expect(refused.status).toBe(409);
    expect((await admin.del(`/api/admin/script-categories/${id}`)).status).toBe(200);
    expect((await admin.del(`/api/admin/script-categories/${id}`)).status).toBe(404);

    const actions = await t.ctx
      .db('audit_log')
      .where({ corp_id: corpId, entity: 'script_category', actor: 'admin' })
      .pluck<string[]>('action');
    expect(actions).toEqual(
      expect.arrayContaining([
        'script_category.create',
        'script_category.rename',
        'script_category.reorder',
        'script_category.delete',
      ]),
    );
    expect((await licui.get('/api/admin/scripts')).status).toBe(403);
  });
});

describe('scripts', () => {
  let categoryId: number;
  beforeAll(async () => {
    categoryId = (
      await t.ctx.db('script_categories').where({ corp_id: corpId, scenario: 'welcome' }).first<{ id: number }>('id')
    ).id;
  });

  it('refuses an unknown {{variable}} with a 422 naming the part, and names from another corp', async () => {
    const r = await admin.post('/api/admin/scripts', {
      categoryId,
      title: '错字',
      parts: [
        { type: 'text', text: '{{称呼}}您好' },
        { type: 'text', text: '送您{{优惠卷}}' },
      ],
    });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'UNKNOWN_VARIABLE', field: 'body.parts.1.text' });
    expect(r.body.error.message).toContain('优惠卷');
    const card = await admin.post('/api/admin/scripts', {
      categoryId,
      title: '卡片',
      parts: [
        {
          type: 'news',
          title: '{{商家}}',
          desc: '',
          link: 'https://m.example.com',
          imgUrl: 'https://m.example.com/a.png',
        },
      ],
    });
    expect(card.body.error).toMatchObject({ code: 'UNKNOWN_VARIABLE', field: 'body.parts.0.title' });
    const link = await admin.post('/api/admin/scripts', {
      categoryId,
      title: '卡片',
      parts: [
        { type: 'news', title: '新品', desc: '', link: 'javascript:alert(1)', imgUrl: 'https://m.example.com/a.png' },
      ],
    });
    expect(link.status).toBe(400);
    expect(link.body.error.field).toBe('body.parts.0.link');
    const mp = await admin.post('/api/admin/scripts', {
      categoryId,
      title: '小程序',
      parts: [
        {
          type: 'miniprogram',
          appid: 'notanappid',
          title: 'x',
          page: 'pages/a',
          imgUrl: 'https://m.example.com/a.png',
        },
      ],
    });
    expect(mp.body.error.field).toBe('body.parts.0.appid');
    for (const [body, field] of [
      [{ targetTagIds: [999_999_999] }, 'body.targetTagIds'],
      [{ couponTemplateId: 999_999_999 }, 'body.couponTemplateId'],
      [{ categoryId: 999_999_999 }, 'body.categoryId'],
      [{ parts: [{ type: 'image', mediaAssetId: 999_999_999, title: '' }] }, 'body.parts.0.mediaAssetId'],
    ] as const) {
      const x = await admin.post('/api/admin/scripts', {
        categoryId,
        title: '引用',
        parts: [{ type: 'text', text: '你好' }],
        ...body,
      });
      expect([400, 404]).toContain(x.status);
      expect(x.body.error.field).toBe(field);
    }
    expect(
      await t.ctx.db('scripts').where({ corp_id: corpId }).whereIn('title', ['错字', '卡片', '引用']).first(),
    ).toBe(undefined);
  });

  it('a draft is invisible to guides; published it is listed and recommended; withdrawn it is gone at once', async () => {
    const fresh = await newCustomer('草稿测试');
    // The sidebar has read (and cached) the library before the script exists.
    await licui.get(`/api/sidebar/customers/${fresh.externalUserid}/scripts`);
    const created = await admin.post('/api/admin/scripts', {
      categoryId,
      title: '新客专属问候',
      parts: [
        { type: 'text', text: '{{称呼}}您好，我是{{导购}}，送您一张{{优惠券}}（{{券面额}}），{{券有效期}}前有效～' },
        {
          type: 'miniprogram',
          appid: 'wx0d1e2f3a4b5c6d7e',
          title: '{{门店}}会员中心',
          page: 'pages/member/index',
          imgUrl: 'https://static.guidepost.example/mp/cover.png',
        },
      ],
      occasion: 'welcome',
      couponTemplateId: tpl.get('NEW50'),
    });
    expect(created.status).toBe(201);
    const s = created.body as AdminScript;
    expect(s).toMatchObject({ status: 'draft', couponTemplateId: tpl.get('NEW50'), publishedAt: null });
    const listed = async () =>
      ((await licui.get('/api/sidebar/scripts')).body as ScriptLibrary).scripts.some((x) => x.id === s.id);
    const recommended = async () =>
      (
        (await licui.get(`/api/sidebar/customers/${fresh.externalUserid}/scripts`)).body as Recommendations
      ).recommended.some((x) => x.scriptId === s.id);
    expect(await listed()).toBe(false);
    expect(await recommended()).toBe(false);

    const version = async () => ((await licui.get('/api/sidebar/scripts')).body as ScriptLibrary).version;
    const before = await version();
    const pub = await admin.post(`/api/admin/scripts/${s.id}/publish`);
    // The library's version moves, and recommendations name the version they were scored against.
    const after = await version();
    expect(after).not.toBe(before);
    expect(
      ((await licui.get(`/api/sidebar/customers/${fresh.externalUserid}/scripts`)).body as Recommendations)
        .libraryVersion,
    ).toBe(after);
    expect(pub.status).toBe(200);
    expect(pub.body.status).toBe('published');
    expect(await listed()).toBe(true);
    expect(await recommended()).toBe(true);
    const recs = (await licui.get(`/api/sidebar/customers/${fresh.externalUserid}/scripts`)).body as Recommendations;
    expect(recs.coupons.find((c) => c.templateId === tpl.get('NEW50'))?.values).toMatchObject({
      优惠券: '新客立减50元',
      券面额: '50元',
    });

    const wd = await admin.post(`/api/admin/scripts/${s.id}/withdraw`);
    expect(wd.body.status).toBe('withdrawn');
    expect(await listed()).toBe(false);
    expect(await recommended()).toBe(false);
    // Its edits are kept and audited; published again, it is back.
    const edited = await admin.put(`/api/admin/scripts/${s.id}`, {
      categoryId,
      title: '新客专属问候（改）',
      parts: created.body.parts,
      occasion: 'welcome',
      couponTemplateId: tpl.get('NEW50'),
    });
    expect(edited.body).toMatchObject({ title: '新客专属问候（改）', status: 'withdrawn' });
    expect((await admin.post(`/api/admin/scripts/${s.id}/publish`)).body.status).toBe('published');
    expect(await listed()).toBe(true);
    const actions = await t.ctx
      .db('audit_log')
      .where({ corp_id: corpId, entity: 'script', entity_id: String(s.id) })
      .orderBy('id')
      .pluck<string[]>('action');
    expect(actions).toEqual(['script.create', 'script.publish', 'script.withdraw', 'script.update', 'script.publish']);
  });

  it('refuses to publish a script that names a coupon but offers no template', async () => {
    const created = await admin.post('/api/admin/scripts', {
      categoryId,
      title: '无券模板',
      parts: [{ type: 'text', text: '送您{{优惠券}}' }],
    });
    expect(created.status).toBe(201);
    const r = await admin.post(`/api/admin/scripts/${created.body.id}/publish`);
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe('couponTemplateId');
  });
});

describe('{{优惠券}} is the coupon the script offers (#17)', () => {
  it('a new customer holding a birthday coupon is offered the new-customer coupon, by name, value and validity', async () => {
    const fresh = await newCustomer('新客生日券');
    // She holds a sent, unexpired 生日礼券88元 — the coupon the old resolver named for any script.
    await t.ctx.db('coupons').insert({
      corp_id: corpId,
      template_id: tpl.get('BDAY88'),
      code: `T${Date.now()}`,
      customer_id: fresh.id,
      guide_id: licuiId,
      issued_at: new Date(),
      sent_at: new Date(),
      expires_at: new Date(Date.now() + 5 * 86_400_000),
      status: 'sent',
    });
    const recs = (await licui.get(`/api/sidebar/customers/${fresh.externalUserid}/scripts`)).body as Recommendations;
    expect(recs.vars.优惠券).toBeNull();
    const lib = ((await licui.get('/api/sidebar/scripts')).body as ScriptLibrary).scripts;
    const welcome = lib.find((s) => s.title === '新客礼券')!;
    expect(welcome.couponTemplateId).toBe(tpl.get('NEW50'));
    const offer = recs.coupons.find((c) => c.templateId === welcome.couponTemplateId)!;
    expect(offer.values?.优惠券).toBe('新客立减50元');
    expect(offer.values?.券面额).toBe('50元');
    expect(offer.values?.券有效期).toMatch(/^\d{1,2}月\d{1,2}日$/);
    // Her birthday coupon fills only a script that offers that template (her own coupon, her expiry).
    expect(recs.coupons.find((c) => c.templateId === tpl.get('BDAY88'))?.values?.优惠券).toBe('生日礼券88元');
    expect(recs.recommended.map((r) => r.scriptId)).toContain(welcome.id);
  });

  it('a customer who may not have the template is not recommended the script, and the preview says why', async () => {
    const used = await t.ctx
      .db('coupons as cp')
      .join('customers as c', 'c.id', 'cp.customer_id')
      .join('customer_guides as cg', 'cg.customer_id', 'c.id')
      .where({
        'cp.corp_id': corpId,
        'cp.template_id': tpl.get('NEW50'),
        'cp.status': 'redeemed',
        'cg.guide_id': licuiId,
      })
      .whereNull('cg.ended_at')
      .first<{ id: number; external_userid: string }>('c.id', 'c.external_userid');
    const recs = (await licui.get(`/api/sidebar/customers/${used.external_userid}/scripts`)).body as Recommendations;
    const lib = ((await licui.get('/api/sidebar/scripts')).body as ScriptLibrary).scripts;
    const welcome = lib.find((s) => s.title === '新客礼券')!;
    expect(recs.coupons.find((c) => c.templateId === tpl.get('NEW50'))).toMatchObject({
      values: null,
      reason: 'already_used',
    });
    expect(recs.recommended.map((r) => r.scriptId)).not.toContain(welcome.id);

    const script = {
      categoryId: welcome.categoryId,
      title: welcome.title,
      parts: welcome.parts,
      occasion: 'welcome',
      couponTemplateId: tpl.get('NEW50'),
    };
    const p = await admin.post('/api/admin/scripts/preview', { script, customerId: Number(used.id) });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ recommended: false, couponWhy: 'already_used' });
    expect(p.body.missing).toEqual(expect.arrayContaining(['优惠券', '券有效期']));
    expect(p.body.parts[0].text).toContain('{{优惠券}}');

    const none = await admin.post('/api/admin/scripts/preview', {
      script: { ...script, couponTemplateId: null },
      customerId: Number(used.id),
    });
    expect(none.body).toMatchObject({ couponWhy: 'no_template', recommended: false });
  });

  it('previews a script filled for a sample customer the admin picks, through her own guide', async () => {
    const fresh = await newCustomer('预览样本');
    const found = await admin.get(`/api/admin/scripts/sample-customers?q=${encodeURIComponent('预览样本')}`);
    expect(found.body.customers).toEqual([expect.objectContaining({ id: fresh.id, name: '预览样本', guide: '李翠' })]);
    const p = await admin.post('/api/admin/scripts/preview', {
      customerId: fresh.id,
      script: {
        categoryId: (
          await t.ctx
            .db('script_categories')
            .where({ corp_id: corpId, scenario: 'welcome' })
            .first<{ id: number }>('id')
        ).id,
        title: '预览',
        parts: [
          { type: 'text', text: '{{称呼}}您好，我是{{门店}}的{{导购}}，{{优惠券}}已放入您的账户，{{券有效期}}前有效' },
          {
            type: 'news',
            title: '{{优惠券}}使用说明',
            desc: '',
            link: 'https://m.example.com/c',
            imgUrl: 'https://m.example.com/c.png',
          },
        ],
        occasion: 'welcome',
        couponTemplateId: tpl.get('NEW50'),
      },
    });
    expect(p.status).toBe(200);
    expect(p.body.customer).toMatchObject({ name: '预览样本', guide: '李翠' });
    expect(p.body.missing).toEqual([]);
    expect(p.body.couponWhy).toBeNull();
    expect(p.body.parts[0].text).toMatch(
      /^预览样本您好，我是.+的李翠，新客立减50元已放入您的账户，\d{1,2}月\d{1,2}日前有效$/,
    );
    expect(p.body.parts[1].title).toBe('新客立减50元使用说明');
    expect(p.body).toMatchObject({ recommended: true, reasons: [{ code: 'new_customer', value: '0' }] });
    const other = await admin.post('/api/admin/scripts/preview', {
      customerId: 999_999_999,
      script: { categoryId: 1, title: 'x', parts: [{ type: 'text', text: 'x' }] },
    });
    expect(other.status).toBe(404);
  });
});

describe('script images', () => {
  it('uploads a PNG to WeCom (media/upload) and a script part names it; other files are refused', async () => {
    const before = sb.state.stats.mediaUpload;
    const up = await request(app)
      .post('/api/admin/script-images?filename=poster.png')
      .set('Authorization', bearer('admin'))
      .set('content-type', 'image/png')
      .send(PNG);
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ filename: 'poster.png', bytes: PNG.length });
    expect(sb.state.stats.mediaUpload).toBe(before + 1);
    const asset = await t.ctx.db('media_assets').where({ id: up.body.assetId }).first();
    expect(asset).toMatchObject({ corp_id: corpId, kind: 'image', content_type: 'image/png' });
    expect(asset.wecom_media_id).toEqual(expect.any(String));
    // The sandbox client sends an image only by a media_id this corp uploaded, as WeCom's client does.
    const send = (mediaid: string) =>
      fetch(`${sb.url}/client/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          corpid: DEMO_CORP.wecomCorpId,
          userid: 'licui',
          peer: 'wmSomeone',
          kind: 'single',
          message: { msgtype: 'image', image: { mediaid } },
        }),
      });
    expect((await send(asset.wecom_media_id)).status).toBe(200);
    expect((await send('3NeverUploaded')).status).toBe(400);

    const gif = await request(app)
      .post('/api/admin/script-images?filename=a.gif')
      .set('Authorization', bearer('admin'))
      .set('content-type', 'image/gif')
      .send(Buffer.from('GIF89a....'));
    expect(gif.status).toBe(415);
    const fake = await request(app)
      .post('/api/admin/script-images?filename=a.png')
      .set('Authorization', bearer('admin'))
      .set('content-type', 'image/png')
      .send(Buffer.from('not a png at all'));
    expect(fake.status).toBe(415);
    const guide = await request(app)
      .post('/api/admin/script-images')
      .set('Authorization', bearer('licui'))
      .set('content-type', 'image/png')
      .send(PNG);
    expect(guide.status).toBe(403);

    const categoryId = (await t.ctx.db('script_categories').where({ corp_id: corpId }).first<{ id: number }>('id')).id;
    const s = await admin.post('/api/admin/scripts', {
      categoryId,
      title: '海报',
      parts: [
        { type: 'text', text: '{{称呼}}，本周活动海报：' },
        { type: 'image', mediaAssetId: up.body.assetId, title: '活动海报' },
      ],
    });
    expect(s.status).toBe(201);
    expect(s.body.parts[1]).toEqual({ type: 'image', mediaAssetId: up.body.assetId, title: '活动海报' });
  });
});
