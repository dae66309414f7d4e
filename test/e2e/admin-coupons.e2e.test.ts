/**
 * The brand admin writes a coupon template and a tag in the console (Chromium, demo tenant), and a
 * guide then sees the template in her sidebar: offered to a new customer — issued and sent into
 * the chat — and not to a VIP who has bought before, with the reason. The console is shot at 1440
 * and 360 px, the sidebar in the sandbox desktop client. Screenshots: test-results/screenshots/admin-coupons-*.png.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CORP } from '../../sandbox/seed/scales';
import type { Sandbox } from '../../sandbox/wecom/server';
import type { TestContext } from '../helpers/context';
import { type DemoStack, SHOTS, screenshots, settle, startDemoStack } from './demo-stack';

let stack: DemoStack;
let ctx: TestContext;
let sandbox: Sandbox;
let apiUrl = '';
let browser: Browser;
let corpId = 0;
let admin: BrowserContext;
const shot = screenshots('admin-coupons');

beforeAll(async () => {
  stack = await startDemoStack({ env: (sandboxUrl) => ({ WECOM_JS_BRIDGE_URL: `${sandboxUrl}/client/bridge.js` }) });
  ({ ctx, sandbox, apiUrl, browser, corpId } = stack);
});

afterAll(async () => {
  await stack?.close();
});

const logErrors = (page: Page) => {
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) console.log('[browser]', m.text());
  });
};

describe('coupon templates and tags in the admin console, seen by a guide', () => {
  let templateId = 0;

  it('the admin creates a new-customers-only coupon template (a bad value named at its field first)', async () => {
    admin = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const page = await admin.newPage();
    logErrors(page);
    await page.goto(`${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}`);
    await page.locator('[data-test=qr-login]').click();
    await page.locator('a[data-userid=admin]').click();
    await page.locator('[data-test=who]').waitFor();
    await page.locator('[data-test=nav-admin]').click();
    await page.locator('[data-test=admin-tab-coupons]').click();
    await page.locator('[data-test=coupons-tab]').waitFor();

    await page.locator('[data-test=coupon-new]').click();
    await page.locator('[data-test=f-name]').fill('新客专享 30 元');
    await page.locator('[data-test=f-value]').fill('300');
    await page.locator('[data-test=f-min-spend]').fill('199');
    await page.locator('[data-test=f-days]').fill('14');
    await page.locator('[data-test=f-audience]').selectOption('new');
    await page.locator('[data-test=f-daily]').fill('20');
    await page.locator('[data-test=coupon-save]').click();
    // ¥300 off a ¥199 minimum: refused, and said beside the value.
    await page.locator('[data-test=err-valueFen]').waitFor();
    expect(await page.locator('[data-test=err-valueFen]').textContent()).toContain('低于使用门槛');
    await shot(page, '1440-01-field-error');
    await page.locator('[data-test=f-value]').fill('30');
    await page.locator('[data-test=coupon-save]').click();
    await page.locator('[data-test=coupon-form]').waitFor({ state: 'detached' });

    const row = await ctx
      .db('coupon_templates')
      .where({ corp_id: corpId, name: '新客专享 30 元' })
      .first<{ id: number; value_fen: number; min_spend_fen: number; audience: string; guide_daily_limit: number }>();
    expect(row).toMatchObject({ value_fen: 3000, min_spend_fen: 19900, audience: 'new', guide_daily_limit: 20 });
    templateId = Number(row.id);
    const card = page.locator(`[data-test=template-${templateId}]`);
    await card.waitFor();
    expect(await card.textContent()).toContain('仅新客');
    await shot(page, '1440-02-coupons');

    // Retiring asks first; cancelled here, so the template stays live.
    await card.locator('[data-test=template-retire]').click();
    await card.locator('[data-test=retire-confirm]').waitFor();
    await shot(page, '1440-03-retire-confirm');
    await card.getByRole('button', { name: '取消' }).click();
    await page.close();
  });

  it('the admin creates a tag group in WeCom, mapped to its family', async () => {
    const page = await admin.newPage();
    logErrors(page);
    await page.goto(`${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}#/admin/tags`);
    await page.locator('[data-test=tags-tab]').waitFor();
    await page.locator('[data-test=tag-group-new]').click();
    await page.locator('[data-test=g-name]').fill('客户价值');
    await page.locator('[data-test=g-family]').selectOption('preference');
    await page.locator('[data-test=g-tags]').fill('瑜伽，跑步');
    await page.locator('[data-test=g-create]').click();
    // The demo already has a group of that name: refused at the name.
    await page.locator('[data-test=err-g-name]').waitFor();
    expect(await page.locator('[data-test=err-g-name]').textContent()).toContain('同名');
    await page.locator('[data-test=g-name]').fill('运动爱好');
    await page.locator('[data-test=g-create]').click();
    await page.locator('[data-test=tag-group-form]').waitFor({ state: 'detached' });
    const group = await ctx
      .db('tag_groups')
      .where({ corp_id: corpId, name: '运动爱好' })
      .whereNull('deleted_at')
      .first<{ id: number; wecom_group_id: string; kind: string }>();
    expect(group.kind).toBe('preference');
    const inWecom = sandbox.state.corps
      .get(DEMO_CORP.wecomCorpId)!
      .groups.find((g) => g.group_id === group.wecom_group_id);
    expect(inWecom?.tag.map((t) => t.name)).toEqual(['瑜伽', '跑步']);
    const card = page.locator(`[data-test=tag-group-${group.id}]`);
    await card.waitFor();
    expect(await card.textContent()).toContain('瑜伽');
    await page.locator('[data-test=tags-tab]').evaluate((el) => el.scrollIntoView());
    await shot(page, '1440-04-tags');
    await page.close();
  });

  it('the console at 360 px', async () => {
    const phone = await browser.newContext({
      viewport: { width: 360, height: 780 },
      locale: 'zh-CN',
      storageState: await admin.storageState(),
    });
    const page = await phone.newPage();
    logErrors(page);
    await page.goto(`${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}#/admin/coupons`);
    await page.locator(`[data-test=template-${templateId}]`).waitFor();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(wide).toBeLessThanOrEqual(360);
    await shot(page, '360-01-coupons');
    await page.locator('[data-test=coupon-new]').click();
    await page.locator('[data-test=coupon-form]').waitFor();
    await shot(page, '360-02-coupon-form');
    await page.goto(`${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}#/admin/tags`);
    await page.locator('[data-test=tags-tab] [data-test^=tag-group-]').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(page, '360-03-tags');
    await phone.close();
  });

  it('a guide is offered it for a new customer — issues and sends it — and not for a VIP, with the reason', async () => {
    const licuiCustomers = () =>
      ctx
        .db('customers as c')
        .join('customer_guides as cg', 'cg.customer_id', 'c.id')
        .join('guides as g', 'g.id', 'cg.guide_id')
        .where({ 'c.corp_id': corpId, 'g.userid': 'licui' })
        .whereNull('cg.ended_at')
        .whereNotNull('c.external_userid');
    const fresh = await licuiCustomers()
      .whereNotExists(ctx.db('orders').whereRaw('orders.customer_id = c.id'))
      .first<{ id: number; external_userid: string; name: string }>('c.id', 'c.external_userid', 'c.name');
    const vip = await licuiCustomers()
      .whereExists(ctx.db('orders').whereRaw('orders.customer_id = c.id'))
      .whereExists(
        ctx
          .db('customer_tags as ct')
          .join('tags as t', 't.id', 'ct.tag_id')
          .whereRaw('ct.customer_id = c.id')
          .where('t.name', '超级VIP'),
      )
      .first<{ id: number; external_userid: string; name: string }>('c.id', 'c.external_userid', 'c.name');
    expect(fresh && vip).toBeTruthy();

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    logErrors(page);
    const sidebar = () => page.frameLocator('#app');
    const sidebarShot = async (name: string) => {
      await expect.poll(() => sidebar().locator('.van-toast:visible').count(), { timeout: 5_000 }).toBe(0);
      await settle(page);
      await page.locator('#app').screenshot({ path: `${SHOTS}/admin-coupons-${name}.png` });
    };
    const open = async (c: { external_userid: string; name: string }) => {
      await page.goto(
        `${sandbox.url}/client/?corp=${DEMO_CORP.wecomCorpId}&user=licui&chat=${encodeURIComponent(c.external_userid)}`,
      );
      await expect
        .poll(() => sidebar().locator('[data-test=customer-head]').textContent(), { timeout: 20_000 })
        .toContain(c.name);
      await sidebar().getByRole('tab', { name: '优惠券' }).click();
    };

    await open(vip);
    const offVip = sidebar().locator(`[data-test="coupon-${templateId}"]`);
    await offVip.waitFor({ timeout: 20_000 });
    expect(await offVip.getAttribute('data-eligible')).toBe('false');
    expect(await offVip.locator('[data-test=coupon-why]').textContent()).toContain('仅限新客');
    expect(await offVip.locator('[data-test=issue]').count()).toBe(0);
    await offVip.scrollIntoViewIfNeeded();
    await sidebarShot('sidebar-01-vip-not-eligible');

    await open(fresh);
    const offer = sidebar().locator(`[data-test="coupon-${templateId}"]`);
    await offer.waitFor({ timeout: 20_000 });
    expect(await offer.getAttribute('data-eligible')).toBe('true');
    expect(await offer.textContent()).toContain('新客专享 30 元');
    await sidebarShot('sidebar-02-new-customer-offered');
    await offer.locator('[data-test=issue]').click();
    const text = await sidebar().locator('[data-test=part-text-0] textarea').inputValue();
    const code = /券码 (GP\w+)/.exec(text)?.[1];
    expect(code).toBeDefined();
    await sidebarShot('sidebar-03-coupon-message');
    await sidebar().locator('[data-test=send]').click();
    await expect.poll(() => page.locator('.msgs .bubble').last().textContent(), { timeout: 20_000 }).toContain(code!);
    await expect
      .poll(async () => (await ctx.db('coupons').where({ corp_id: corpId, code }).first())?.status, { timeout: 20_000 })
      .toBe('sent');
    const sent = await ctx.db('coupons').where({ corp_id: corpId, code }).first();
    expect(sent).toMatchObject({
      template_id: templateId,
      customer_id: fresh.id,
      value_fen: 3000,
      name: '新客专享 30 元',
    });

    // Head office tightens the template to one a day per guide: she has issued hers today, so for
    // the next new customer the sheet says why she cannot. The coupon she sent keeps its terms.
    const edited = await admin.request.put(`${apiUrl}/api/admin/coupon-templates/${templateId}`, {
      data: {
        name: '新客专享 25 元',
        kind: 'cash',
        valueFen: 2500,
        minSpendFen: 19900,
        validDays: 14,
        audience: 'new',
        guideDailyLimit: 1,
      },
    });
    expect(edited.status()).toBe(200);
    const another = await licuiCustomers()
      .whereNotExists(ctx.db('orders').whereRaw('orders.customer_id = c.id'))
      .whereNot('c.id', fresh.id)
      .first<{ id: number; external_userid: string; name: string }>('c.id', 'c.external_userid', 'c.name');
    await open(another);
    const limited = sidebar().locator(`[data-test="coupon-${templateId}"]`);
    await limited.waitFor({ timeout: 20_000 });
    expect(await limited.getAttribute('data-eligible')).toBe('false');
    expect(await limited.locator('[data-test=coupon-why]').textContent()).toContain('今天发这张券已达上限');
    await limited.scrollIntoViewIfNeeded();
    await sidebarShot('sidebar-04-daily-limit');
    expect(await ctx.db('coupons').where({ corp_id: corpId, code }).first()).toMatchObject({
      value_fen: 3000,
      name: '新客专享 30 元',
    });
    await context.close();
    await admin.close();
  });
});
