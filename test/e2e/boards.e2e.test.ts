/**
 * A regional manager's morning in Chromium on the demo tenant: in a desktop browser at 1440 px she
 * signs in with WeCom web login (the sandbox's QR page, "scan as"), drills region → store → guide →
 * order → trail, sets a store's target and sees its completion, exports the stores table as XLSX
 * (opened with exceljs, its total checked against the board), and sees a newly credited order
 * appear without a reload; then in the WeCom workbench at 390 px she signs in by OAuth and drills
 * again. Screenshots go to test-results/screenshots/boards-*.png.
 */
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeOrders } from '../../core/attribution/attribution.service';
import { recordInteractions } from '../../core/ingest/interactions';
import { BUDGET_BYTES, firstLoadJs } from '../../scripts/size-budget';
import { creditHistory } from '../../sandbox/seed/credit-history';
import { DEMO_CORP } from '../../sandbox/seed/scales';
import type { TestContext } from '../helpers/context';
import { type DemoStack, screenshots, startDemoStack } from './demo-stack';

const WORKBENCH_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.30 MicroMessenger/7.0.1 Language/zh';

let stack: DemoStack;
let ctx: TestContext;
let apiUrl = '';
let browser: Browser;
let corpId = 0;
let east = 0;
let store = { id: 0, name: '' };
let guide = { id: 0, name: '' };
let range = { from: '', to: '' };

const shot = screenshots('boards');

