/**
 * Head office runs a layered campaign in Chromium on the demo tenant: at 1440 px the admin signs
 * in with WeCom web login, builds a segment (超级VIP with a baby 0–6 months in 华东区), sees its
 * count (checked against the API's own count), creates a campaign with a script and a coupon; a
 * guide confirms her task in the sandbox desktop client; the results are read back; a customer
 * redeems the coupon in a store (signed POS webhook); the campaign page shows the credited sale and
 * the holdout comparison. The console is also shot at 360 px (a saved segment reused, then deleted). Screenshots: test-results/screenshots/campaigns-*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignPollJob } from '../../core/jobs/campaign.jobs';
import { signPosBody } from '../../core/ingest/signature';
import { DEMO_CORP } from '../../sandbox/seed/scales';
import type { Sandbox } from '../../sandbox/wecom/server';
import { startWorkers, type RunningWorkers } from '../../workers/runtime';
import type { TestContext } from '../helpers/context';
import { type DemoStack, screenshots, settle, startDemoStack } from './demo-stack';

const SHOTS = 'test-results/screenshots';
let stack: DemoStack;
let ctx: TestContext;
let sandbox: Sandbox;
let apiUrl = '';
let browser: Browser;
let workers: RunningWorkers;
let corpId = 0;

const shot = screenshots('campaigns');

beforeAll(async () => {
  stack = await startDemoStack({ env: (sandboxUrl) => ({ WECOM_JS_BRIDGE_URL: `${sandboxUrl}/client/bridge.js` }) });
  ({ ctx, sandbox, apiUrl, browser, corpId } = stack);
  workers = startWorkers(ctx);
});

afterAll(async () => {
  await workers?.close();
  await stack?.close();
});

const logErrors = (page: Page) => {
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) console.log('[browser]', m.text());
  });
};

describe('layered campaigns in Chromium', () => {
  it('segment → campaign → the guide confirms → a coupon redeemed in store → ROI against the holdout', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    logErrors(page);
    await page.goto(`${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}`);
    await page.locator('[data-test=qr-login]').click();
    await page.locator('a[data-userid=admin]').click();
    await page.locator('[data-test=who]').waitFor();
    await page.locator('[data-test=nav-campaigns]').click();
    await page.locator('[data-test=segment-builder]').waitFor();

    await page.locator('label:has([data-test="tag-超级VIP"])').click();
    await page.locator('label:has([data-test="tag-宝宝0-6个月"])').click();
    // The region with the most such customers in the demo data, so the holdout leaves some to send to.
    const best = await ctx.db.raw<{ rows: { name: string; n: string }[] }>(
      `select r.name, count(distinct c.id) as n from customers c
         join customer_guides cg on cg.customer_id = c.id and cg.ended_at is null
         join guides g on g.id = cg.guide_id and g.status = 'active'
         join stores s on s.id = g.store_id join regions r on r.id = s.region_id
        where c.corp_id = ?
          and exists (select 1 from customer_tags t join tags x on x.id = t.tag_id where t.customer_id = c.id and x.name = '超级VIP')
          and exists (select 1 from customer_tags t join tags x on x.id = t.tag_id where t.customer_id = c.id and x.name = '宝宝0-6个月')
        group by r.name order by 2 desc, 1 limit 1`,
      [corpId],
    );
    const region = best.rows[0]!.name;
    await page.locator(`label:has([data-test="region-${region}"])`).click();
    await page.locator('[data-test=count]').click();
    await page.locator('[data-test=segment-count]').waitFor();
    const shown = Number(await page.locator('[data-test=segment-count] b').textContent());
    // The same segment counted by the API with the admin's session.
    const tagIds = await ctx
      .db('tags')
      .where({ corp_id: corpId })
      .whereIn('name', ['超级VIP', '宝宝0-6个月'])
      .orderBy('name')
      .pluck<number[]>('id');
    const east = (await ctx.db('regions').where({ corp_id: corpId, name: region }).first<{ id: number }>('id')).id;
    const viaApi = await page.request.post(`${apiUrl}/api/segments/preview`, {
      data: { definition: { tags: tagIds.map((id) => [Number(id)]), regionIds: [Number(east)] } },
    });
    expect(shown).toBe((await viaApi.json()).count);
    expect(shown).toBeGreaterThan(0);
    console.log(`segment: 超级VIP × 宝宝0-6个月 × ${region} = ${shown}`);

    // The segment is saved, and the campaign reuses it.
    await page.locator('[data-test=segment-name]').fill(`母婴VIP · ${region}`);
    await page.locator('[data-test=save-segment]').click();
    const savedSeg = page.locator(`[data-test="saved-母婴VIP · ${region}"]`);
    await savedSeg.waitFor();
    expect(await savedSeg.textContent()).toMatch(/正在使用/);

    await page.locator('[data-test=campaign-name]').fill('母婴VIP会员日');
    // A script of text and a mini-program card, the catalog's product card, and the card cover from the media library.
    const scriptValue = await page
      .locator('[data-test=campaign-script] option', { hasText: '会员权益介绍' })
      .getAttribute('value');
    await page.locator('[data-test=campaign-script]').selectOption(scriptValue!);
    const productValue = await page.locator('[data-test=campaign-product] option').nth(1).getAttribute('value');
    await page.locator('[data-test=campaign-product]').selectOption(productValue!);
    const coverValue = await page.locator('[data-test=campaign-cover] option').nth(1).getAttribute('value');
    await page.locator('[data-test=campaign-cover]').selectOption(coverValue!);
    const couponValue = await page.locator('[data-test=campaign-coupon] option').nth(1).getAttribute('value');
    await page.locator('[data-test=campaign-coupon]').selectOption(couponValue!);
    await page.locator('[data-test=campaign-holdout]').fill('20');
    await page.locator('[data-test=campaign-create]').click();
    await page.locator('[data-test=campaign-created]').waitFor();
    await ctx.queues.drain();
    await shot(page, '1440-01-console');

    const campaign = await ctx
      .db('campaigns')
      .where({ corp_id: corpId })
      .orderBy('id', 'desc')
      .first<{ id: number; segment_id: number }>('id', 'segment_id');
    const savedRow = await ctx
      .db('segments')
      .where({ corp_id: corpId, name: `母婴VIP · ${region}` })
      .first<{ id: number }>('id');
    expect(Number(campaign.segment_id)).toBe(Number(savedRow.id));
    const task = await ctx
      .db('campaign_tasks as t')
      .join('guides as g', 'g.id', 't.guide_id')
      .where({ 't.campaign_id': campaign.id })
      .orderBy('t.customers', 'desc')
      .first<{ guide_id: number; userid: string; customers: number }>('t.guide_id', 'g.userid', 't.customers');
    expect(task.customers).toBeGreaterThan(0);

    // The guide confirms her pending mass message in the sandbox desktop client.
    // Her own client (its sidebar signs her in to Guidepost, so not in the admin's browser context).
    const clientContext = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const client = await clientContext.newPage();
    logErrors(client);
    await client.goto(`${sandbox.url}/client/?corp=${DEMO_CORP.wecomCorpId}&user=${task.userid}`);
    const confirm = client.locator('[data-confirm-msg]').first();
    await confirm.waitFor();
    // The guide sees what she sends: the text, and the mini-program cards (the script's and the product's).
    const atts = (await client.locator('#mass .item [data-attachments]').first().textContent())!;
    expect(atts).toContain('[小程序 悦享会员中心]');
    expect(atts.match(/\[小程序/g)).toHaveLength(2);
    await shot(client, '1440-02-client-pending');
    await confirm.click();
    await expect.poll(() => client.locator('[data-confirm-msg]').count()).toBe(0);
    await clientContext.close();
    await ctx.queues.enqueue(campaignPollJob, { corpId, campaignId: campaign.id });
    await ctx.queues.drain();

    // A reached customer redeems her coupon in her guide's store, through the signed POS webhook.
    const reached = await ctx
      .db('campaign_recipients as r')
      .join('coupons as cp', 'cp.id', 'r.coupon_id')
      .join('customers as c', 'c.id', 'r.customer_id')
      .join('stores as s', 's.id', 'r.store_id')
      .where({ 'r.campaign_id': campaign.id, 'r.status': 'sent' })
      .whereNotNull('c.member_no')
      .first<{ code: string; member_no: string; store_code: string }>('cp.code', 'c.member_no', 's.code as store_code');
    expect(reached).toBeDefined();
    const raw = JSON.stringify({
      batchId: `campaign-e2e-${campaign.id}`,
      orders: [
        {
          orderNo: `CMP-E2E-${campaign.id}`,
          storeCode: reached.store_code,
          paidAt: new Date(Date.now() + 60_000).toISOString(),
          grossFen: 68_800,
          discountFen: 5000,
          netFen: 63_800,
          memberNo: reached.member_no,
          couponCodes: [reached.code],
          lines: [{ skuCode: 'CMP-E2E-SKU', qty: 1, netFen: 63_800 }],
        },
      ],
      refunds: [],
    });
    const pos = await fetch(`${apiUrl}/webhooks/pos/${DEMO_CORP.wecomCorpId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'X-Guidepost-Signature': signPosBody(DEMO_CORP.posHmacSecret, raw),
      },
      body: raw,
    });
    expect(pos.status).toBeLessThan(300);
    await ctx.queues.drain();

    await page.goto(`${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}#/campaigns/${campaign.id}`);
    await page.locator('[data-test=roi-cards]').waitFor();
    expect(await page.locator('[data-test=roi-credited]').textContent()).toContain('¥638');
    expect(await page.locator('[data-test=roi-redeemed]').textContent()).toContain('1');
    const holdout = (await page.locator('[data-test=roi-holdout]').textContent())!;
    expect(holdout).toContain('vs');
    const confirmedRow = page.locator('[data-test=guide-progress] tbody tr', { hasText: '✓' });
    expect(await confirmedRow.count()).toBe(1);
    // WeCom's limits are stated where the manager reminds and cancels.
    expect(await page.locator('[data-test=wecom-limits]').textContent()).toContain('24 小时内最多提醒 3 次');
    await shot(page, '1440-03-campaign');

    // The console at a phone's width.
    const phone = await browser.newContext({ viewport: { width: 360, height: 780 }, locale: 'zh-CN' });
    await phone.addCookies(await context.cookies());
    const small = await phone.newPage();
    logErrors(small);
    await small.goto(`${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}#/campaigns/${campaign.id}`);
    await small.locator('[data-test=roi-cards]').waitFor();
    await shot(small, '360-01-campaign');
    await small.goto(`${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}#/campaigns`);
    await small.locator('[data-test=segment-builder]').waitFor();
    // Reuse the saved segment on the phone: its count comes back.
    await small.locator(`[data-test="saved-母婴VIP · ${region}"] [data-test=use-segment]`).click();
    await small.locator('[data-test=segment-count]').waitFor();
    expect(Number(await small.locator('[data-test=segment-count] b').textContent())).toBe(shown);
    await shot(small, '360-02-console');
    // Deleting it leaves the campaign made from it as it was.
    await small.locator(`[data-test="saved-母婴VIP · ${region}"] [data-test=delete-segment]`).click();
    await expect.poll(() => small.locator(`[data-test="saved-母婴VIP · ${region}"]`).count()).toBe(0);
    expect(await ctx.db('campaigns').where({ id: campaign.id }).first('id')).toBeDefined();
    await phone.close();
    await context.close();
  });

  it('断码找人 from the sidebar: the guide sends the style to every customer it fits, and it waits in her 群发助手', async () => {
    const peer = await ctx
      .db('customer_guides as cg')
      .join('guides as g', 'g.id', 'cg.guide_id')
      .join('customers as c', 'c.id', 'cg.customer_id')
      .where({ 'g.userid': 'licui', 'cg.corp_id': corpId })
      .whereNull('cg.ended_at')
      .first<{ external_userid: string }>('c.external_userid');
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    logErrors(page);
    await page.goto(
      `${sandbox.url}/client/?corp=${DEMO_CORP.wecomCorpId}&user=licui&chat=${encodeURIComponent(peer.external_userid)}`,
    );
    const sidebar = page.frameLocator('#app');
    await sidebar.getByText('断码找人').click();
    const style = sidebar.locator('[data-test^=style-]').first();
    await style.waitFor({ timeout: 20_000 });
    await style.click();
    const push = sidebar.locator('[data-test=push-all]');
    await push.waitFor();
    const fits = Number(/\d+/.exec((await push.textContent())!)![0]);
    await push.click();
    await sidebar.locator('[data-test=push-note]').waitFor();
    await ctx.queues.drain();
    await settle(page);
    await page.locator('#app').screenshot({ path: `${SHOTS}/campaigns-360-01-sidebar-push.png` });
    const campaign = await ctx
      .db('campaigns as c')
      .join('guides as g', 'g.id', 'c.guide_id')
      .where({ 'c.corp_id': corpId, 'g.userid': 'licui' })
      .first<{ id: number; name: string }>('c.id', 'c.name');
    expect(campaign.name).toMatch(/^断码找人 · /);
    const tasked = await ctx.db('campaign_recipients').where({ campaign_id: campaign.id, status: 'tasked' });
    expect(tasked).toHaveLength(fits);
    // Her client lists it in 群发助手, to be confirmed like any mass message.
    await page.reload();
    const pending = page.locator('#mass .item', { hasText: campaign.name.replace('断码找人 · ', '') });
    await pending.waitFor();
    expect(await pending.textContent()).toContain(`${fits} 位客户`);
    await shot(page, '1440-04-client-style-push');
    await context.close();
  });
});
