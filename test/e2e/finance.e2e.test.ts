/**
 * Finance's month end in Chromium on the demo tenant (1440 px): 财务 signs in with WeCom web login,
 * reviews last month, adjusts a guide's line with a reason, closes the month and downloads the
 * payroll XLSX (opened with exceljs, its payout total checked against the API); a refund arriving
 * afterwards lands as a clawback in the open month and leaves the closed one as it was; a guide's
 * dispute (raised through the sidebar API) is approved by her store manager on the disputes page and
 * her statement shows the adjustment. Screenshots: test-results/screenshots/finance-*.png.
 */
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { attributeOrders } from '../../core/attribution/attribution.service';
import { signSession } from '../../core/auth/session';
import { creditHistory } from '../../sandbox/seed/credit-history';
import { DEMO_CORP } from '../../sandbox/seed/scales';
import type { TestContext } from '../helpers/context';
import { type DemoStack, screenshots, startDemoStack } from './demo-stack';

let stack: DemoStack;
let ctx: TestContext;
let apiUrl = '';
let browser: Browser;
let corpId = 0;
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
  stack = await startDemoStack({ anchor: now });
  ({ ctx, apiUrl, browser, corpId } = stack);
  await creditHistory(ctx, corpId);
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
      .where({ 'c.corp_id': corpId, 'c.kind': 'sale', 'o.source': 'pos' })
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

  it('a guide’s dispute is approved by her store manager on the disputes page; her statement shows it', async () => {
    const guide = (await ctx
      .db('users')
      .where({ corp_id: corpId, userid: 'licui' })
      .first<{ guide_id: number }>('guide_id'))!;
    const g = (await ctx.db('guides').where({ id: guide.guide_id }).first<{ store_id: number }>('store_id'))!;
    const manager = (await ctx
      .db('users as u')
      .join('user_scopes as s', 's.user_id', 'u.id')
      .where({ 'u.corp_id': corpId, 'u.role': 'store_manager', 's.store_id': g.store_id })
      .first<{ userid: string }>('u.userid'))!;
    const order = (await ctx
      .db('orders')
      .where({ corp_id: corpId, store_id: g.store_id })
      .whereNotExists(ctx.db('credits').whereRaw('credits.order_id = orders.id').where({ guide_id: guide.guide_id }))
      .orderBy('paid_at', 'desc')
      .first<{ id: number; net_fen: number }>('id', 'net_fen'))!;
    const raised = await request(createApp(ctx))
      .post('/api/sidebar/disputes')
      .set('Authorization', bearer('licui'))
      .send({ kind: 'claim', orderId: order.id, rule: 'interaction', note: '这位顾客是我接待的' });
    expect(raised.status).toBe(201);

    const page = await signIn(manager.userid);
    await page.locator('[data-test=nav-disputes]').click();
    await page.locator(`[data-test=dispute-${raised.body.id}]`).waitFor();
    await shot(page, '03-dispute-open');
    await page.locator(`[data-test=reason-${raised.body.id}]`).fill('核实属实');
    await page.locator(`[data-test=approve-${raised.body.id}]`).click();
    await expect
      .poll(async () => (await page.locator(`[data-test=dispute-${raised.body.id}]`).textContent()) ?? '')
      .toContain('已通过');
    await shot(page, '04-dispute-approved');

    const mine = await request(createApp(ctx))
      .get(`/api/sidebar/commission/${thisMonth}`)
      .set('Authorization', bearer('licui'));
    expect(mine.body.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'adjustment',
          baseFen: order.net_fen,
          note: expect.stringContaining(`申诉 #${raised.body.id}`),
        }),
      ]),
    );
  });
});
