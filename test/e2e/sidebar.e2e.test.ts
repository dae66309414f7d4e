/**
 * The guide's day in the sidebar, in Chromium: the sandbox desktop client opens a chat with a
 * demo customer and loads the built sidebar in its toolbar frame, with the client's
 * WeixinJSBridge injected and a WeCom user agent, running the real @wecom/jssdk. Screenshots of
 * each view go to test-results/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type FrameLocator, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { BUDGET_BYTES, firstLoadJs } from '../../scripts/size-budget';
import { DEMO_CORP } from '../../sandbox/seed/scales';
import { loadSandboxPayload, pushToSandbox } from '../../sandbox/seed/push-to-sandbox';
import { pointImagesAtSandbox } from '../../sandbox/seed/sandbox-images';
import { ingestBatch } from '../../core/ingest/pos';
import { creditHistory } from '../../sandbox/seed/credit-history';
import { seedTenant } from '../../sandbox/seed/seed';
import { type Sandbox, startSandbox } from '../../sandbox/wecom/server';
import { type RunningWorkers, startWorkers } from '../../workers/runtime';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';

const SHOTS = 'test-results/screenshots';
const UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 wxwork/4.1.30 MicroMessenger/7.0.1 Language/zh';

let ctx: TestContext;
let sandbox: Sandbox;
let api: Server;
let workers: RunningWorkers;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let corpId: number;
let wang: { id: number; ext: string };
let stranger: string;
let groupChatId: string;
const sandboxCorp = () => sandbox.state.corps.get(DEMO_CORP.wecomCorpId)!;

const sidebar = (): FrameLocator => page.frameLocator('#app');
/**
 * The sidebar frame as the guide sees it (360 px), once sheets have finished sliding in and the
 * toasts of an earlier step are gone (unless the toast is what the shot is about).
 */
const shot = async (name: string, opts: { toast?: boolean } = {}) => {
  if (!opts.toast) await expect.poll(() => sidebar().locator('.van-toast:visible').count(), { timeout: 5_000 }).toBe(0);
  await sidebar()
    .locator('body')
    .evaluate(() =>
      Promise.all(
        document
          .getAnimations()
          .filter((a) => a.effect?.getComputedTiming().endTime !== Infinity)
          .map((a) => a.finished.catch(() => undefined)),
      ),
    );
  await page.locator('#app').screenshot({ path: `${SHOTS}/${name}.png` });
};
/** No Chinese in the English UI's own text (data such as names, tags and scripts stays as entered). */
const CJK = /[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/;
const openChat = async (peer: string, extra = '') => {
  await page.goto(
    `${sandbox.url}/client/?corp=${DEMO_CORP.wecomCorpId}&user=licui&chat=${encodeURIComponent(peer)}${extra}`,
  );
};
const interactions = (kind: string) =>
  ctx
    .db('interactions')
    .where({ corp_id: corpId, customer_id: wang.id, source: 'sidebar', kind })
    .orderBy('occurred_at', 'desc');

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The production build, as shipped (vitest's NODE_ENV=test would otherwise give Vue's development build).
  execFileSync('node_modules/.bin/vite', ['build', '--config', 'sidebar/vite.config.ts', '--logLevel', 'warn'], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  // The API's address must be known before its configuration (OAuth redirect), so listen first.
  api = createServer();
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  sandbox = await startSandbox({ appUrl: apiUrl });
  ctx = await createTestContext({
    PUBLIC_URL: apiUrl,
    WECOM_API_BASE: sandbox.url,
    WECOM_OAUTH_BASE: sandbox.url,
    WECOM_JS_BRIDGE_URL: `${sandbox.url}/client/bridge.js`,
  });
  await seedTenant({ databaseUrl: ctx.cfg.DATABASE_URL, secretsKey: ctx.cfg.SECRETS_KEY, scale: 'demo' });
  // As `npm run demo` does: pictures come from the sandbox, never from a host on the internet.
  await pointImagesAtSandbox(ctx.db, DEMO_CORP.wecomCorpId, sandbox.url);
  await pushToSandbox(sandbox.url, await loadSandboxPayload(ctx.db, DEMO_CORP.wecomCorpId, apiUrl), DEMO_CORP);
  api.on('request', createApp(ctx));
  await creditHistory(
    ctx,
    (await ctx.db('corps').where({ wecom_corp_id: DEMO_CORP.wecomCorpId }).first<{ id: number }>('id')).id,
  );
  workers = startWorkers(ctx);
  corpId = (await ctx.db('corps').where({ wecom_corp_id: DEMO_CORP.wecomCorpId }).first<{ id: number }>('id')).id;
  const w = await ctx
    .db('customers')
    .where({ corp_id: corpId, name: '王雅琴' })
    .first<{ id: number; external_userid: string }>('id', 'external_userid');
  wang = { id: w.id, ext: w.external_userid };
  const licui = await ctx.db('guides').where({ corp_id: corpId, userid: 'licui' }).first<{ id: number }>('id');
  stranger = (
    await ctx
      .db('customers as c')
      .where({ 'c.corp_id': corpId })
      .whereNotNull('c.external_userid')
      .whereNotExists(ctx.db('customer_guides').whereRaw('customer_id = c.id').where({ guide_id: licui.id }))
      .first<{ external_userid: string }>('c.external_userid')
  ).external_userid;
  // A customer group run by 李翠 with her customer 王雅琴, a customer she does not follow, and herself.
  const strangerName = (
    await ctx.db('customers').where({ corp_id: corpId, external_userid: stranger }).first<{ name: string }>('name')
  ).name;
  const created = await fetch(`${sandbox.url}/sandbox/api/corps/${DEMO_CORP.wecomCorpId}/group-chats`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: '南京西路店 · 宝妈交流群',
      owner: 'licui',
      members: [
        { userid: 'licui' },
        { external_userid: wang.ext, name: '王雅琴' },
        { external_userid: stranger, name: strangerName },
      ],
    }),
  });
  groupChatId = ((await created.json()) as { chat_id: string }).chat_id;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    userAgent: UA,
    locale: 'zh-CN',
    deviceScaleFactor: 1,
  });
  page = await context.newPage();
  page.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Failed to load resource'))
      console.log('[browser]', m.type(), m.text());
  });
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
});

