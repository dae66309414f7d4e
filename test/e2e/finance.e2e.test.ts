/**
 * Finance's month end in Chromium on the demo tenant (1440 px): 财务 signs in with WeCom web login,
 * reviews last month, adjusts a guide's line with a reason, closes the month and downloads the
 * payroll XLSX (opened with exceljs, its payout total checked against the API); a refund arriving
 * afterwards lands as a clawback in the open month and leaves the closed one as it was; 李翠, in
 * the sidebar of the sandbox WeCom client (360 px), sees that clawback in 我的提成 and disputes a line
 * of the closed month, her store manager approves it on the disputes page (1440 px), the engine
 * credits it, and her statement shows the adjustment with its receipt.
 * Screenshots: test-results/screenshots/finance-*.png.
 */
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { attributeOrders } from '../../core/attribution/attribution.service';
import { runAttribution } from '../../core/attribution/run';
import { signSession } from '../../core/auth/session';
import { creditHistory } from '../../sandbox/seed/credit-history';
import { DEMO_CORP } from '../../sandbox/seed/scales';
import type { TestContext } from '../helpers/context';
import { type DemoStack, SHOTS, screenshots, startDemoStack } from './demo-stack';

let stack: DemoStack;
let ctx: TestContext;
let apiUrl = '';
let browser: Browser;
let corpId = 0;
let licuiGuideId = 0;
const now = new Date();
const monthOf = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);
const thisMonth = monthOf(now);
const lastMonth = (() => {
  const d = new Date(`${thisMonth}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
})();

const shot = screenshots('finance');
const bearer = (userid: string) => `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId, userid }, 600)}`;

async function signIn(userid: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  await page.goto(`${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}`);
  await page.locator('[data-test=qr-login]').click();
  await page.locator(`a[data-userid=${userid}]`).click();
  await page.locator('[data-test=who]').waitFor();
  return page;
}

beforeAll(async () => {
  stack = await startDemoStack({
    anchor: now,
    // The sandbox client's JS bridge, injected into the sidebar as WeCom injects its own.
    env: (sandboxUrl) => ({ WECOM_JS_BRIDGE_URL: `${sandboxUrl}/client/bridge.js` }),
  });
  ({ ctx, apiUrl, browser, corpId } = stack);
  await creditHistory(ctx, corpId);
  licuiGuideId = (await ctx.db('guides').where({ corp_id: corpId, userid: 'licui' }).first<{ id: number }>('id')).id;
}, 300_000);

afterAll(async () => {
  await stack?.close();
});

describe('finance console in Chromium', () => {
  it('review, adjust with a reason, close, download the XLSX; a later refund is a clawback in the open month', async () => {
    const page = await signIn('caiwu');
    await page.locator('[data-test=nav-finance]').click();
    await page.locator('[data-test=fin-summary]').waitFor();
    await page.locator('[data-test=fin-month]').fill(lastMonth);
    await page.locator('[data-test=fin-month]').dispatchEvent('change');
    await expect.poll(async () => (await page.locator('[data-test=fin-status]').textContent())?.trim()).toBe('未结');
    await page.locator('[data-test=fin-review]').click();
    await page.locator('[data-test=fin-changes]').waitFor();
    await shot(page, '01-review');

    const guideId = Number(await page.locator('[data-test=adj-guide] option').first().getAttribute('value'));
    await page.locator('[data-test=adj-guide]').selectOption(String(guideId));
    await page.locator('[data-test=adj-amount]').fill('-12.34');
    await page.locator('[data-test=adj-reason]').fill('顾客投诉扣减');
    await page.locator('[data-test=adj-submit]').click();
    await expect
      .poll(() => ctx.db('adjustments').where({ corp_id: corpId, guide_id: guideId, amount_fen: -1234 }).first())
      .toBeTruthy();
    // The adjustment changed the month: closing needs a fresh review.
    await page.locator('[data-test=fin-review]').click();
    await expect
      .poll(async () => (await page.locator('[data-test=fin-changes]').textContent()) ?? '')
      .toContain('-¥12.34');
    await page.locator('[data-test=close-reason]').fill(`${lastMonth} 月结`);
    await page.locator('[data-test=close-submit]').click();
    await expect
      .poll(async () => (await page.locator('[data-test=fin-notice]').textContent()) ?? '')
      .toContain('已结账');
    await expect.poll(async () => (await page.locator('[data-test=fin-status]').textContent())?.trim()).toBe('已结');
    await shot(page, '02-closed');

    const href = await page.locator('[data-test=dl-payroll-xlsx]').getAttribute('href');
    const file = await page.request.get(`${apiUrl}${href}`);
    expect(file.status()).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await file.body()) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const col = (ws.getRow(1).values as string[]).indexOf('payout_fen');
    let payout = 0;
    ws.eachRow((row, i) => {
      if (i > 1) payout += Number(row.getCell(col).value ?? 0);
    });
    const corp = await request(createApp(ctx))
      .get(`/api/commission/periods/${lastMonth}/summary?level=corp`)
      .set('Authorization', bearer('caiwu'));
    expect(payout).toBe(corp.body.rows[0].payoutFen);
    expect(payout).toBeGreaterThan(0);
    expect(file.headers()['x-content-sha256']).toMatch(/^[0-9a-f]{64}$/);

    // A refund arriving now for a sale of the closed month.
    const sale = (await ctx
      .db('credits as c')
      .join('orders as o', 'o.id', 'c.order_id')
      .where({ 'c.corp_id': corpId, 'c.kind': 'sale', 'o.source': 'pos', 'c.guide_id': licuiGuideId })
      .whereNull('c.superseded_at')
      .where('c.occurred_at', '>=', new Date(`${lastMonth}-01T00:00:00+08:00`))
      .where('c.occurred_at', '<', new Date(`${thisMonth}-01T00:00:00+08:00`))
      .whereNotExists(ctx.db('refunds').whereRaw('refunds.order_id = o.id'))
      .orderBy('c.id')
      .first<{ order_id: number; guide_id: number; order_no: string; amount_fen: number }>(
        'c.order_id',
        'c.guide_id',
        'o.order_no',
        'c.amount_fen',
      ))!;
    const closedBefore = await request(createApp(ctx))
      .get(`/api/commission/periods/${lastMonth}/guides/${sale.guide_id}`)
      .set('Authorization', bearer('caiwu'));
    await ctx.db('refunds').insert({
      corp_id: corpId,
      source: 'pos',
      refund_no: 'E2E-RF-1',
      order_no: sale.order_no,
      order_id: sale.order_id,
      refunded_at: new Date(),
      amount_fen: sale.amount_fen,
    });
    await attributeOrders(ctx, corpId, [sale.order_id], 'refund ingested');
    const open = await request(createApp(ctx))
      .get(`/api/commission/periods/${thisMonth}/guides/${sale.guide_id}`)
      .set('Authorization', bearer('caiwu'));
    expect(open.body.lines).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'clawback', baseFen: -sale.amount_fen })]),
    );
    const closedAfter = await request(createApp(ctx))
      .get(`/api/commission/periods/${lastMonth}/guides/${sale.guide_id}`)
      .set('Authorization', bearer('caiwu'));
    expect(closedAfter.body).toEqual(closedBefore.body);
  });

  it('a guide disputes a line in the sidebar, her store manager approves it in the console, her statement shows it with its receipt', async () => {
    const g = (await ctx.db('guides').where({ id: licuiGuideId }).first<{ store_id: number }>('store_id'))!;
    const manager = (await ctx
      .db('users as u')
      .join('user_scopes as s', 's.user_id', 'u.id')
      .where({ 'u.corp_id': corpId, 'u.role': 'store_manager', 's.store_id': g.store_id })
      .first<{ userid: string }>('u.userid'))!;
    const peer = (await ctx
      .db('customer_guides as cg')
      .join('customers as c', 'c.id', 'cg.customer_id')
      .where({ 'cg.corp_id': corpId, 'cg.guide_id': licuiGuideId })
      .whereNull('cg.ended_at')
      .whereNotNull('c.external_userid')
      .orderBy('c.id')
      .first<{ external_userid: string }>('c.external_userid'))!.external_userid;

    // 李翠 in the WeCom client: the sidebar in the chat toolbar, 我的业绩 → 我的提成.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const client = await context.newPage();
    client.on('pageerror', (e) => console.log('[pageerror]', e.message));
    await client.goto(
      `${stack.sandbox.url}/client/?corp=${DEMO_CORP.wecomCorpId}&user=licui&chat=${encodeURIComponent(peer)}`,
    );
    const sidebar = client.frameLocator('#app');
    const sideShot = async (name: string) => {
      await sidebar
        .locator('body')
        .evaluate(() =>
          Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))).then(() => undefined),
        );
      await client.locator('#app').screenshot({ path: `${SHOTS}/finance-${name}.png` });
    };
    await sidebar.locator('.van-tabbar-item', { hasText: '我的业绩' }).click();
    await sidebar.locator('[data-test=to-commission]').click();
    await sidebar.locator('[data-test=commission-totals]').waitFor();
    // The refund of the first test: a clawback in the open month, linked to the closed month's line.
    const claw = sidebar.locator('[data-test^=commission-line-][data-kind=clawback]').first();
    await claw.waitFor();
    await claw.locator('.gp-row').first().click();
    await expect.poll(async () => (await claw.textContent()) ?? '').toContain('对应原提成');
    await sideShot('05-sidebar-clawback');

    // Last month (closed): she disputes one of its lines.
    await sidebar.locator('[data-test=commission-month]').fill(lastMonth);
    await sidebar.locator('[data-test=commission-month]').dispatchEvent('change');
    await expect
      .poll(async () => (await sidebar.locator('[data-test=commission-totals]').textContent()) ?? '')
      .toContain('已结账');
    const button = sidebar.locator('[data-test^=contest-]').first();
    const lineId = Number((await button.getAttribute('data-test'))!.replace('contest-', ''));
    await button.click();
    await sidebar.locator('[data-test=contest-note]').fill('这单顾客加购了一件，应按全额计');
    await sidebar.locator('[data-test=contest-amount]').fill('20');
    await sideShot('06-sidebar-dispute-form');
    await sidebar.locator('[data-test=contest-send]').click();
    const disputeOf = () =>
      ctx
        .db('disputes')
        .where({ corp_id: corpId, guide_id: licuiGuideId, commission_line_id: lineId })
        .first<{ id: number; order_id: number } | undefined>('id', 'order_id');
    await expect.poll(disputeOf).toBeTruthy();
    const raised = (await disputeOf())!;
    await expect
      .poll(async () => (await sidebar.locator(`[data-test=my-dispute-${raised.id}]`).textContent()) ?? '')
      .toContain('处理中');
    await sideShot('07-sidebar-dispute-open');

    // Her store manager approves it in the console.
    const page = await signIn(manager.userid);
    await page.locator('[data-test=nav-disputes]').click();
    await page.locator(`[data-test=dispute-${raised.id}]`).waitFor();
    await shot(page, '03-dispute-open');
    await page.locator(`[data-test=reason-${raised.id}]`).fill('核实属实');
    await page.locator(`[data-test=approve-${raised.id}]`).click();
    await expect
      .poll(async () => (await page.locator(`[data-test=dispute-${raised.id}]`).textContent()) ?? '')
      .toContain('已通过');
    await shot(page, '04-dispute-approved');
    // The approval is owed to the engine through the outbox; its attribute job credits it.
    expect(
      await ctx
        .db('attribution_pending')
        .where({ corp_id: corpId, subject: 'order', subject_id: raised.order_id })
        .first(),
    ).toMatchObject({ cause_kind: 'dispute', cause_id: String(raised.id) });
    await runAttribution(ctx, { corpId, orderIds: [raised.order_id], reason: 'attribute job' });

    // Her statement of the open month shows the adjustment, its receipt naming the dispute.
    await sidebar.locator('[data-test=commission-month]').fill(thisMonth);
    await sidebar.locator('[data-test=commission-month]').dispatchEvent('change');
    const adj = sidebar.locator('[data-test^=commission-line-][data-kind=adjustment]').first();
    await adj.waitFor();
    await adj.locator('.gp-row').first().click();
    await expect
      .poll(async () => (await adj.locator('[data-test=receipt-evidence]').textContent()) ?? '')
      .toContain(`申诉 #${raised.id} 已通过`);
    await expect
      .poll(async () => (await sidebar.locator(`[data-test=my-dispute-${raised.id}]`).textContent()) ?? '')
      .toContain('已通过');
    await sideShot('08-sidebar-adjustment');
    await context.close();

    const mine = await request(createApp(ctx))
      .get(`/api/sidebar/commission/${thisMonth}`)
      .set('Authorization', bearer('licui'));
    expect(mine.body.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'adjustment',
          baseFen: 2000,
          receipt: expect.objectContaining({ evidence: expect.objectContaining({ disputeId: raised.id }) }),
        }),
      ]),
    );
    // The closed month is as it was.
    const closed = await request(createApp(ctx))
      .get(`/api/sidebar/commission/${lastMonth}`)
      .set('Authorization', bearer('licui'));
    expect(
      closed.body.lines.some(
        (l: { kind: string; receipt: { evidence: unknown } }) =>
          l.kind === 'adjustment' && JSON.stringify(l.receipt.evidence).includes('disputeId'),
      ),
    ).toBe(false);
  }, 180_000);
});
