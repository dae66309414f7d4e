/**
 * The script library end to end in Chromium on the demo tenant: at 1440 px the admin signs in with
 * WeCom web login, writes a two-part script (text with variables picked from the picker, a link
 * card) targeted at two of 王雅琴's tags and offering the 新品85折 coupon template, previews it for
 * 王雅琴 and publishes it; the console is also shot at 390 px. Then 李翠 opens her chat with 王雅琴 in
 * the sandbox desktop client: the script is recommended, filled with the template's own name and
 * validity (no `{{`), and sent part by part — the chat pane shows the text and the link card.
 * Withdrawn, it is gone from her sidebar. Screenshots: test-results/screenshots/admin-scripts-*.png.
 */
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CORP } from '../../sandbox/seed/scales';
import type { Sandbox } from '../../sandbox/wecom/server';
import type { TestContext } from '../helpers/context';
import { type DemoStack, SHOTS, screenshots, settle, startDemoStack } from './demo-stack';

const UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 wxwork/4.1.30 MicroMessenger/7.0.1 Language/zh';
const TITLE = '新品折扣专享';
let stack: DemoStack;
let ctx: TestContext;
let sandbox: Sandbox;
let apiUrl = '';
let browser: Browser;
let corpId = 0;
let wangExt = '';
const shot = screenshots('admin-scripts');

const logErrors = (page: Page) => {
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) console.log('[browser]', m.text());
  });
};

beforeAll(async () => {
  stack = await startDemoStack({ env: (sandboxUrl) => ({ WECOM_JS_BRIDGE_URL: `${sandboxUrl}/client/bridge.js` }) });
  ({ ctx, sandbox, apiUrl, browser, corpId } = stack);
  wangExt = (
    await ctx
      .db('customers')
      .where({ corp_id: corpId, name: '王雅琴' })
      .first<{ external_userid: string }>('external_userid')
  ).external_userid;
}, 240_000);

afterAll(async () => {
  await stack?.close();
});

async function adminPage(width: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  logErrors(page);
  await page.goto(`${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}`);
  await page.locator('[data-test=qr-login]').click();
  await page.locator('a[data-userid=admin]').click();
  await page.locator('[data-test=who]').waitFor();
  await page.locator('[data-test=nav-admin]').click();
  await page.locator('[data-test=admin-tab-scripts]').click();
  await page.locator('[data-test=scripts-tab]').waitFor();
  return page;
}

