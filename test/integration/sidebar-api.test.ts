import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import { attributeOrders } from '../../core/attribution/attribution.service';
import { signSession } from '../../core/auth/session';
import type { Profile, Recommendations, ScriptLibrary } from '../../core/contracts/sidebar';
import { recordInteractions } from '../../core/ingest/interactions';
import { ingestBatch } from '../../core/ingest/pos';
import { attributeJob } from '../../core/jobs/attribution.jobs';
import { markTagJob } from '../../core/jobs/wecom.jobs';
import { creditHistory } from '../../sandbox/seed/credit-history';
import { seedTenant } from '../../sandbox/seed/seed';
import { createCorp, createCustomer, createGuide, createRegion, createStore, follow } from '../factories/org.factory';
import { useTestContext } from '../helpers/context';

const t = useTestContext();
let app: Express;
let corpId: number;
let wang: { id: number; ext: string };
let stranger: { id: number; ext: string };
const bearer = (userid: string, corp = corpId) =>
  `Bearer ${signSession(t.ctx.cfg.SESSION_SECRET, { corpId: corp, userid }, 600)}`;
const as = (userid: string, corp = corpId) => ({
  get: (url: string) => request(app).get(url).set('Authorization', bearer(userid, corp)),
  put: (url: string, body: object) => request(app).put(url).set('Authorization', bearer(userid, corp)).send(body),
  post: (url: string, body: object) => request(app).post(url).set('Authorization', bearer(userid, corp)).send(body),
});

beforeAll(async () => {
  const { ctx } = t;
  await seedTenant({ databaseUrl: ctx.cfg.DATABASE_URL, secretsKey: ctx.cfg.SECRETS_KEY, scale: 'demo' });
  corpId = (await ctx.db('corps').where({ wecom_corp_id: 'wwdemo0001guidepost' }).first<{ id: number }>('id')).id;
  await creditHistory(ctx, corpId);
  const w = await ctx
    .db('customers')
    .where({ corp_id: corpId, name: '王雅琴' })
    .first<{ id: number; external_userid: string }>('id', 'external_userid');
  wang = { id: w.id, ext: w.external_userid };
  const licui = await ctx.db('guides').where({ corp_id: corpId, userid: 'licui' }).first<{ id: number }>('id');
  // A customer of another store that 李翠 does not follow.
  const s = await ctx
    .db('customers as c')
    .where({ 'c.corp_id': corpId })
    .whereNotExists(ctx.db('customer_guides').whereRaw('customer_id = c.id').where({ guide_id: licui.id }))
    .whereNotNull('c.external_userid')
    .first<{ id: number; external_userid: string }>('c.id', 'c.external_userid');
  stranger = { id: s.id, ext: s.external_userid };
  app = createApp(ctx, { serveSidebar: false });
});