afterAll(async () => {
  await browser?.close();
  await workers?.close();
  await new Promise((r) => api?.close(r));
  await sandbox?.close();
  if (ctx) await destroyTestContext(ctx);
});

describe('the guide sidebar inside the WeCom desktop client', () => {
  it('opens the chat customer: tags and sizes, through agentConfig, getContext and getCurExternalContact', async () => {
    await openChat(wang.ext);
    const head = sidebar().locator('[data-test=customer-head]');
    await expect.poll(() => head.textContent(), { timeout: 20_000 }).toContain('王雅琴');
    await expect.poll(() => sidebar().locator('[data-test="tag-偏好新款"]').count()).toBe(1);
    await expect.poll(() => sidebar().locator('[data-test=size-shoes]').textContent()).toContain('37');
    const log = await page.locator('#log').textContent();
    expect(log).toMatch(
      /agentConfig → agentConfig:ok[\s\S]*getContext → getContext:ok[\s\S]*getCurExternalContact → getCurExternalContact:ok/,
    );
    // Each size says where it comes from and how sure it is; the system's tags are marked as such.
    expect(await sidebar().locator('[data-test=size-source-tops]').textContent()).toMatch(/购买推断 \d+%/);
    expect(await sidebar().locator('html').getAttribute('lang')).toBe('zh-CN');
    await shot('01-profile');
  });

  it('adds a tag at once, writes it to WeCom with mark_tag, and takes it off again', async () => {
    const tag = await ctx
      .db('tags')
      .where({ corp_id: corpId, name: '偏好通勤' })
      .first<{ id: number; wecom_tag_id: string }>('id', 'wecom_tag_id');
    const inWecom = () =>
      sandboxCorp()
        .contacts.get(wang.ext)!
        .follow_user.find((f) => f.userid === 'licui')!
        .tag_ids.includes(tag.wecom_tag_id);
    await sidebar().locator('[data-test=edit-tags]').click();
    await sidebar().locator('[data-test="pick-偏好通勤"]').click();
    await expect.poll(() => sidebar().locator('[data-test="tag-偏好通勤"]').count()).toBe(1);
    await expect
      .poll(() => ctx.db('customer_tags').where({ customer_id: wang.id, tag_id: tag.id, source: 'guide' }).first())
      .toBeTruthy();
    await expect.poll(inWecom, { timeout: 15_000 }).toBe(true);
    await shot('02-tag-editor');
    await sidebar().locator('[data-test="pick-偏好通勤"]').click();
    await expect.poll(() => sidebar().locator('[data-test="tag-偏好通勤"]').count()).toBe(0);
    await expect.poll(inWecom, { timeout: 15_000 }).toBe(false);
    await sidebar().locator('[data-test=tag-editor]').press('Escape');
    await sidebar().locator('.van-popup:visible .van-popup__close-icon').click();
  });

  it("corrects a size: the guide's word replaces the purchase guess", async () => {
    await sidebar().locator('[data-test=size-tops]').click();
    const sheet = sidebar().locator('.van-action-sheet:visible');
    await sheet.waitFor();
    await shot('03-size-sheet');
    await sheet.getByText('L', { exact: true }).click();
    await expect.poll(() => sidebar().locator('[data-test=size-tops]').textContent()).toContain('L');
    expect(await sidebar().locator('[data-test=size-source-tops]').textContent()).toBe('导购确认');
    const row = await ctx
      .db('customer_sizes')
      .where({ customer_id: wang.id, category: 'tops' })
      .first<{ size: string; source: string; confidence: number }>();
    expect(row).toMatchObject({ size: 'L', source: 'guide', confidence: 1 });
    await shot('04-size-corrected');
  });

  it('sends a recommended script with the variables filled: the chat shows the exact text and an interaction is recorded', async () => {
    const before = (await interactions('script_send')).length;
    await sidebar().getByRole('tab', { name: '话术' }).click();
    const first = sidebar().locator('[data-test=recommended] .item').first();
    await first.waitFor();
    await shot('05-scripts');
    await first.click();
    const text = sidebar().locator('[data-test=part-text-0] textarea');
    await text.waitFor();
    const content = await text.inputValue();
    expect(content).toContain('王女士');
    expect(content).not.toContain('{{');
    await shot('06-script-preview');
    await sidebar().locator('[data-test=send]').click();
    await expect.poll(() => page.locator('.msgs .bubble').last().textContent()).toBe(content);
    await expect.poll(async () => (await interactions('script_send')).length).toBe(before + 1);
    const [row] = await interactions('script_send');
    expect(row.detail.parts[0].summary).toBe(content);
  });

  it('a cancelled send is not an error and records nothing', async () => {
    const before = (await interactions('script_send')).length;
    await page.locator('#cancelNext').check();
    await sidebar().locator('[data-test=recommended] .item').first().click();
    await sidebar().locator('[data-test=send]').click();
    await expect.poll(() => sidebar().locator('.van-toast').last().textContent()).toContain('已取消发送');
    expect(await sidebar().locator('.van-toast--fail:visible').count()).toBe(0);
    expect((await interactions('script_send')).length).toBe(before);
    await page.keyboard.press('Escape');
    await sidebar().locator('.van-popup:visible .van-popup__close-icon').click();
    await expect.poll(() => sidebar().locator('[data-test=script-sheet]:visible').count()).toBe(0);
  });

  it("shows the broken run in her size first and shares it as the brand's mini-program card with a pitch that says it fits her size", async () => {
    const before = (await interactions('product_share')).length;
    const product = await ctx
      .db('products')
      .where({ corp_id: corpId, name: '云朵软底玛丽珍鞋' })
      .first<{ id: number; style_no: string; image_url: string }>('id', 'style_no', 'image_url');
    const mpPage = `pages/goods/detail.html?styleNo=${product.style_no}`;
    await openChat(wang.ext);
    await sidebar().getByRole('tab', { name: '搭配库存' }).click();
    const first = sidebar().locator('[data-test^=match-]').first();
    await first.waitFor({ timeout: 20_000 });
    expect(await first.getAttribute('data-broken')).toBe('true');
    expect(await first.textContent()).toContain('云朵软底玛丽珍鞋');
    await shot('07-matches');
    await first.locator('[data-test=share]').click();
    const text = await sidebar().locator('[data-test=part-text-0] textarea').inputValue();
    expect(text).toContain('37');
    expect(text).not.toMatch(/清仓|尾货|剩货/);
    // The demo brand has a mini-program: the sheet says the product goes out as its card.
    expect(await sidebar().locator('[data-test=pitch-product]').getAttribute('data-card')).toBe('miniprogram');
    expect(await sidebar().locator('[data-test=pitch-product]').textContent()).toMatch(
      /云朵软底玛丽珍鞋[\s\S]*37码[\s\S]*小程序/,
    );
    await shot('08-product-pitch');
    await sidebar().locator('[data-test=send]').click();
    // The chat shows the card as WeCom draws it: title, the product's picture (served by the sandbox), 小程序.
    const card = page.locator('.msgs .msg[data-msgtype=miniprogram]').last().locator('.card.mp');
    await expect.poll(() => card.textContent()).toContain('云朵软底玛丽珍鞋');
    expect(await card.getAttribute('data-appid')).toBe('wx0d1e2f3a4b5c6d7e');
    expect(await card.getAttribute('data-page')).toBe(mpPage);
    expect(await card.locator('.foot').textContent()).toBe('小程序');
    expect(product.image_url.startsWith(sandbox.url)).toBe(true);
    await expect
      .poll(() =>
        card.locator('.cover img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0 && img.src),
      )
      .toBe(product.image_url);
    await expect.poll(async () => (await interactions('product_share')).length).toBe(before + 1);
    // The interaction names what was sent: the pitch text, then the mini-program card with its page.
    const [row] = await interactions('product_share');
    expect(row.detail).toMatchObject({
      productId: product.id,
      parts: [{ msgtype: 'text' }, { msgtype: 'miniprogram', summary: `云朵软底玛丽珍鞋 ${mpPage}` }],
    });
    await page.locator('.pane').screenshot({ path: `${SHOTS}/08b-product-card-chat.png` });
  });

  it('for a tenant without product cards, the pitch goes out as text alone and the sheet still shows the product', async () => {
    const restore = await ctx
      .db('corps')
      .where({ id: corpId })
      .first('product_link_template', 'product_mp_appid', 'product_mp_page');
    await ctx
      .db('corps')
      .where({ id: corpId })
      .update({ product_link_template: null, product_mp_appid: null, product_mp_page: null });
    try {
      const before = (await interactions('product_share')).length;
      const cards = await page.locator('.msgs .msg[data-msgtype=miniprogram]').count();
      await openChat(wang.ext);
      await sidebar().getByRole('tab', { name: '搭配库存' }).click();
      const first = sidebar().locator('[data-test^=match-]').first();
      await first.waitFor({ timeout: 20_000 });
      await first.locator('[data-test=share]').click();
      const product = sidebar().locator('[data-test=pitch-product]');
      await expect.poll(() => product.getAttribute('data-card')).toBe('none');
      expect(await product.textContent()).toMatch(/云朵软底玛丽珍鞋[\s\S]*仅文字/);
      expect(await sidebar().locator('[data-test=no-card]').textContent()).toContain('只发送上面的文字');
      await shot('08c-product-pitch-text-only');
      await sidebar().locator('[data-test=send]').click();
      await expect.poll(async () => (await interactions('product_share')).length).toBe(before + 1);
      const [row] = await interactions('product_share');
      expect((row.detail.parts as { msgtype: string }[]).map((x) => x.msgtype)).toEqual(['text']);
      expect(await page.locator('.msgs .msg[data-msgtype=miniprogram]').count()).toBe(cards);
    } finally {
      await ctx.db('corps').where({ id: corpId }).update(restore);
    }
  });

  /** Issues the first coupon template in the sheet and returns the code its message carries. */
  const issueFirstCoupon = async (): Promise<string> => {
    await sidebar().locator('[data-test=issue]').first().click();
    const text = await sidebar().locator('[data-test=part-text-0] textarea').inputValue();
    const code = /券码 (GP\w+)/.exec(text)?.[1];
    expect(code).toBeDefined();
    return code!;
  };
  const coupon = (code: string) =>
    ctx
      .db('coupons')
      .where({ corp_id: corpId, code, customer_id: wang.id })
      .first<{ status: string; sent_at: Date | null; voided_at: Date | null }>('status', 'sent_at', 'voided_at');

  it('issues a coupon and sends it into the chat: the coupon is sent, and the send is exactly one interaction', async () => {
    const before = (await interactions('coupon_issue')).length;
    await sidebar().getByRole('tab', { name: '优惠券' }).click();
    await sidebar().locator('[data-test=issue]').first().waitFor();
    await shot('09-coupons');
    const code = await issueFirstCoupon();
    await shot('10-coupon-message');
    // Issued is only reserved: no interaction until it goes out.
    expect(await coupon(code)).toMatchObject({ status: 'issued', sent_at: null });
    expect((await interactions('coupon_issue')).length).toBe(before);
    await sidebar().locator('[data-test=send]').click();
    await expect.poll(() => page.locator('.msgs .bubble').last().textContent()).toContain(code);
    await expect.poll(async () => (await coupon(code))?.status).toBe('sent');
    expect((await coupon(code))!.sent_at).not.toBeNull();
    await expect.poll(async () => (await interactions('coupon_issue')).length).toBe(before + 1);
    const [row] = await interactions('coupon_issue');
    expect(row.detail).toMatchObject({ couponCode: code });
    // The profile the sidebar reads shows the coupon once, as its send: one 发券, no 领券 beside it.
    const { sent_at: sentAt } = (await coupon(code))!;
    const profile = (await sidebar()
      .locator('body')
      .evaluate(
        async (_, ext) => (await fetch(`/api/sidebar/customers/${encodeURIComponent(ext)}`)).json(),
        wang.ext,
      )) as { timeline: { at: string; kind: string; title: string }[]; openCoupons: { code: string }[] };
    const issuedAt = await ctx.db('coupons').where({ corp_id: corpId, code }).first<{ issued_at: Date }>('issued_at');
    const moments = new Set([sentAt!.getTime(), issuedAt.issued_at.getTime()]);
    expect(
      profile.timeline
        .filter((e) => moments.has(Date.parse(e.at)))
        .filter((e) => e.kind === 'coupon_issued' || (e.kind === 'interaction' && e.title === 'coupon_issue')),
    ).toEqual([expect.objectContaining({ kind: 'interaction', title: 'coupon_issue' })]);
    expect(profile.openCoupons.map((c) => c.code)).toContain(code);
  });

  it('closing the coupon sheet without sending leaves no coupon for her and no interaction', async () => {
    const before = (await interactions('coupon_issue')).length;
    await sidebar().getByRole('tab', { name: '优惠券' }).click();
    const code = await issueFirstCoupon();
    await sidebar().locator('.van-popup:visible .van-popup__close-icon').click();
    await expect.poll(() => sidebar().locator('[data-test=script-sheet]:visible').count()).toBe(0);
    await expect.poll(async () => (await coupon(code))?.status).toBe('void');
    expect((await coupon(code))!.sent_at).toBeNull();
    expect((await interactions('coupon_issue')).length).toBe(before);
    expect(await page.locator('.msgs .bubble', { hasText: code }).count()).toBe(0);
    const profile = (await sidebar()
      .locator('body')
      .evaluate(
        async (_, ext) => (await fetch(`/api/sidebar/customers/${encodeURIComponent(ext)}`)).json(),
        wang.ext,
      )) as { openCoupons: { code: string }[] };
    expect(profile.openCoupons.map((c) => c.code)).not.toContain(code);
  });

  it('a cancelled coupon send, then closing the sheet: no coupon for her, no interaction', async () => {
    const before = (await interactions('coupon_issue')).length;
    await page.locator('#cancelNext').check();
    const code = await issueFirstCoupon();
    await sidebar().locator('[data-test=send]').click();
    await expect.poll(() => sidebar().locator('.van-toast').last().textContent()).toContain('已取消发送');
    expect(await coupon(code)).toMatchObject({ status: 'issued', sent_at: null });
    await sidebar().locator('.van-popup:visible .van-popup__close-icon').click();
    await expect.poll(async () => (await coupon(code))?.status).toBe('void');
    expect((await coupon(code))!.sent_at).toBeNull();
    expect((await interactions('coupon_issue')).length).toBe(before);
  });

  it('the reverse match lists her for the broken style', async () => {
    await sidebar().getByText('断码找人').click();
    const style = sidebar().locator('[data-test^=style-]', { hasText: '云朵软底玛丽珍鞋' });
    await style.waitFor({ timeout: 20_000 });
    await shot('11-broken-styles');
    await style.scrollIntoViewIfNeeded();
    await style.click();
    await expect.poll(() => sidebar().locator('body').textContent(), { timeout: 20_000 }).toContain('适合的客户');
    await sidebar().locator(`[data-test="fit-${wang.ext}"]`).waitFor();
    await shot('12-style-customers');
  });

  it('shows my credits by path', async () => {
    await sidebar().getByText('我的业绩').click();
    await sidebar().locator('[data-test=sum-month]').waitFor();
    const line = sidebar().locator('[data-test=credit-line][data-kind=sale]').first();
    await line.waitFor();
    expect(await line.textContent()).toMatch(/7天内购买|核销了你发的券|向你付款/);
    await sidebar().locator('[data-test=sum-lastMonth]').waitFor();
    // Refunds are listed beside sales, negative; a line opens its receipt.
    const refund = sidebar().locator('[data-test=credit-line][data-kind=refund]').first();
    await refund.waitFor();
    expect(await refund.textContent()).toMatch(/−¥[\d,.]+退款/);
    await line.click();
    expect(await line.locator('[data-test=receipt]').textContent()).toMatch(/计入规则[\s\S]*规则版本 v\d+/);
    await shot('13-credits');
    const before = await sidebar().locator('[data-test=credit-line]').count();
    await sidebar().locator('[data-test=more-credits]').click();
    await expect.poll(() => sidebar().locator('[data-test=credit-line]').count()).toBeGreaterThan(before);
  });

  it('works fully in English once the guide switches, and back', async () => {
    await sidebar().locator('[data-test=lang]').click();
    await expect.poll(() => sidebar().locator('html').getAttribute('lang')).toBe('en');
    expect(await sidebar().locator('[data-test=sum-month]').textContent()).toMatch(
      /This month.*Transfers.*Coupons.*7-day chats/s,
    );
    await sidebar().locator('.van-tabbar-item', { hasText: 'Customer' }).click();
    await sidebar().getByRole('tab', { name: 'Profile' }).click();
    await sidebar().locator('[data-test=profile]').waitFor();
    const chrome = sidebar().locator(
      '.van-tabs__nav, .van-tabbar, [data-test=profile] h3, .fam-name, [data-test=sizes] .src, .gp-kv dt',
    );
    const texts = await chrome.allTextContents();
    expect(texts.join(' ')).toMatch(/Profile.*Scripts.*In stock.*Coupons/s);
    expect(texts.filter((x) => CJK.test(x))).toEqual([]);
    await shot('14-english-profile');
    await sidebar().getByRole('tab', { name: 'Coupons' }).click();
    await sidebar().locator('[data-test=coupons] .face').first().waitFor();
    const faces = await sidebar().locator('[data-test=coupons] .face').allTextContents();
    expect(faces.join(' ')).toMatch(/15% off/);
    expect(faces.filter((x) => CJK.test(x))).toEqual([]);
    await shot('15-english-coupons');
    await sidebar().locator('.van-tabbar-item', { hasText: 'My credits' }).click();
    await sidebar().locator('[data-test=lang]').click();
    await expect.poll(() => sidebar().locator('html').getAttribute('lang')).toBe('zh-CN');
  });

  it("in a customer group, lists the group's customers, hers first and openable", async () => {
    await openChat(groupChatId);
    const mine = sidebar().locator(`[data-test="group-customer-${wang.ext}"]`);
    await mine.waitFor({ timeout: 20_000 });
    expect(await page.locator('#log').textContent()).toMatch(/getCurExternalChat → getCurExternalChat:ok/);
    expect(await sidebar().locator(`[data-test="group-customer-${stranger}"]`).textContent()).toContain('不是你的客户');
    await shot('16-group-chat');
    await mine.click();
    await expect
      .poll(() => sidebar().locator('[data-test=customer-head]').textContent(), { timeout: 20_000 })
      .toContain('王雅琴');
  });

  describe('customers of each kind', () => {
    const tab = async (name: string) => {
      await sidebar().getByRole('tab', { name }).click();
    };
    const openCustomer = async (ext: string, name: string) => {
      await openChat(ext);
      await expect
        .poll(() => sidebar().locator('[data-test=customer-head]').textContent(), { timeout: 20_000 })
        .toContain(name);
    };
    const licuiCustomers = () =>
      ctx
        .db('customers as c')
        .join('customer_guides as cg', 'cg.customer_id', 'c.id')
        .join('guides as g', 'g.id', 'cg.guide_id')
        .where({ 'c.corp_id': corpId, 'g.userid': 'licui' })
        .whereNull('cg.ended_at')
        .whereNotNull('c.external_userid');
    const recommendedText = async () => {
      const rec = sidebar().locator('[data-test=recommended]');
      await rec.waitFor({ timeout: 20_000 });
      return (await rec.textContent()) ?? '';
    };
    const offer = (code: string) =>
      ctx
        .db('coupon_templates')
        .where({ corp_id: corpId, code })
        .first<{ id: number }>('id')
        .then((x) => sidebar().locator(`[data-test="coupon-${x.id}"]`));

    it('a woman with a baby: 她, her baby’s size in a baby script, never {{…}}', async () => {
      await openCustomer(wang.ext, '王雅琴');
      await tab('话术');
      const text = await recommendedText();
      expect(text).toContain('为她推荐');
      expect(text).not.toContain('{{');
      expect(await sidebar().locator('[data-test=scripts]').textContent()).not.toContain('{{');
      await sidebar().locator('[data-test=scripts] .van-search input').fill('宝宝现在穿');
      const baby = sidebar().locator('[data-test=scripts] .item', { hasText: '宝宝现在穿' }).first();
      await baby.waitFor();
      expect(await baby.textContent()).toContain('宝宝现在穿90');
      await shot('30-kind-mother-scripts');
      await sidebar().locator('[data-test=scripts] .van-search input').fill('');
      await tab('搭配库存');
      await sidebar().locator('[data-test=her-sizes]').waitFor();
      expect(await sidebar().locator('[data-test=her-sizes]').textContent()).toContain('她的尺码');
    });

    it('a man: 他 everywhere, and no women’s styles among his matches', async () => {
      const man = await licuiCustomers()
        .join('customer_sizes as cs', 'cs.customer_id', 'c.id')
        .where({ 'c.gender': 1, 'cs.category': 'shoes' })
        .first<{ external_userid: string; name: string }>('c.external_userid', 'c.name');
      await openCustomer(man.external_userid, man.name);
      await tab('搭配库存');
      await sidebar().locator('[data-test=her-sizes]').waitFor({ timeout: 20_000 });
      expect(await sidebar().locator('[data-test=her-sizes]').textContent()).toContain('他的尺码');
      const matches = (await sidebar().locator('[data-test=matches]').textContent()) ?? '';
      expect(matches).not.toContain('玛丽珍');
      expect(matches).not.toContain('她');
      const items = await sidebar().locator('[data-test^=match-]').count();
      if (items) expect(matches).toContain('发给他');
      await shot('31-kind-man-matches');
      await tab('话术');
      expect(await recommendedText()).toContain('为他推荐');
    });

    it('unknown gender: TA, never 她 or 他', async () => {
      const c = await licuiCustomers()
        .where({ 'c.gender': 1 })
        .offset(3)
        .first<{ id: number; external_userid: string; name: string }>('c.id', 'c.external_userid', 'c.name');
      await ctx.db('customers').where({ id: c.id }).update({ gender: 0 });
      await openCustomer(c.external_userid, c.name);
      await tab('话术');
      const text = await recommendedText();
      expect(text).toContain('为TA推荐');
      expect(text).not.toMatch(/为[她他]推荐/);
      await shot('32-kind-unknown-gender');
    });

    it('a new customer: no value tier without a purchase, the new-customer coupon offered and the returning one not', async () => {
      const fresh = await licuiCustomers()
        .whereNotExists(ctx.db('orders').whereRaw('orders.customer_id = c.id'))
        .first<{ external_userid: string; name: string }>('c.external_userid', 'c.name');
      await openCustomer(fresh.external_userid, fresh.name);
      await sidebar().locator('[data-test=profile]').waitFor();
      expect(await sidebar().locator('[data-test=rule-value]').count()).toBe(0);
      await tab('优惠券');
      const newCoupon = await offer('NEW50');
      await newCoupon.waitFor({ timeout: 20_000 });
      expect(await newCoupon.getAttribute('data-eligible')).toBe('true');
      const back = await offer('BACK30');
      expect(await back.getAttribute('data-eligible')).toBe('false');
      expect(await back.locator('[data-test=coupon-why]').textContent()).toContain('90天未购买');
      await shot('33-kind-new-customer-coupons');
    });

    it('a VIP who used the new-customer coupon is not offered it again, and the sheet says why', async () => {
      const vip = await licuiCustomers()
        .join('coupons as cp', 'cp.customer_id', 'c.id')
        .join('coupon_templates as tpl', 'tpl.id', 'cp.template_id')
        .where({ 'tpl.code': 'NEW50', 'cp.status': 'redeemed' })
        .first<{ external_userid: string; name: string }>('c.external_userid', 'c.name');
      await openCustomer(vip.external_userid, vip.name);
      await tab('优惠券');
      const newCoupon = await offer('NEW50');
      await newCoupon.waitFor({ timeout: 20_000 });
      expect(await newCoupon.getAttribute('data-eligible')).toBe('false');
      expect(await newCoupon.locator('[data-test=coupon-why]').textContent()).toMatch(/已经用过这张券/);
      expect(await newCoupon.locator('[data-test=issue]').count()).toBe(0);
      await shot('34-kind-vip-used-new-coupon');
    });

    it('a lapsed customer: a re-activation script with the days since her last purchase, the returning coupon offered', async () => {
      // One of her customers whose purchases all lie 100 days and more back.
      const lapsed = await licuiCustomers()
        .whereExists(ctx.db('orders').whereRaw('orders.customer_id = c.id'))
        .whereNot({ 'c.id': wang.id })
        .offset(5)
        .first<{ id: number; external_userid: string; name: string }>('c.id', 'c.external_userid', 'c.name');
      const last = await ctx.db('orders').where({ customer_id: lapsed.id }).max<{ m: Date }[]>('paid_at as m');
      const shiftDays = Math.ceil((Date.now() - last[0]!.m.getTime()) / 86_400_000);
      await ctx
        .db('orders')
        .where({ customer_id: lapsed.id })
        .update({ paid_at: ctx.db.raw(`paid_at - interval '${Math.max(0, 100 - shiftDays)} days'`) });
      await openCustomer(lapsed.external_userid, lapsed.name);
      await tab('话术');
      const text = await recommendedText();
      expect(text).toMatch(/\d+天未购/);
      expect(text).not.toContain('{{');
      await shot('35-kind-lapsed-scripts');
      await tab('优惠券');
      const back = await offer('BACK30');
      await back.waitFor({ timeout: 20_000 });
      expect(await back.getAttribute('data-eligible')).toBe('true');
    });

    it('a group she is not a member of: refused, with neither its name nor its customers', async () => {
      const other = await ctx
        .db('guides')
        .where({ corp_id: corpId })
        .whereNot({ userid: 'licui' })
        .first<{ userid: string }>('userid');
      const created = await fetch(`${sandbox.url}/sandbox/api/corps/${DEMO_CORP.wecomCorpId}/group-chats`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: '别人的会员群',
          owner: other.userid,
          members: [{ userid: other.userid }, { external_userid: wang.ext, name: '王雅琴' }],
        }),
      });
      const chatId = ((await created.json()) as { chat_id: string }).chat_id;
      await openChat(chatId, '&kind=group');
      const err = sidebar().locator('[data-test=error-state]');
      await err.waitFor({ timeout: 20_000 });
      expect(await err.getAttribute('data-code')).toBe('NOT_GROUP_MEMBER');
      expect(await err.textContent()).toContain('你不在这个客户群里');
      expect(await sidebar().locator('body').textContent()).not.toContain('别人的会员群');
      await shot('36-group-not-member');
    });
  });

  it('refuses a customer this guide does not follow, showing no data', async () => {
    await openChat(stranger);
    const err = sidebar().locator('[data-test=customer-error]');
    await err.waitFor({ timeout: 20_000 });
    expect(await err.getAttribute('data-code')).toBe('NOT_FOLLOWED');
    expect(await sidebar().locator('[data-test=profile]').count()).toBe(0);
    await shot('17-not-followed');
  });

  it('explains where to open it when there is no customer chat', async () => {
    await openChat(wang.ext);
    await page.locator('#entry').selectOption('normal');
    await sidebar().locator('[data-test=no-context]').waitFor({ timeout: 20_000 });
    await shot('18-no-context');
  });

  it('retries a failed agentConfig once, then says what to check', async () => {
    await openChat(wang.ext, '&failAgentConfig=1');
    const err = sidebar().locator('[data-test=start-error]');
    await err.waitFor({ timeout: 20_000 });
    expect(await err.getAttribute('data-kind')).toBe('config');
    // What WeCom said, in the guide's language: never its English errMsg on the Chinese page.
    expect(await err.textContent()).toMatch(/可信域名[\s\S]*可见范围[\s\S]*企业微信校验签名失败/);
    expect(await err.textContent()).not.toMatch(/invalid signature/);
    expect(await err.locator('[data-test=config-detail]').getAttribute('data-detail')).toMatch(/invalid signature/);
    const log = (await page.locator('#log').textContent()) ?? '';
    expect(log.match(/agentConfig → agentConfig:fail_invalid signature/g)).toHaveLength(2);
    expect(log).not.toMatch(/getCurExternalContact/);
    await shot('19-config-error');
  });

  it('binds a member number from the profile: her earlier order follows her', async () => {
    const licui = await ctx
      .db('guides')
      .where({ corp_id: corpId, userid: 'licui' })
      .first<{ id: number; store_id: number }>('id', 'store_id');
    const her = await ctx
      .db('customers as c')
      .join('customer_guides as cg', 'cg.customer_id', 'c.id')
      .where({ 'c.corp_id': corpId, 'cg.guide_id': licui.id })
      .whereNull('cg.ended_at')
      .whereNull('c.member_no')
      .whereNotNull('c.external_userid')
      .orderBy('c.id')
      .first<{ id: number; name: string; external_userid: string }>('c.id', 'c.name', 'c.external_userid');
    // A store order paid with her member card before anyone knew the card was hers.
    const storeCode = (await ctx.db('stores').where({ id: licui.store_id }).first<{ code: string }>('code')).code;
    await ingestBatch(ctx, corpId, 'pos', {
      batchId: 'e2e-bind',
      orders: [
        {
          orderNo: 'E2E-BIND-1',
          storeCode,
          paidAt: new Date(Date.now() - 3_600_000).toISOString(),
          grossFen: 29_900,
          discountFen: 0,
          netFen: 29_900,
          memberNo: 'M20260815',
          lines: [{ skuCode: 'E2E-SKU', qty: 1, netFen: 29_900 }],
        },
      ],
      refunds: [],
    });
    await openChat(her.external_userid);
    await expect
      .poll(() => sidebar().locator('[data-test=customer-head]').textContent(), { timeout: 20_000 })
      .toContain(her.name);
    await sidebar().locator('[data-test=bind-member]').click();
    const input = sidebar().locator('[data-test=bind-input] input');
    await input.waitFor();
    expect(await input.getAttribute('type')).toBe('text');
    await input.fill('M20260815');
    await shot('20-bind-member');
    await sidebar().locator('[data-test=bind-confirm]').click();
    await expect
      .poll(() => sidebar().locator('.van-toast:visible').textContent())
      .toBe('已绑定会员号，1 笔历史订单将重新归因');
    await expect.poll(() => sidebar().locator('[data-test=member-no]').textContent()).toBe('M20260815');
    expect(await sidebar().locator('[data-test=bind-sheet]:visible').count()).toBe(0);
    await shot('21-member-bound', { toast: true });
    expect(await ctx.db('customers').where({ id: her.id }).first('member_no')).toEqual({ member_no: 'M20260815' });
    await expect
      .poll(() => ctx.db('orders').where({ corp_id: corpId, order_no: 'E2E-BIND-1' }).first('customer_id'))
      .toEqual({ customer_id: her.id });
    // The phone keypad for a mobile number: her phone is not on file in this check.
    await ctx.db('customers').where({ id: her.id }).update({ phone_masked: null });
    await openChat(her.external_userid);
    await sidebar().locator('[data-test=bind-phone]').click({ timeout: 20_000 });
    expect(await sidebar().locator('[data-test=bind-input] input').getAttribute('type')).toBe('tel');
  });

  it('ships no simulated client bridge in the production build', () => {
    const files = readdirSync('dist/sidebar', { recursive: true, encoding: 'utf8' }).filter((f) =>
      /\.(js|html)$/.test(f),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const f of files)
      expect(readFileSync(join('dist/sidebar', f), 'utf8')).not.toMatch(
        /__wwbridge|bridge\.js|window\.WeixinJSBridge\s*=/,
      );
  });

  it('keeps first-load JavaScript within the budget', () => {
    const r = firstLoadJs();
    expect(r.files.length).toBeGreaterThan(0);
    expect(r.total).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