describe('the script library in Chromium', () => {
  it('the admin writes, previews and publishes a script with a coupon; the guide sees it filled and sends it', async () => {
    const page = await adminPage(1440);
    await page.locator('[data-test="sc-cat-新品上市"]').click();
    await page.locator('[data-test=sc-new]').click();
    const editor = page.locator('[data-test=sc-editor]');
    await editor.waitFor();
    await page.locator('[data-test=sc-title]').fill(TITLE);
    await page.locator('[data-test=sc-text-0]').fill('{{称呼}}，本季新品到店啦，送您一张');
    // The variable picker appends to the part last edited.
    await page.locator('[data-test="sc-var-优惠券"]').click();
    await page.locator('[data-test=sc-text-0]').press('End');
    await page.locator('[data-test=sc-text-0]').pressSequentially('（{{券面额}}），{{券有效期}}前有效～');
    await page.locator('[data-test=sc-add-news]').click();
    const card = page.locator('[data-test=sc-part-1]');
    await card.locator('[data-test=sc-title-1]').fill('悦享 · 秋冬新品');
    await card.locator('input').nth(1).fill('通勤、周末一衣多穿');
    await card.locator('input').nth(2).fill('https://m.guidepost.example/new');
    await card.locator('input').nth(3).fill('https://static.guidepost.example/news/new.png');
    await editor.locator('label.cp-chip', { hasText: '偏好新款' }).click();
    await editor.locator('label.cp-chip', { hasText: '偏好黑白灰' }).click();
    await page.locator('[data-test=sc-coupon]').selectOption({ label: '新品85折' });
    await page.locator('[data-test=sc-save]').click();
    await expect.poll(() => page.locator('[data-test=sc-notice]').textContent()).toBe('已保存');
    expect(await page.locator(`[data-test="sc-status-${TITLE}"]`).textContent()).toBe('草稿');
    const saved = await ctx.db('scripts').where({ corp_id: corpId, title: TITLE }).first();
    expect(saved).toMatchObject({ enabled: false });
    expect(saved.parts[0].text).toBe(
      '{{称呼}}，本季新品到店啦，送您一张{{优惠券}}（{{券面额}}），{{券有效期}}前有效～',
    );

    // Preview for 王雅琴, through her own guide.
    await page.locator('[data-test=sc-sample-q]').fill('王雅琴');
    await page.locator('[data-test=sc-sample-search]').click();
    await page.locator('[data-test="sc-sample-王雅琴"]').first().click();
    const preview = page.locator('[data-test=sc-preview]');
    await preview.waitFor();
    const filled = await page.locator('[data-test=sc-preview-part-0]').textContent();
    expect(filled).toMatch(/^王女士，本季新品到店啦，送您一张新品85折（8.5折），\d{1,2}月\d{1,2}日前有效～$/);
    expect(await preview.textContent()).not.toContain('{{');
    expect(await page.locator('[data-test=sc-preview-recommended]').textContent()).toContain('会推荐给她');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, '1440-01-editor-preview');

    await page.locator('[data-test=sc-publish]').click();
    await expect.poll(() => page.locator(`[data-test="sc-status-${TITLE}"]`).textContent()).toBe('已发布');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, '1440-02-published');
    const published = await ctx.db('scripts').where({ corp_id: corpId, title: TITLE }).first<{ id: number }>('id');
    expect(
      await ctx
        .db('audit_log')
        .where({ corp_id: corpId, entity: 'script', entity_id: String(published.id) })
        .pluck('action'),
    ).toEqual(expect.arrayContaining(['script.create', 'script.update', 'script.publish']));

    // The console at phone width.
    const phone = await adminPage(390);
    await phone.locator('[data-test="sc-cat-新品上市"]').click();
    await phone.locator(`[data-test="sc-script-${TITLE}"]`).click();
    await phone.locator('[data-test=sc-editor]').waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(phone, '390-01-editor');
    await phone.context().close();

    // 李翠 in the WeCom desktop client, in her chat with 王雅琴.
    const client = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      userAgent: UA,
      locale: 'zh-CN',
      deviceScaleFactor: 1,
    });
    const guide = await client.newPage();
    logErrors(guide);
    await guide.goto(
      `${sandbox.url}/client/?corp=${DEMO_CORP.wecomCorpId}&user=licui&chat=${encodeURIComponent(wangExt)}`,
    );
    const sidebar = (): FrameLocator => guide.frameLocator('#app');
    await expect
      .poll(() => sidebar().locator('[data-test=customer-head]').textContent(), { timeout: 20_000 })
      .toContain('王雅琴');
    await sidebar().getByRole('tab', { name: '话术' }).click();
    const item = sidebar().locator(`[data-test=recommended] [data-test=script-${published.id}]`);
    await item.waitFor();
    expect(await item.textContent()).toContain('新品85折');
    expect(await sidebar().locator('[data-test=scripts]').textContent()).not.toContain('{{');
    await settle(guide);
    await guide.locator('#app').screenshot({ path: `${SHOTS}/admin-scripts-360-01-recommended.png` });
    await item.click();
    const text = sidebar().locator('[data-test=part-text-0] textarea');
    await text.waitFor();
    const content = await text.inputValue();
    expect(content).toBe(filled);
    await settle(guide);
    await guide.locator('#app').screenshot({ path: `${SHOTS}/admin-scripts-360-02-sheet.png` });
    await sidebar().locator('[data-test=send]').click();
    // Each part with its own call, in order: the text, then the link card.
    await expect.poll(() => guide.locator('.msgs .msg[data-msgtype=news]').count()).toBeGreaterThan(0);
    expect(await guide.locator('.msgs .bubble').last().textContent()).toBe(content);
    expect(await guide.locator('.msgs .msg').last().getAttribute('data-msgtype')).toBe('news');
    expect(await guide.locator('.msgs .msg[data-msgtype=news]').last().textContent()).toContain('悦享 · 秋冬新品');
    await expect
      .poll(async () =>
        Number(
          (await ctx.db('scripts').where({ id: published.id }).first<{ send_count: number }>('send_count')).send_count,
        ),
      )
      .toBe(1);
    await shot(guide, '1440-03-client-sent');

    // Withdrawn in the console: gone from her sidebar on its next load.
    page.once('dialog', (d) => void d.accept());
    await page.locator('[data-test=sc-withdraw]').click();
    await expect.poll(() => page.locator(`[data-test="sc-status-${TITLE}"]`).textContent()).toBe('已撤回');
    await guide.reload();
    await expect
      .poll(() => sidebar().locator('[data-test=customer-head]').textContent(), { timeout: 20_000 })
      .toContain('王雅琴');
    await sidebar().getByRole('tab', { name: '话术' }).click();
    await sidebar().locator('[data-test=scripts] .item').first().waitFor();
    expect(await sidebar().locator(`[data-test=script-${published.id}]`).count()).toBe(0);
    await client.close();
    await page.context().close();
  });
});