describe('sidebar API', () => {
  it('opens a followed customer: profile, tags by family with derived ones, sizes, coupons and timeline', async () => {
    const res = await as('licui').get(`/api/sidebar/customers/${wang.ext}`);
    expect(res.status).toBe(200);
    const p = res.body as Profile;
    expect(p.customer.name).toBe('王雅琴');
    expect(p.customer.phoneMasked ?? '').not.toMatch(/^\d{11}$/);
    expect(p.sizes.find((s) => s.category === 'shoes')?.size).toBe('37');
    expect(p.tags.map((x) => x.name)).toEqual(expect.arrayContaining(['偏好新款', '偏好黑白灰']));
    expect(p.valueTier).toMatch(/超级VIP|重点培养|重点促活/);
    // The derived tier shows once: as its own chip only where WeCom's tag says otherwise.
    expect(p.tags.filter((x) => x.name === p.valueTier)).toHaveLength(1);
    expect(p.timeline.length).toBeGreaterThan(0);
    // newest first
    const ats = p.timeline.map((e) => Date.parse(e.at));
    expect([...ats].sort((a, b) => b - a)).toEqual(ats);
  });

  it('the timeline shows her interactions of the last 180 days across monthly partitions, and none older or after tomorrow', async () => {
    const { db } = t.ctx;
    const licui = await db('guides').where({ corp_id: corpId, userid: 'licui' }).first<{ id: number }>('id');
    const her = await createCustomer(db, corpId, { name: '时间线测试' });
    await follow(db, corpId, her.id, licui.id);
    const day = 86_400_000;
    const now = Date.now();
    const at = { oldest: now - 179 * day, tooOld: now - 181 * day, lastMonth: now - 35 * day, future: now + 3 * day };
    await recordInteractions(
      db,
      Object.entries(at).map(([k, ms]) => ({
        corpId,
        guideId: licui.id,
        customerId: her.id,
        occurredAt: new Date(ms),
        kind: 'script_send' as const,
        source: 'sidebar',
        evidenceId: `timeline-${k}`,
      })),
    );
    const p = (await as('licui').get(`/api/sidebar/customers/${her.externalUserid}`)).body as Profile;
    const shown = p.timeline.filter((e) => e.kind === 'interaction').map((e) => Date.parse(e.at));
    expect(shown).toEqual([at.lastMonth, at.oldest]);
  });

  it("derives the value tier from spend and the life stage from the baby's birth date where they differ from the tags", async () => {
    await t.ctx.db('customers').where({ id: wang.id }).update({ baby_birthday: '2026-09-01' });
    const p = (await as('licui').get(`/api/sidebar/customers/${wang.ext}`)).body as Profile;
    expect(p.tags.find((x) => x.derived && x.family === 'stage')).toMatchObject({
      name: '宝宝0-6个月',
      source: 'rule',
    });
    expect(p.customer.babyAgeMonths).toBeGreaterThanOrEqual(2);
  });

  it('refuses a customer the guide does not follow, with a code, not data', async () => {
    const res = await as('licui').get(`/api/sidebar/customers/${stranger.ext}`);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOLLOWED', field: 'externalUserid' });
    expect(JSON.stringify(res.body)).not.toContain('phone');
    for (const url of [
      `/api/sidebar/customers/${stranger.ext}/scripts`,
      `/api/sidebar/customers/${stranger.ext}/matches`,
    ]) {
      expect((await as('licui').get(url)).status).toBe(403);
    }
    expect((await as('licui').get('/api/sidebar/customers/wmUNKNOWN')).body.error.code).toBe('NOT_FOUND');
    expect((await request(app).get(`/api/sidebar/customers/${wang.ext}`)).status).toBe(401);
    expect((await as('caiwu').get(`/api/sidebar/customers/${wang.ext}`)).status).toBe(403);
  });

  it('recommends scripts for her and fills the variables', async () => {
    const lib = (await as('licui').get('/api/sidebar/scripts')).body as ScriptLibrary;
    expect(lib.scripts.length).toBeGreaterThanOrEqual(40);
    expect(lib.categories.length).toBeGreaterThanOrEqual(6);
    const res = await as('licui').get(`/api/sidebar/customers/${wang.ext}/scripts`);
    expect(res.status).toBe(200);
    const s = res.body as Recommendations;
    expect(s.vars).toMatchObject({ 称呼: '王女士', 导购: '李翠', 尺码: '37' });
    expect(s.recommended.length).toBeGreaterThan(0);
    const scores = s.recommended.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const tagged = s.recommended.find((x) => x.reasons.some((r) => r.code === 'tag' && r.value === '偏好新款'));
    expect(lib.scripts.find((x) => x.id === tagged?.scriptId)?.title).toBeDefined();
  });

  it('matches the broken run in her size first, and the reverse match lists her for that style', async () => {
    const m = await as('licui').get(`/api/sidebar/customers/${wang.ext}/matches?category=shoes`);
    expect(m.status).toBe(200);
    const first = m.body.items[0];
    expect(first).toMatchObject({ name: '云朵软底玛丽珍鞋', size: '37', broken: true });
    expect(first.stock.map((x: { size: string }) => x.size)).toEqual(['37', '39']);
    expect(m.body.items.every((i: { size: string }) => i.size === '37')).toBe(true);

    const broken = await as('licui').get('/api/sidebar/styles/broken?category=shoes');
    const style = broken.body.items.find((i: { name: string }) => i.name === '云朵软底玛丽珍鞋');
    expect(style.fittingCustomers).toBeGreaterThan(0);
    const fits = await as('licui').get(`/api/sidebar/styles/${style.productId}/customers`);
    expect(fits.status).toBe(200);
    const her = fits.body.customers.find((c: { externalUserid: string }) => c.externalUserid === wang.ext);
    expect(her).toMatchObject({ size: '37' });
    expect(fits.body.customers.every((c: { size: string }) => ['37', '39'].includes(c.size))).toBe(true);
    const scores = fits.body.customers.map((c: { score: number }) => c.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);

    const pitch = await as('licui').get(`/api/sidebar/customers/${wang.ext}/scripts?productId=${first.productId}`);
    expect(pitch.body.recommended[0].reasons[0]).toMatchObject({ code: 'broken_size' });
    expect(pitch.body.vars.商品).toBe('云朵软底玛丽珍鞋');
  });

  it('matches fit the person: a man never gets women’s styles, and a women’s style never lists a man', async () => {
    const { db } = t.ctx;
    const licui = await db('guides').where({ corp_id: corpId, userid: 'licui' }).first<{ id: number }>('id');
    const man = await db('customers as c')
      .join('customer_guides as cg', 'cg.customer_id', 'c.id')
      .join('customer_sizes as cs', 'cs.customer_id', 'c.id')
      .where({ 'c.corp_id': corpId, 'c.gender': 1, 'cg.guide_id': licui.id, 'cs.category': 'shoes' })
      .whereNull('cg.ended_at')
      .first<{ id: number; external_userid: string }>('c.id', 'c.external_userid');
    const m = await as('licui').get(`/api/sidebar/customers/${man.external_userid}/matches`);
    expect(m.status).toBe(200);
    expect(m.body.items.length).toBeGreaterThan(0);
    const audiences = await db('products')
      .whereIn(
        'id',
        m.body.items.map((i: { productId: number }) => i.productId),
      )
      .pluck<string[]>('audience');
    expect(audiences.filter((a) => a === 'women' || a === 'kids')).toEqual([]);
    expect(m.body.items.some((i: { name: string }) => i.name.includes('玛丽珍'))).toBe(false);

    // The reverse match for the women's style lists women (and customers of unknown gender) only.
    const style = await db('products').where({ corp_id: corpId, name: '云朵软底玛丽珍鞋' }).first<{ id: number }>('id');
    const fits = await as('licui').get(`/api/sidebar/styles/${style.id}/customers`);
    const genders = await db('customers')
      .where({ corp_id: corpId })
      .whereIn(
        'external_userid',
        fits.body.customers.map((c: { externalUserid: string }) => c.externalUserid),
      )
      .pluck<number[]>('gender');
    expect(genders.length).toBeGreaterThan(0);
    expect(genders.filter((g) => g === 1)).toEqual([]);
  });

  it('lists the store’s broken runs by the tenant’s rule: few sizes left or a core size gone', async () => {
    const broken = await as('licui').get('/api/sidebar/styles/broken');
    expect(broken.status).toBe(200);
    expect(broken.body.items.length).toBeGreaterThan(5);
    const boot = await as('licui').get('/api/sidebar/bootstrap');
    const runs = new Map(boot.body.sizeRuns.map((r: { category: string }) => [r.category, r] as const)) as Map<
      string,
      { sizes: string[]; brokenMaxLeft: number; coreSizes: string[] }
    >;
    expect(runs.get('shoes')).toMatchObject({ brokenMaxLeft: 3, coreSizes: ['37', '38', '39', '40', '41'] });
    const { isBrokenRun } = await import('../../core/guide/fit');
    for (const item of broken.body.items as { category: string; stock: { size: string }[] }[])
      expect(
        isBrokenRun(
          runs.get(item.category)!,
          item.stock.map((s) => s.size),
        ),
      ).toBe(true);
    expect(broken.body.items.some((i: { sizesLeft: number }) => i.sizesLeft > 2)).toBe(true);
  });

  it('fills a baby script with the baby’s size and age, never the mother’s, and never recommends her birthday for the baby’s', async () => {
    const { db } = t.ctx;
    const r = (await as('licui').get(`/api/sidebar/customers/${wang.ext}/scripts`)).body as Recommendations;
    const lib = (await as('licui').get('/api/sidebar/scripts')).body as ScriptLibrary;
    expect(r.vars.尺码).toBe('37');
    expect(r.vars.宝宝尺码).toBe('90');
    expect(r.vars.宝宝月龄).toMatch(/岁|个月/);
    const babyBirthday = lib.scripts.find((s) => s.title === '宝宝生日')!;
    const her = await db('customers')
      .where({ id: wang.id })
      .first<{ birthday: string; baby_birthday: string }>('birthday', 'baby_birthday');
    // Whatever today is, the baby-birthday script is recommended only for the baby's birthday.
    const rec = r.recommended.find((x) => x.scriptId === babyBirthday.id);
    if (rec) expect(rec.reasons.some((x) => x.code === 'baby_birthday')).toBe(true);
    expect(r.recommended.every((x) => x.reasons.length > 0)).toBe(true);
    expect(her.baby_birthday).not.toBe(her.birthday);
    // Every recommended script can be filled completely for her, its coupon from the template it offers.
    const { variablesOf, varsForScript } = await import('../../core/contracts/script-vars');
    for (const x of r.recommended) {
      const s = lib.scripts.find((y) => y.id === x.scriptId)!;
      const texts = s.parts.flatMap((p) => (p.type === 'text' ? [p.text] : p.type === 'image' ? [] : [p.title]));
      const vars = varsForScript(r.vars, r.coupons, s.couponTemplateId) as Record<string, string | null>;
      for (const v of variablesOf(texts)) expect(vars[v]).toBeTruthy();
    }
  });

  it('counts every script send, the seeded ones included', async () => {
    const { db } = t.ctx;
    const lib = (await as('licui').get('/api/sidebar/scripts')).body as ScriptLibrary;
    // Every script send that names its script (other tests here add bare interactions of that kind).
    const sends = await db('interactions')
      .where({ corp_id: corpId, kind: 'script_send' })
      .whereRaw(`detail \\? 'scriptId'`)
      .count<{ n: string }[]>('* as n');
    const total = lib.scripts.reduce((a, s) => a + s.sendCount, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBe(Number(sends[0]!.n));
    const licui = await db('guides').where({ corp_id: corpId, userid: 'licui' }).first<{ id: number }>('id');
    const mine = await db('interactions')
      .where({ corp_id: corpId, kind: 'script_send', guide_id: licui.id })
      .whereRaw(`detail \\? 'scriptId'`)
      .count<{ n: string }[]>('* as n');
    expect(lib.scripts.reduce((a, s) => a + s.mySendCount, 0)).toBe(Number(mine[0]!.n));
  });

  it('derives tags only where their inputs exist, each with the rule that made it', async () => {
    const { db } = t.ctx;
    const licui = await db('guides').where({ corp_id: corpId, userid: 'licui' }).first<{ id: number }>('id');
    const fresh = await createCustomer(db, corpId, { name: '新客无消费' });
    await follow(db, corpId, fresh.id, licui.id);
    const p = (await as('licui').get(`/api/sidebar/customers/${fresh.externalUserid}`)).body as Profile;
    expect(p.tags.filter((x) => x.derived)).toEqual([]);
    expect(p.valueTier).toBeNull();
    const w = (await as('licui').get(`/api/sidebar/customers/${wang.ext}`)).body as Profile;
    for (const tag of w.tags.filter((x) => x.derived)) {
      if (tag.family === 'value') expect(tag.rule).toEqual({ code: 'spend_180d', value: w.spend.last180DaysFen });
      if (tag.family === 'stage')
        expect(tag.rule).toEqual({ code: 'baby_age_months', value: w.customer.babyAgeMonths });
    }
  });

  it('offers coupons only where eligible and says why not; issuing an ineligible one is refused', async () => {
    const { db } = t.ctx;
    const licui = await db('guides').where({ corp_id: corpId, userid: 'licui' }).first<{ id: number }>('id');
    const tpls = new Map(
      (
        await db('coupon_templates').where({ corp_id: corpId }).select<{ id: number; code: string }[]>('id', 'code')
      ).map((x) => [x.code, x.id]),
    );
    // A customer of hers who redeemed the new-customer coupon.
    const used = await db('coupons as cp')
      .join('customers as c', 'c.id', 'cp.customer_id')
      .join('customer_guides as cg', 'cg.customer_id', 'c.id')
      .where({
        'cp.corp_id': corpId,
        'cp.template_id': tpls.get('NEW50'),
        'cp.status': 'redeemed',
        'cg.guide_id': licui.id,
      })
      .whereNull('cg.ended_at')
      .first<{ external_userid: string }>('c.external_userid');
    expect(used).toBeDefined();
    const o = await as('licui').get(`/api/sidebar/customers/${used!.external_userid}/coupon-offers`);
    expect(o.status).toBe(200);
    const byId = new Map(o.body.offers.map((x: { templateId: number }) => [x.templateId, x]));
    expect(byId.get(tpls.get('NEW50'))).toEqual({
      templateId: tpls.get('NEW50'),
      eligible: false,
      reason: 'already_used',
    });
    const refused = await as('licui').post(`/api/sidebar/customers/${used!.external_userid}/coupons`, {
      templateId: tpls.get('NEW50'),
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'NOT_ELIGIBLE', field: 'body.templateId' } });
    // A brand-new customer: the new-customer coupon yes, the returning-customer and VIP ones no.
    const fresh = await createCustomer(db, corpId, { name: '新客券测试' });
    await follow(db, corpId, fresh.id, licui.id);
    const n = (await as('licui').get(`/api/sidebar/customers/${fresh.externalUserid}/coupon-offers`)).body;
    const reasons = Object.fromEntries(
      n.offers.map((x: { templateId: number; reason: string | null }) => [
        [...tpls].find(([, id]) => id === x.templateId)![0],
        x.reason,
      ]),
    );
    expect(reasons).toEqual({ NEW50: null, VIP100: 'tier', BDAY88: 'not_birthday', BACK30: 'not_lapsed', OFF85: null });
  });

  it('tells same-named customers apart in the reverse match: phone tail and the day each was added', async () => {
    const style = await t.ctx
      .db('products')
      .where({ corp_id: corpId, name: '云朵软底玛丽珍鞋' })
      .first<{ id: number }>('id');
    const fits = (await as('licui').get(`/api/sidebar/styles/${style.id}/customers`)).body;
    const her = fits.customers.find((c: { externalUserid: string }) => c.externalUserid === wang.ext);
    const row = await t.ctx
      .db('customers')
      .where({ id: wang.id })
      .first<{ phone_masked: string | null }>('phone_masked');
    expect(her.phoneTail).toBe(row.phone_masked ? row.phone_masked.slice(-4) : null);
    for (const c of fits.customers) expect(Number.isNaN(Date.parse(c.addedAt))).toBe(false);
  });

  it('records a send once as an interaction and counts it', async () => {
    const lib = (await as('licui').get('/api/sidebar/scripts')).body as ScriptLibrary;
    const script = lib.scripts[0]!;
    const body = {
      clientSendId: 'send-0001-abcdef',
      externalUserid: wang.ext,
      kind: 'script',
      scriptId: script.id,
      sent: [{ msgtype: 'text', summary: '王女士，本周新款到店' }],
    };
    const first = await as('licui').post('/api/sidebar/sends', body);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ recorded: 1, duplicate: false });
    expect((await as('licui').post('/api/sidebar/sends', body)).body).toEqual({ recorded: 0, duplicate: true });
    const rows = await t.ctx
      .db('interactions')
      .where({ corp_id: corpId, source: 'sidebar', customer_id: wang.id })
      .where('evidence_id', 'like', 'send-0001-abcdef%');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'script_send' });
    expect(rows[0].detail.parts[0].summary).toBe('王女士，本周新款到店');
    const after = (await as('licui').get('/api/sidebar/scripts')).body as ScriptLibrary;
    expect(after.scripts.find((x) => x.id === script.id)).toMatchObject({
      sendCount: script.sendCount + 1,
      mySendCount: script.mySendCount + 1,
    });

    const bad = await as('licui').post('/api/sidebar/sends', { ...body, clientSendId: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('body.clientSendId');
    const denied = await as('licui').post('/api/sidebar/sends', {
      ...body,
      clientSendId: 'send-0002-abcdef',
      externalUserid: stranger.ext,
    });
    expect(denied.body.error.code).toBe('NOT_FOLLOWED');
  });

  it('edits tags and sizes, queues mark_tag, and rejects tags and sizes that do not exist', async () => {
    const boot = (await as('licui').get('/api/sidebar/bootstrap')).body;
    expect(boot.me).toMatchObject({ name: '李翠', storeName: '上海南京西路店' });
    const sale = boot.tagGroups
      .flatMap((g: { tags: { id: number; name: string }[] }) => g.tags)
      .find((x: { name: string }) => x.name === '偏好大促');
    const res = await as('licui').put(`/api/sidebar/customers/${wang.ext}/tags`, { add: [sale.id] });
    expect(res.status).toBe(200);
    expect(res.body.tags.map((x: { name: string }) => x.name)).toContain('偏好大促');
    const jobs = await t.ctx.queues.queue('wecom').getJobs(['waiting', 'delayed', 'prioritized']);
    expect(jobs.some((j) => j.name === markTagJob.name && j.data.payload.customerId === wang.id)).toBe(true);
    const bad = await as('licui').put(`/api/sidebar/customers/${wang.ext}/tags`, { add: [999_999] });
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.add' });

    const size = await as('licui').put(`/api/sidebar/customers/${wang.ext}/sizes`, { category: 'tops', size: 'L' });
    expect(size.body.sizes.find((s: { category: string }) => s.category === 'tops')).toMatchObject({
      size: 'L',
      source: 'guide',
      confidence: 1,
    });
    expect(
      (await as('licui').put(`/api/sidebar/customers/${wang.ext}/sizes`, { category: 'tops', size: '99' })).body.error
        .field,
    ).toBe('body.size');
  });

  it('issues a guide-bound coupon, which is hers — and evidence — only once its send is recorded: one interaction', async () => {
    // A template she may be offered (the eligibility rules have their own test below).
    const offers = (await as('licui').get(`/api/sidebar/customers/${wang.ext}/coupon-offers`)).body;
    const tpl = { id: offers.offers.find((o: { eligible: boolean }) => o.eligible).templateId as number };
    const res = await as('licui').post(`/api/sidebar/customers/${wang.ext}/coupons`, { templateId: tpl.id });
    expect(res.status).toBe(201);
    const code = res.body.coupon.code as string;
    const row = await t.ctx.db('coupons').where({ corp_id: corpId, code }).first();
    expect(row).toMatchObject({ customer_id: wang.id, status: 'issued', sent_at: null });
    const evidence = () =>
      t.ctx
        .db('interactions')
        .where({ corp_id: corpId, customer_id: wang.id, kind: 'coupon_issue' })
        .where((q) => q.where('evidence_id', `coupon:${code}`).orWhereRaw(`detail->>'couponCode' = ?`, [code]))
        .select('evidence_id');
    expect(await evidence()).toEqual([]);
    const open = async () =>
      ((await as('licui').get(`/api/sidebar/customers/${wang.ext}`)).body as Profile).openCoupons.some(
        (c) => c.code === code && c.byMe,
      );
    expect(await open()).toBe(false);
    const send = await as('licui').post('/api/sidebar/sends', {
      clientSendId: 'sb-coupon-api-1',
      externalUserid: wang.ext,
      kind: 'coupon',
      couponCode: code,
      sent: [{ msgtype: 'text', summary: `券码 ${code}` }],
    });
    expect(send.body).toEqual({ recorded: 1, duplicate: false });
    expect(await evidence()).toEqual([{ evidence_id: `sb-coupon-api-1:${wang.id}` }]);
    expect(await t.ctx.db('coupons').where({ corp_id: corpId, code }).first()).toMatchObject({
      status: 'sent',
      sent_at: expect.any(Date),
    });
    expect(await open()).toBe(true);
  });

  it('binds a member number: the profile shows it, her earlier order becomes hers and is credited, and the bind is audited', async () => {
    const { db } = t.ctx;
    const licui = await db('guides')
      .where({ corp_id: corpId, userid: 'licui' })
      .first<{ id: number; store_id: number }>('id', 'store_id');
    const her = await db('customers as c')
      .join('customer_guides as cg', 'cg.customer_id', 'c.id')
      .where({ 'c.corp_id': corpId, 'cg.guide_id': licui.id })
      .whereNull('cg.ended_at')
      .whereNull('c.member_no')
      .whereNot('c.id', wang.id)
      .orderBy('c.id')
      .first<{ id: number; external_userid: string }>('c.id', 'c.external_userid');
    const storeCode = (await db('stores').where({ id: licui.store_id }).first<{ code: string }>('code')).code;
    // She paid an hour ago with her member card, ten minutes after 李翠 sent her a script; nobody knew the card was hers.
    const paidAt = new Date(Date.now() - 3_600_000);
    await recordInteractions(db, [
      {
        corpId,
        guideId: licui.id,
        customerId: her.id,
        occurredAt: new Date(paidAt.getTime() - 600_000),
        kind: 'script_send',
        source: 'sidebar',
        evidenceId: 'bind-test-0001',
      },
    ]);
    await ingestBatch(t.ctx, corpId, 'pos', {
      batchId: 'bind-test-1',
      orders: [
        {
          orderNo: 'BIND-0001',
          storeCode,
          paidAt: paidAt.toISOString(),
          grossFen: 39_900,
          discountFen: 0,
          netFen: 39_900,
          memberNo: 'MB-20260001',
          lines: [{ skuCode: 'BIND-SKU', qty: 1, netFen: 39_900 }],
        },
      ],
      refunds: [],
    });
    const order = await db('orders')
      .where({ corp_id: corpId, order_no: 'BIND-0001' })
      .first<{ id: number; customer_id: number | null }>('id', 'customer_id');
    expect(order.customer_id).toBeNull();

    const res = await as('licui').post(`/api/sidebar/customers/${her.external_userid}/identities`, {
      kind: 'member_no',
      value: ' MB-20260001 ',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'member_no', memberNo: 'MB-20260001', reattributedOrders: 1 });
    const profile = (await as('licui').get(`/api/sidebar/customers/${her.external_userid}`)).body as Profile;
    expect(profile.customer.memberNo).toBe('MB-20260001');
    expect(profile.lastPurchases.map((o) => o.orderNo)).toContain('BIND-0001');
    expect((await db('orders').where({ id: order.id }).first<{ customer_id: number }>('customer_id')).customer_id).toBe(
      her.id,
    );
    const audit = await db('audit_log')
      .where({ corp_id: corpId, action: 'customer.identity.bind', entity_id: String(her.id) })
      .first<{ actor: string; detail: object; request_id: string | null }>();
    expect(audit).toMatchObject({
      actor: 'licui',
      detail: { kind: 'member_no', memberNo: 'MB-20260001', reattributedOrders: 1 },
    });
    expect(audit.request_id).toEqual(expect.any(String));

    // The order is queued for attribution; run that job's work as the worker would and 李翠 is credited.
    const jobs = await t.ctx.queues.queue('attribution').getJobs(['waiting', 'delayed', 'prioritized']);
    const job = jobs.find(
      (j) => j.name === attributeJob.name && j.data.payload.reason === 'identity member_no linked later',
    );
    expect(job?.data.payload.orderIds).toEqual([order.id]);
    await attributeOrders(t.ctx, corpId, job!.data.payload.orderIds, job!.data.payload.reason);
    expect(await db('credits').where({ order_id: order.id }).whereNull('superseded_at')).toMatchObject([
      { guide_id: licui.id, rule: 'interaction', amount_fen: 39_900 },
    ]);

    // Binding it again to her changes nothing; binding it to another customer is refused.
    expect(
      (
        await as('licui').post(`/api/sidebar/customers/${her.external_userid}/identities`, {
          kind: 'member_no',
          value: 'MB-20260001',
        })
      ).body,
    ).toMatchObject({ memberNo: 'MB-20260001', reattributedOrders: 0 });
    const wangBefore = await db('customers').where({ id: wang.id }).first<{ member_no: string | null }>('member_no');
    const taken = await as('licui').post(`/api/sidebar/customers/${wang.ext}/identities`, {
      kind: 'member_no',
      value: 'MB-20260001',
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'CONFLICT', field: 'body.value' });
    expect(await db('customers').where({ id: wang.id }).first('member_no')).toEqual(wangBefore);
    expect(
      await db('customer_identities')
        .where({ corp_id: corpId, kind: 'member_no', value: 'MB-20260001' })
        .pluck('customer_id'),
    ).toEqual([her.id]);
  });

  it('binds a mobile number, shown and audited only masked; refuses bad values and customers the guide does not follow', async () => {
    const { db } = t.ctx;
    const her = await db('customers').where({ corp_id: corpId, external_userid: wang.ext }).first<{ id: number }>('id');
    await db('customers').where({ id: her.id }).update({ phone_masked: null });
    const res = await as('licui').post(`/api/sidebar/customers/${wang.ext}/identities`, {
      kind: 'phone',
      value: '+86 177-1234-5678',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'phone', phoneMasked: '177****5678', reattributedOrders: 0 });
    expect(((await as('licui').get(`/api/sidebar/customers/${wang.ext}`)).body as Profile).customer.phoneMasked).toBe(
      '177****5678',
    );
    const audit = await db('audit_log')
      .where({ corp_id: corpId, action: 'customer.identity.bind', entity_id: String(her.id) })
      .orderBy('id', 'desc')
      .first<{ detail: object }>('detail');
    expect(audit.detail).toEqual({ kind: 'phone', phoneMasked: '177****5678', reattributedOrders: 0 });
    expect(JSON.stringify(audit.detail)).not.toContain('12345678');

    const badPhone = await as('licui').post(`/api/sidebar/customers/${wang.ext}/identities`, {
      kind: 'phone',
      value: '12345',
    });
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.value' });
    expect(
      (await as('licui').post(`/api/sidebar/customers/${wang.ext}/identities`, { kind: 'member_no', value: 'M 01!' }))
        .body.error,
    ).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.value' });
    expect(
      (await as('licui').post(`/api/sidebar/customers/${wang.ext}/identities`, { kind: 'email', value: 'a@b.c' })).body
        .error,
    ).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.kind' });

    const denied = await as('licui').post(`/api/sidebar/customers/${stranger.ext}/identities`, {
      kind: 'member_no',
      value: 'MB-20269999',
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'NOT_FOLLOWED', field: 'externalUserid' });
    expect(await db('customer_identities').where({ corp_id: corpId, value: 'MB-20269999' }).first()).toBeUndefined();
  });

  it('shows my credits today and this month by path, with the latest credited orders', async () => {
    const res = await as('licui').get('/api/sidebar/my-credits');
    expect(res.status).toBe(200);
    expect(res.body.month.totalFen).toBeGreaterThanOrEqual(res.body.today.totalFen);
    expect(Object.values(res.body.month.byRule as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(
      res.body.month.totalFen,
    );
    expect(res.body.month.totalFen).toBeGreaterThan(0);
    expect(res.body.latest.length).toBeGreaterThan(0);
    for (const c of res.body.latest.filter((l: { kind: string }) => l.kind === 'sale')) {
      if (c.rule === 'interaction')
        expect(c.evidence).toMatchObject({ kind: expect.any(String), lastAt: expect.any(String) });
      if (c.rule === 'coupon') expect(c.evidence.code).toEqual(expect.any(String));
    }
    // The month total is the sum of this guide's live credits this month.
    const sum = await t.ctx.db.raw(
      `select coalesce(sum(amount_fen), 0)::bigint as s from credits c join guides g on g.id = c.guide_id
       where g.userid = 'licui' and c.corp_id = ? and c.superseded_at is null and c.occurred_at >= date_trunc('month', now() at time zone 'Asia/Shanghai') at time zone 'Asia/Shanghai'`,
      [corpId],
    );
    expect(res.body.month.totalFen).toBe(Number(sum.rows[0].s));
  });

  it('my credits list refunds and adjustments beside sales, last month too, a page at a time', async () => {
    const { db } = t.ctx;
    const licui = await db('guides').where({ corp_id: corpId, userid: 'licui' }).first<{ id: number }>('id');
    const live = await db('credits')
      .where({ corp_id: corpId, guide_id: licui.id })
      .whereNull('superseded_at')
      .select<{ id: string; kind: string }[]>('id', 'kind');
    expect(live.some((l) => l.kind === 'refund')).toBe(true);
    const seen: { id: number; kind: string; amountFen: number; at: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await as('licui').get(
        `/api/sidebar/my-credits${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.latest.length).toBeLessThanOrEqual(20);
      seen.push(...res.body.latest);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 500);
    expect(pages).toBeGreaterThan(1);
    // Every live line once, newest first, refunds negative.
    expect(seen.map((l) => l.id).sort((a, b) => a - b)).toEqual(live.map((l) => Number(l.id)).sort((a, b) => a - b));
    const ats = seen.map((l) => Date.parse(l.at));
    expect([...ats].sort((a, b) => b - a)).toEqual(ats);
    for (const l of seen.filter((x) => x.kind === 'refund')) expect(l.amountFen).toBeLessThan(0);
    // Last month from the same ledger, in the tenant's calendar.
    const res = await as('licui').get('/api/sidebar/my-credits');
    const last = await db.raw(
      `select coalesce(sum(amount_fen), 0)::bigint as s from credits c
        where c.guide_id = ? and c.corp_id = ? and c.superseded_at is null
          and c.occurred_at >= (date_trunc('month', now() at time zone 'Asia/Shanghai') - interval '1 month') at time zone 'Asia/Shanghai'
          and c.occurred_at < date_trunc('month', now() at time zone 'Asia/Shanghai') at time zone 'Asia/Shanghai'`,
      [licui.id, corpId],
    );
    expect(res.body.lastMonth.totalFen).toBe(Number(last.rows[0].s));
    expect(res.body.lastMonth.totalFen).not.toBe(0);
    const bad = await as('licui').get('/api/sidebar/my-credits?cursor=nonsense');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'query.cursor' } });
  });
});

describe('how products are shared (tenant settings)', () => {
  /** A second tenant that has set up neither a mini-program nor a link, with a guide and an admin. */
  async function bareTenant() {
    const { db, secrets } = t.ctx;
    const corp = await createCorp(db, secrets);
    const store = await createStore(db, corp.id, await createRegion(db, corp.id));
    const guide = await createGuide(db, corp.id, store);
    await db('users').insert({ corp_id: corp.id, userid: 'boss', name: '管理员', role: 'admin' });
    return { corpId: corp.id, guide: guide.userid };
  }

  it("bootstrap tells the sidebar the demo brand's mini-program and link, and nulls for a tenant that set none", async () => {
    const boot = await as('licui').get('/api/sidebar/bootstrap');
    expect(boot.status).toBe(200);
    expect(boot.body.productShare).toEqual({
      miniprogram: { appid: 'wx0d1e2f3a4b5c6d7e', page: 'pages/goods/detail?styleNo={styleNo}' },
      linkTemplate: 'https://m.guidepost.example/goods/{styleNo}',
    });
    const bare = await bareTenant();
    const other = await as(bare.guide, bare.corpId).get('/api/sidebar/bootstrap');
    expect(other.status).toBe(200);
    expect(other.body.productShare).toEqual({ miniprogram: null, linkTemplate: null });
  });

  it('an admin sets them (checked and audited); a guide may not, and a bad template is refused with its field', async () => {
    const bare = await bareTenant();
    const admin = as('boss', bare.corpId);
    const settings = {
      miniprogram: { appid: 'wx1234567890abcdef', page: 'pages/item/index?id={productId}' },
      linkTemplate: 'https://shop.example.com/item/{productId}',
    };
    expect((await as(bare.guide, bare.corpId).put('/api/tenant/product-share', settings)).status).toBe(403);
    const bad = await admin.put('/api/tenant/product-share', {
      ...settings,
      linkTemplate: 'http://shop.example.com/item/{productId}',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.linkTemplate' });
    expect(
      (
        await admin.put('/api/tenant/product-share', {
          ...settings,
          miniprogram: { ...settings.miniprogram, page: 'pages/item/index' },
        })
      ).body.error.field,
    ).toBe('body.miniprogram.page');

    const saved = await admin.put('/api/tenant/product-share', settings);
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual(settings);
    expect((await admin.get('/api/tenant/product-share')).body).toEqual(settings);
    expect((await as(bare.guide, bare.corpId).get('/api/sidebar/bootstrap')).body.productShare).toEqual(settings);
    expect(
      await t.ctx.db('audit_log').where({ corp_id: bare.corpId, action: 'corp.product_share.set' }).first(),
    ).toMatchObject({ actor: 'boss', entity: 'corp', entity_id: String(bare.corpId) });
    // Another tenant's settings are untouched.
    expect((await as('licui').get('/api/sidebar/bootstrap')).body.productShare.miniprogram.appid).toBe(
      'wx0d1e2f3a4b5c6d7e',
    );

    // Switched off again: the sidebar sends the pitch text alone.
    expect((await admin.put('/api/tenant/product-share', { miniprogram: null, linkTemplate: null })).body).toEqual({
      miniprogram: null,
      linkTemplate: null,
    });
  });
});
