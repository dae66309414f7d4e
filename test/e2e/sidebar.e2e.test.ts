/**
 * The guide's day in the sidebar, in Chromium: the sandbox desktop client opens a chat with a
 * demo customer and loads the built sidebar in its toolbar frame, with the client's
 * WeixinJSBridge injected and a WeCom user agent, running the real @wecom/jssdk. Screenshots of
 * each view go to test-results/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type FrameLocator, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { BUDGET_BYTES, firstLoadJs } from '../../scripts/size-budget';
import { DEMO_CORP } from '../../sandbox/seed/scales';
import { loadSandboxPayload, pushToSandbox } from '../../sandbox/seed/push-to-sandbox';
import { creditHistory } from '../../sandbox/seed/credit-history';
import { seedTenant } from '../../sandbox/seed/seed';
import { type Sandbox, startSandbox } from '../../sandbox/wecom/server';
import { type RunningWorkers, startWorkers } from '../../workers/runtime';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';

const SHOTS = 'test-results/screenshots';
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 wxwork/4.1.30 MicroMessenger/7.0.1 Language/zh';

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

const sidebar = (): FrameLocator => page.frameLocator('#app');
const shot = (name: string) => page.locator('.toolbar').screenshot({ path: `${SHOTS}/${name}.png` });
const openChat = async (peer: string, extra = '') => {
  await page.goto(`${sandbox.url}/client/?corp=${DEMO_CORP.wecomCorpId}&user=licui&chat=${encodeURIComponent(peer)}${extra}`);
};
const interactions = (kind: string) => ctx.db('interactions').where({ corp_id: corpId, customer_id: wang.id, source: 'sidebar', kind }).orderBy('occurred_at', 'desc');

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  execFileSync('node_modules/.bin/vite', ['build', '--config', 'sidebar/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
  // The API's address must be known before its configuration (OAuth redirect), so listen first.
  api = createServer();
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  sandbox = await startSandbox({ appUrl: apiUrl });
  ctx = await createTestContext({ PUBLIC_URL: apiUrl, WECOM_API_BASE: sandbox.url, WECOM_OAUTH_BASE: sandbox.url, WECOM_JS_BRIDGE_URL: `${sandbox.url}/client/bridge.js` });
  await seedTenant({ databaseUrl: ctx.cfg.DATABASE_URL, secretsKey: ctx.cfg.SECRETS_KEY, scale: 'demo' });
  await pushToSandbox(sandbox.url, await loadSandboxPayload(ctx.db, DEMO_CORP.wecomCorpId, apiUrl), DEMO_CORP);
  api.on('request', createApp(ctx));
  await creditHistory(ctx, (await ctx.db('corps').where({ wecom_corp_id: DEMO_CORP.wecomCorpId }).first<{ id: number }>('id')).id);
  workers = startWorkers(ctx);
  corpId = (await ctx.db('corps').where({ wecom_corp_id: DEMO_CORP.wecomCorpId }).first<{ id: number }>('id')).id;
  const w = await ctx.db('customers').where({ corp_id: corpId, name: '王雅琴' }).first<{ id: number; external_userid: string }>('id', 'external_userid');
  wang = { id: w.id, ext: w.external_userid };
  const licui = await ctx.db('guides').where({ corp_id: corpId, userid: 'licui' }).first<{ id: number }>('id');
  stranger = (await ctx.db('customers as c').where({ 'c.corp_id': corpId }).whereNotNull('c.external_userid')
    .whereNotExists(ctx.db('customer_guides').whereRaw('customer_id = c.id').where({ guide_id: licui.id })).first<{ external_userid: string }>('c.external_userid')).external_userid;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, userAgent: UA, locale: 'zh-CN', deviceScaleFactor: 1 });
  page = await context.newPage();
  page.on('console', (m) => { if ((m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Failed to load resource')) console.log('[browser]', m.type(), m.text()); });
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
    expect(log).toMatch(/agentConfig → agentConfig:ok[\s\S]*getContext → getContext:ok[\s\S]*getCurExternalContact → getCurExternalContact:ok/);
    await shot('01-profile');
  });

  it('sends a recommended script with the variables filled: the chat shows the exact text and an interaction is recorded', async () => {
    const before = (await interactions('script_send')).length;
    await sidebar().getByRole('tab', { name: '话术' }).click();
    const first = sidebar().locator('[data-test=recommended] .item').first();
    await first.waitFor();
    await shot('02-scripts');
    await first.click();
    const text = sidebar().locator('[data-test=part-text-0] textarea');
    await text.waitFor();
    const content = await text.inputValue();
    expect(content).toContain('王女士');
    expect(content).not.toContain('{{');
    await shot('03-script-preview');
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
    expect((await interactions('script_send')).length).toBe(before);
    await page.keyboard.press('Escape');
    await sidebar().locator('.van-popup__close-icon').first().click({ trial: false }).catch(() => undefined);
  });

  it('shows the broken run in her size first and shares it with a pitch that says it fits her size', async () => {
    const before = (await interactions('product_share')).length;
    await openChat(wang.ext);
    await sidebar().getByRole('tab', { name: '搭配库存' }).click();
    const first = sidebar().locator('[data-test^=match-]').first();
    await first.waitFor({ timeout: 20_000 });
    expect(await first.getAttribute('data-broken')).toBe('true');
    expect(await first.textContent()).toContain('云朵软底玛丽珍鞋');
    await shot('04-matches');
    await first.locator('[data-test=share]').click();
    const text = await sidebar().locator('[data-test=part-text-0] textarea').inputValue();
    expect(text).toContain('37');
    expect(text).not.toMatch(/清仓|尾货|剩货/);
    await shot('05-product-pitch');
    await sidebar().locator('[data-test=send]').click();
    await expect.poll(() => page.locator('.msgs .msg[data-msgtype=news]').last().textContent()).toContain('云朵软底玛丽珍鞋');
    await expect.poll(async () => (await interactions('product_share')).length).toBe(before + 1);
  });

  it('issues a coupon and sends it into the chat', async () => {
    await sidebar().getByRole('tab', { name: '优惠券' }).click();
    await sidebar().locator('[data-test=issue]').first().click();
    const text = await sidebar().locator('[data-test=part-text-0] textarea').inputValue();
    const code = /券码 (GP\w+)/.exec(text)?.[1];
    expect(code).toBeDefined();
    await shot('06-coupon');
    await sidebar().locator('[data-test=send]').click();
    await expect.poll(() => page.locator('.msgs .bubble').last().textContent()).toContain(code!);
    expect(await ctx.db('coupons').where({ corp_id: corpId, code, customer_id: wang.id, status: 'issued' }).first()).toBeTruthy();
    expect((await interactions('coupon_issue')).length).toBeGreaterThan(0);
  });

  it('the reverse match lists her for the broken style', async () => {
    await sidebar().getByText('断码找人').click();
    const style = sidebar().locator('[data-test^=style-]', { hasText: '云朵软底玛丽珍鞋' });
    await style.waitFor({ timeout: 20_000 });
    await shot('07-broken-styles');
    await style.click();
    await sidebar().locator(`[data-test="fit-${wang.ext}"]`).waitFor();
    await shot('08-style-customers');
  });

  it('shows my credits by path', async () => {
    await sidebar().getByText('我的业绩').click();
    await sidebar().locator('[data-test=sum-month]').waitFor();
    const line = sidebar().locator('[data-test=credit-line]').first();
    await line.waitFor();
    expect(await line.textContent()).toMatch(/7天内购买|核销了你发的券|向你付款/);
    await shot('09-credits');
  });

  it('refuses a customer this guide does not follow, showing no data', async () => {
    await openChat(stranger);
    const err = sidebar().locator('[data-test=customer-error]');
    await err.waitFor({ timeout: 20_000 });
    expect(await err.getAttribute('data-code')).toBe('NOT_FOLLOWED');
    expect(await sidebar().locator('[data-test=profile]').count()).toBe(0);
    await shot('10-not-followed');
  });

  it('explains where to open it when there is no customer chat', async () => {
    await openChat(wang.ext);
    await page.locator('#entry').selectOption('normal');
    await sidebar().locator('[data-test=no-context]').waitFor({ timeout: 20_000 });
    await shot('11-no-context');
  });

  it('keeps first-load JavaScript within the budget', () => {
    const r = firstLoadJs();
    expect(r.files.length).toBeGreaterThan(0);
    expect(r.total).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