beforeAll(async () => {
  stack = await startDemoStack();
  ({ ctx, apiUrl, browser, corpId } = stack);
  await creditHistory(ctx, corpId);
  east = (await ctx.db('regions').where({ corp_id: corpId, code: 'EAST' }).first<{ id: number }>('id')).id;
  // The last 30 days of the demo's history, and the east region's best-selling guide in them.
  const last = await ctx.db('orders').where({ corp_id: corpId }).max<{ m: Date }[]>('paid_at as m');
  const day = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  range = { from: day(new Date(last[0]!.m.getTime() - 29 * 86_400_000)), to: day(last[0]!.m) };
  const best = await ctx.db.raw<{ rows: { guide_id: number; store_id: number; name: string; store: string }[] }>(
    `select d.guide_id, d.store_id, g.name, s.name as store from daily_credits d join guides g on g.id = d.guide_id join stores s on s.id = d.store_id
      where d.corp_id = ? and s.region_id = ? and d.day between ? and ? and g.store_id = d.store_id
      group by 1, 2, 3, 4 order by sum(d.amount_fen) desc limit 1`,
    [corpId, east, range.from, range.to],
  );
  store = { id: best.rows[0]!.store_id, name: best.rows[0]!.store };
  guide = { id: best.rows[0]!.guide_id, name: best.rows[0]!.name };
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

describe('performance boards in Chromium', () => {
  it('desktop browser at 1440 px: QR web login, drill-down to the trail, a target, an export, a live update', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    logErrors(page);
    const start = `${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}&from=${range.from}&to=${range.to}`;
    await page.goto(start);
    // Not signed in: the sign-in page, then the sandbox's web-login (QR) page.
    await page.locator('[data-test=qr-login]').click();
    await expect.poll(() => page.url()).toContain('/wwlogin/sso/login');
    expect(await page.locator('.qr i.on').count()).toBeGreaterThan(50);
    await shot(page, '1440-00-qr');
    await page.locator('a[data-userid=rm_east]').click();
    // Back on the boards, signed in as 华东区经理, her region only.
    await page.locator('[data-test=board-region]').waitFor();
    await page.locator('[data-test=who]').waitFor();
    expect(await page.locator('[data-test=who]').textContent()).toContain('华东区经理');
    await page.locator('[data-test=board-table] tbody tr').first().waitFor();
    expect(await page.locator('[data-test=board-table] tbody tr').count()).toBe(1);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.locator('[data-test=trend-chart] canvas').waitFor();
    await shot(page, '1440-01-regions');

    await page.locator(`[data-test=drill-${east}]`).click();
    await page.locator('[data-test=board-store]').waitFor();
    await page.locator(`[data-test=row-${store.id}]`).waitFor();
    await page.locator('[data-test=trend-chart] canvas').waitFor();
    await shot(page, '1440-02-stores');

    // A target for the store: completion appears beside it.
    const target = page.locator(`[data-test=target-${store.id}]`);
    expect((await target.locator('[data-test=completion]').textContent())!.trim()).toContain('—');
    await target.locator('[data-test=target-input]').fill('100000');
    await target.locator('[data-test=target-save]').click();
    await expect
      .poll(async () => (await target.locator('[data-test=completion]').textContent())!.trim())
      .toMatch(/^\d+\.\d%$/);
    const audit = await ctx.db('audit_log').where({ corp_id: corpId, action: 'target.set', actor: 'rm_east' });
    expect(audit).toHaveLength(1);

    // Export the stores table as XLSX (with her session) and check its total against the board's.
    const xlsxHref = await page.locator('[data-test=export-xlsx]').getAttribute('href');
    const file = await page.request.get(`${apiUrl}${xlsxHref}`);
    expect(file.headers()['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await file.body()) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    let total = 0;
    ws.eachRow((row, n) => {
      if (n > 1) total += Number(row.getCell(3).value);
    });
    const json = await (await page.request.get(`${apiUrl}${xlsxHref!.replace('&format=xlsx', '')}`)).json();
    expect(Math.round(total * 100)).toBe(json.total.creditedFen);
    expect(total).toBeGreaterThan(0);

    await page.locator(`[data-test=drill-${store.id}]`).click();
    await page.locator('[data-test=board-guide]').waitFor();
    await page.locator('[data-test=incrementality]').waitFor();
    await page.locator('[data-test=trend-chart] canvas').waitFor();
    await shot(page, '1440-03-guides');

    // A newly credited order at the store appears on the open board within seconds, without a reload.
    const credited = page.locator(`[data-test=row-${guide.id}] [data-test=credited]`);
    const before = (await credited.textContent())!.trim();
    const customer = await ctx
      .db('customer_guides')
      .where({ corp_id: corpId, guide_id: guide.id })
      .whereNull('ended_at')
      .first<{ customer_id: number }>('customer_id');
    const paidAt = new Date(`${range.to}T12:00:00+08:00`);
    await recordInteractions(ctx.db, [
      {
        corpId,
        guideId: guide.id,
        customerId: customer.customer_id,
        occurredAt: new Date(paidAt.getTime() - 3_600_000),
        kind: 'script_send',
        source: 'sidebar',
        evidenceId: 'e2e-live',
      },
    ]);
    const [o] = await ctx
      .db('orders')
      .insert({
        corp_id: corpId,
        source: 'pos',
        order_no: 'E2E-LIVE-1',
        store_id: store.id,
        customer_id: customer.customer_id,
        paid_at: paidAt,
        gross_fen: 1_234_500,
        net_fen: 1_234_500,
        coupon_codes: [],
      })
      .returning<{ id: number }[]>('id');
    const t0 = Date.now();
    await attributeOrders(ctx, corpId, [o!.id], 'e2e');
    await expect.poll(async () => (await credited.textContent())!.trim(), { timeout: 8_000 }).not.toBe(before);
    expect(Date.now() - t0).toBeLessThan(8_000);

    await page.locator(`[data-test=drill-${guide.id}]`).click();
    await page.locator('[data-test=orders]').waitFor();
    await page.locator('[data-test=trail-E2E-LIVE-1]').waitFor();
    await shot(page, '1440-04-orders');
    await page.locator('[data-test=trail-E2E-LIVE-1]').click();
    await page.locator('[data-test=trail-line]').first().waitFor();
    expect(await page.locator('[data-test=trail-line]').first().textContent()).toContain(guide.name);
    await shot(page, '1440-05-trail');

    // Out of her scope: another region's store board is refused.
    const south = (await ctx.db('regions').where({ corp_id: corpId, code: 'SOUTH' }).first<{ id: number }>('id')).id;
    const refused = await page.request.get(
      `${apiUrl}/api/boards/regions/${south}/stores?from=${range.from}&to=${range.to}`,
    );
    expect(refused.status()).toBe(403);

    // English is available.
    await page.goto(start);
    await page.locator('[data-test=lang]').click();
    await expect.poll(() => page.locator('[data-test=board-table] th').first().textContent()).toBe('Name');
    await page.locator('[data-test=trend-chart] canvas').waitFor();
    await shot(page, '1440-06-regions-en');
    await page.locator('[data-test=lang]').click();
    await context.close();
  });

  it('WeCom workbench at 390 px: OAuth sign-in and the drill-down on a phone', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      userAgent: WORKBENCH_UA,
      locale: 'zh-CN',
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    logErrors(page);
    // The workbench home page is the OAuth link (wecom-protocol §8.5) through our start route.
    const home = `/boards.html?corp=${DEMO_CORP.wecomCorpId}&from=${range.from}&to=${range.to}`;
    await page.goto(
      `${apiUrl}/api/auth/wecom/start?corp=${DEMO_CORP.wecomCorpId}&redirect=${encodeURIComponent(home)}`,
    );
    await page.locator('a.m', { hasText: 'rm_east' }).click();
    await page.locator('[data-test=board-region]').waitFor();
    await page.locator('[data-test=trend-chart] canvas').waitFor();
    // Nothing spills sideways: the page is as wide as the phone (tables scroll inside their frame).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, '390-01-regions');
    await page.locator(`[data-test=drill-${east}]`).click();
    await page.locator(`[data-test=row-${store.id}]`).waitFor();
    // The targets table fits the phone (stacked): its amount input and save button need no sideways scroll.
    const targets = page.locator('[data-test=targets] .bd-scroll');
    await page.locator(`[data-test=target-${store.id}] [data-test=target-input]`).waitFor();
    expect(await targets.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    const save = await page.locator(`[data-test=target-${store.id}] [data-test=target-save]`).boundingBox();
    expect(save!.x + save!.width).toBeLessThanOrEqual(390);
    await shot(page, '390-02-stores');
    await page.locator(`[data-test=drill-${store.id}]`).click();
    await page.locator(`[data-test=row-${guide.id}]`).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, '390-03-guides');
    await page.locator(`[data-test=drill-${guide.id}]`).click();
    await page.locator('[data-test=trail-E2E-LIVE-1]').click();
    await page.locator('[data-test=trail-line]').first().waitFor();
    await shot(page, '390-04-trail');
    await context.close();
  });

  it("leaves the sidebar's first load within its budget", () => {
    expect(firstLoadJs().total).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
