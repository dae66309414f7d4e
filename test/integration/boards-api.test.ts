/**
 * The boards API over real data: figures by path with store totals and private-domain share,
 * previous period and last year; the drill-down region → store → guide → orders → trail; targets
 * set by the manager above (audited) with completion; exports; the live-update version; and a
 * walk of every board endpoint × role × in scope / out of scope / other tenant.
 */
import ExcelJS from 'exceljs';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { attributeOrders, attributeTransfers } from '../../core/attribution/attribution.service';
import { signSession } from '../../core/auth/session';
import { recordInteractions } from '../../core/ingest/interactions';
import { useTestContext } from '../helpers/context';
import { createCorp, createCustomer, createGuide, createRegion, createStore, follow } from '../factories/org.factory';

const t = useTestContext();
const NOV = (d: number, h = 12) =>
  Date.parse(`2026-11-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00+08:00`);
const RANGE = 'from=2026-11-01&to=2026-11-30';

let app: ReturnType<typeof createApp>;
const A = { corp: 0, r1: 0, r2: 0, s1: 0, s2: 0, s3: 0, g1: 0, g2: 0, g3: 0, c1: 0, o1: 0, o3: 0 };
const B = { corp: 0, r: 0, s: 0, g: 0, o: 0 };

async function user(corpId: number, userid: string, role: string, scope: { region?: number; store?: number } = {}) {
  const [u] = await t.ctx
    .db('users')
    .insert({ corp_id: corpId, userid, name: userid, role })
    .returning<{ id: number }[]>('id');
  if (scope.region || scope.store)
    await t.ctx.db('user_scopes').insert({
      corp_id: corpId,
      user_id: u!.id,
      region_id: scope.region ?? null,
      store_id: scope.store ?? null,
    });
}
const as = (corpId: number, userid: string) =>
  `Bearer ${signSession(t.ctx.cfg.SESSION_SECRET, { corpId, userid }, 600)}`;
async function order(
  corpId: number,
  no: string,
  store: number,
  customer: number | null,
  paidAt: number,
  net: number,
  source = 'pos',
) {
  const [r] = await t.ctx
    .db('orders')
    .insert({
      corp_id: corpId,
      source,
      order_no: no,
      store_id: store,
      customer_id: customer,
      paid_at: new Date(paidAt),
      gross_fen: net,
      net_fen: net,
      coupon_codes: [],
    })
    .returning<{ id: number }[]>('id');
  return r!.id;
}

beforeAll(async () => {
  app = createApp(t.ctx);
  const db = t.ctx.db;
  A.corp = (await createCorp(db, t.ctx.secrets)).id;
  A.r1 = await createRegion(db, A.corp, { name: '华东区' });
  A.r2 = await createRegion(db, A.corp, { name: '华南区' });
  A.s1 = await createStore(db, A.corp, A.r1);
  A.s2 = await createStore(db, A.corp, A.r1);
  A.s3 = await createStore(db, A.corp, A.r2);
  A.g1 = (await createGuide(db, A.corp, A.s1, { userid: 'g1', name: '李翠' })).id;
  A.g2 = (await createGuide(db, A.corp, A.s2, { userid: 'g2', name: '张敏' })).id;
  A.g3 = (await createGuide(db, A.corp, A.s3, { userid: 'g3', name: '王芳' })).id;
  await user(A.corp, 'hq', 'admin');
  await user(A.corp, 'cw', 'finance');
  await user(A.corp, 'rm1', 'regional_manager', { region: A.r1 });
  await user(A.corp, 'sm1', 'store_manager', { store: A.s1 });
  A.c1 = (await createCustomer(db, A.corp, { name: '王雅琴' })).id;
  const c3 = (await createCustomer(db, A.corp, { name: '陈静' })).id;
  await follow(db, A.corp, A.c1, A.g1);
  await db('customer_guides')
    .where({ customer_id: A.c1 })
    .update({ added_at: new Date(NOV(2)), state: 'store_qr' });
  const chat = (guideId: number, customerId: number, at: number, ev: string) =>
    recordInteractions(db, [
      {
        corpId: A.corp,
        guideId,
        customerId,
        occurredAt: new Date(at),
        kind: 'script_send',
        source: 'sidebar',
        evidenceId: ev,
      },
    ]);
  await chat(A.g1, A.c1, NOV(10), 'a1');
  await chat(A.g3, c3, NOV(10), 'a3');
  await chat(A.g1, A.c1, Date.parse('2025-11-09T12:00:00+08:00'), 'ly');
  A.o1 = await order(A.corp, 'P1', A.s1, A.c1, NOV(11), 50_000);
  const mall = await order(A.corp, 'M1', A.s1, A.c1, NOV(12), 20_000, 'mall');
  const walkIn = await order(A.corp, 'P2', A.s1, null, NOV(12), 130_000); // unattributed: store sales only
  A.o3 = await order(A.corp, 'P3', A.s3, c3, NOV(11), 70_000);
  const lastYear = await order(A.corp, 'LY1', A.s1, A.c1, Date.parse('2025-11-10T12:00:00+08:00'), 40_000);
  const previous = await order(A.corp, 'PR1', A.s1, A.c1, Date.parse('2026-10-15T12:00:00+08:00'), 10_000);
  await chat(A.g1, A.c1, Date.parse('2026-10-14T12:00:00+08:00'), 'pr');
  await attributeOrders(t.ctx, A.corp, [A.o1, mall, walkIn, A.o3, lastYear, previous], 'test');
  const [bill] = await db('transfers')
    .insert({
      corp_id: A.corp,
      transaction_id: 'TX-A',
      bill_type: 0,
      trade_state: 1,
      pay_time: new Date(NOV(13)),
      payee_userid: 'g2',
      guide_id: A.g2,
      total_fee_fen: 8_000,
      raw: {},
    })
    .returning<{ id: number }[]>('id');
  await attributeTransfers(t.ctx, A.corp, [bill!.id], 'test');

  B.corp = (await createCorp(db, t.ctx.secrets)).id;
  B.r = await createRegion(db, B.corp);
  B.s = await createStore(db, B.corp, B.r);
  B.g = (await createGuide(db, B.corp, B.s, { userid: 'gb' })).id;
  await user(B.corp, 'hqB', 'admin');
  const cb = (await createCustomer(db, B.corp, { name: '客' })).id;
  await recordInteractions(db, [
    {
      corpId: B.corp,
      guideId: B.g,
      customerId: cb,
      occurredAt: new Date(NOV(10)),
      kind: 'script_send',
      source: 'sidebar',
      evidenceId: 'b1',
    },
  ]);
  B.o = await order(B.corp, 'PB', B.s, cb, NOV(11), 99_000);
  await attributeOrders(t.ctx, B.corp, [B.o], 'test');
});

describe('boards API', () => {
  it('region board: credited by path, store totals, private-domain share, previous period and last year', async () => {
    const res = await request(app).get(`/api/boards/regions?${RANGE}`).set('Authorization', as(A.corp, 'hq'));
    expect(res.status).toBe(200);
    const east = res.body.rows.find((r: { id: number }) => r.id === A.r1);
    expect(east.current.byPath).toEqual({ transfer: 8_000, mall: 20_000, coupon: 0, interaction: 50_000 });
    expect(east.current).toMatchObject({
      creditedFen: 78_000,
      directFen: 28_000,
      indirectFen: 50_000,
      creditedOrders: 3,
      // P1 + M1 + the walk-in P2, and the bill no order records: a sale by transfer is a store sale too.
      storeSalesFen: 208_000,
      storeOrders: 4,
      privateShareBp: 3_750,
      mallShareBp: 962,
      transferShareBp: 385,
    });
    expect(east.previous.creditedFen).toBe(10_000);
    expect(res.body.previousRange).toEqual({ from: '2026-10-02', to: '2026-10-31' });
    expect(east.lastYear.creditedFen).toBe(40_000);
    expect(east.activity).toMatchObject({ interactions: 1, customersAdded: 1, addedByChannel: { store_qr: 1 } });
    expect(res.body.total.creditedFen).toBe(78_000 + 70_000);
    expect(res.body.reference).toEqual({ mallShareMinBp: 1000, transferShareBp: [400, 500] });
  });

  it('drills region → store → guide → orders → trail', async () => {
    const stores = await request(app)
      .get(`/api/boards/regions/${A.r1}/stores?${RANGE}`)
      .set('Authorization', as(A.corp, 'rm1'));
    expect(stores.status).toBe(200);
    expect(stores.body.rows.map((r: { id: number }) => r.id)).toEqual([A.s1, A.s2]);
    const guides = await request(app)
      .get(`/api/boards/stores/${A.s1}/guides?${RANGE}`)
      .set('Authorization', as(A.corp, 'rm1'));
    expect(guides.body.rows).toMatchObject([{ id: A.g1, name: '李翠', current: { creditedFen: 70_000 } }]);
    // The store's own total beside its guides' sum; guide rows carry no store total.
    expect(guides.body.total).toMatchObject({ creditedFen: 70_000, storeSalesFen: 200_000, privateShareBp: 3_500 });
    expect(guides.body.rows[0].current.storeSalesFen).toBeNull();
    const orders = await request(app)
      .get(`/api/boards/guides/${A.g1}/orders?${RANGE}`)
      .set('Authorization', as(A.corp, 'rm1'));
    expect(orders.body.orders.map((o: { ref: string; path: string }) => `${o.ref}:${o.path}`)).toEqual([
      'M1:mall',
      'P1:interaction',
    ]);
    const trail = await request(app)
      .get(`/api/attribution/orders/${A.o1}/trail`)
      .set('Authorization', as(A.corp, 'rm1'));
    expect(trail.status).toBe(200);
    expect(trail.body.live[0]).toMatchObject({ guideId: A.g1, rule: 'interaction' });
  });

  it('trend by path per day, incrementality with its counts, rankings, freshness', async () => {
    const trend = await request(app)
      .get(`/api/boards/trend?${RANGE}&level=region&id=${A.r1}`)
      .set('Authorization', as(A.corp, 'hq'));
    expect(trend.body.days).toHaveLength(30);
    expect(trend.body.days.find((d: { day: string }) => d.day === '2026-11-11')).toMatchObject({
      interaction: 50_000,
      orders: 1,
    });
    expect(trend.body.days.find((d: { day: string }) => d.day === '2026-11-12')).toMatchObject({ mall: 20_000 });
    expect(trend.body.days.find((d: { day: string }) => d.day === '2026-11-13')).toMatchObject({ transfer: 8_000 });
    expect(trend.body.days.find((d: { day: string }) => d.day === '2026-11-10')).toMatchObject({ interactions: 1 });
    // Store 1: 王雅琴 (chatted with in the range) bought P1 + M1; the walk-in has no customer, so no side.
    const incr = await request(app)
      .get(`/api/boards/stores/${A.s1}/incrementality?${RANGE}`)
      .set('Authorization', as(A.corp, 'sm1'));
    expect(incr.body).toMatchObject({
      guided: { customers: 1, salesFen: 70_000, perCustomerFen: 70_000 },
      unguided: { customers: 0, salesFen: 0, perCustomerFen: null },
      liftBp: null,
    });
    const ranks = await request(app).get(`/api/boards/rankings?${RANGE}`).set('Authorization', as(A.corp, 'hq'));
    expect(ranks.body.guides.top[0]).toMatchObject({
      id: A.g1,
      creditedFen: 70_000,
      previousFen: 10_000,
      deltaFen: 60_000,
    });
    // Stores 1 and 3 tie at ¥700: the smaller id first.
    expect(ranks.body.stores.top.map((r: { id: number }) => r.id)).toEqual([A.s1, A.s3, A.s2]);
    // POS orders arrived now, but WeCom bills were never polled: no day's transfers are known, nothing is final.
    const freshness = async () =>
      (await request(app).get(`/api/boards/regions?${RANGE}`).set('Authorization', as(A.corp, 'hq'))).body.freshness;
    const fresh = await freshness();
    expect(fresh.posUpTo).not.toBeNull();
    expect(fresh.billsPolledAt).toBeNull();
    expect(fresh.finalThrough).toBeNull();
    expect(fresh.provisional).toBe(true);
    // A poll ran now: every day up to two days back is final, a range reaching later is provisional.
    await t.ctx.db('sync_cursors').insert({ corp_id: A.corp, kind: 'bills', cursor: '', updated_at: new Date() });
    const polled = await freshness();
    expect(polled.finalThrough).not.toBeNull();
    expect(polled.provisional).toBe(polled.finalThrough < '2026-11-30');
  });

  it('targets: set by the manager above, audited, completion and pace; a region beside its stores', async () => {
    const put = (who: string, body: object) =>
      request(app).put('/api/boards/targets').set('Authorization', as(A.corp, who)).send(body);
    expect((await put('sm1', { level: 'guide', id: A.g1, month: '2026-11', amountFen: 140_000 })).status).toBe(200);
    expect((await put('sm1', { level: 'store', id: A.s1, month: '2026-11', amountFen: 1 })).status).toBe(403);
    expect((await put('sm1', { level: 'guide', id: A.g3, month: '2026-11', amountFen: 1 })).status).toBe(403);
    expect((await put('rm1', { level: 'store', id: A.s1, month: '2026-11', amountFen: 300_000 })).status).toBe(200);
    expect((await put('rm1', { level: 'store', id: A.s2, month: '2026-11', amountFen: 100_000 })).status).toBe(200);
    expect((await put('hq', { level: 'region', id: A.r1, month: '2026-11', amountFen: 500_000 })).status).toBe(200);
    const bad = await put('hq', { level: 'region', id: A.r1, month: '2026-13', amountFen: 5 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('body.month');
    const guides = await request(app)
      .get(`/api/boards/targets?month=2026-11&level=guide&parentId=${A.s1}`)
      .set('Authorization', as(A.corp, 'sm1'));
    expect(guides.body.rows).toMatchObject([
      { id: A.g1, targetFen: 140_000, creditedFen: 70_000, completionBp: 5_000, canSet: true },
    ]);
    const regions = await request(app)
      .get('/api/boards/targets?month=2026-11&level=region')
      .set('Authorization', as(A.corp, 'hq'));
    expect(regions.body.rows.find((r: { id: number }) => r.id === A.r1)).toMatchObject({
      targetFen: 500_000,
      childrenTargetFen: 400_000,
    });
    const audit = await t.ctx.db('audit_log').where({ corp_id: A.corp, action: 'target.set' }).orderBy('id');
    expect(audit).toHaveLength(4);
    expect(audit[0]).toMatchObject({ actor: 'sm1', detail: { level: 'guide', subjectId: A.g1, toFen: 140_000 } });
    // A second change records where it came from.
    await put('sm1', { level: 'guide', id: A.g1, month: '2026-11', amountFen: 70_000 });
    const again = await request(app)
      .get(`/api/boards/targets?month=2026-11&level=guide&parentId=${A.s1}`)
      .set('Authorization', as(A.corp, 'sm1'));
    expect(again.body.rows[0].completionBp).toBe(10_000);
    const last = await t.ctx
      .db('audit_log')
      .where({ corp_id: A.corp, action: 'target.set' })
      .orderBy('id', 'desc')
      .first();
    expect(last.detail).toMatchObject({ fromFen: 140_000, toFen: 70_000 });
  });

  it('exports a board as CSV (BOM, ids as text, amounts as numbers) and XLSX', async () => {
    const csv = await request(app)
      .get(`/api/boards/regions/${A.r1}/stores?${RANGE}&format=csv`)
      .set('Authorization', as(A.corp, 'hq'))
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(csv.status).toBe(200);
    const text = (csv.body as Buffer).toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const line = text.split('\r\n').find((l) => l.startsWith(`"${A.s1}"`))!;
    expect(line.split(',').slice(0, 3)).toEqual([`"${A.s1}"`, expect.any(String), '700.00']);
    const xlsx = await request(app)
      .get(`/api/boards/regions/${A.r1}/stores?${RANGE}&format=xlsx`)
      .set('Authorization', as(A.corp, 'hq'))
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    let total = 0;
    ws.eachRow((row, n) => {
      if (n > 1) total += Number(row.getCell(3).value);
    });
    expect(total).toBe(780);
    expect(typeof ws.getRow(2).getCell(1).value).toBe('string');
  });

  it('the version moves when a credit is written, so an open board reloads', async () => {
    const v = async () =>
      (await request(app).get('/api/boards/version').set('Authorization', as(A.corp, 'sm1'))).body.version as string;
    const before = await v();
    const o = await order(A.corp, 'P9', A.s1, A.c1, NOV(15), 1_000);
    await attributeOrders(t.ctx, A.corp, [o], 'test');
    expect(await v()).not.toBe(before);
  });

  it('refuses a range that ends before it starts, with the field', async () => {
    const res = await request(app)
      .get('/api/boards/regions?from=2026-11-30&to=2026-11-01')
      .set('Authorization', as(A.corp, 'hq'));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'query.to' });
  });

  it('walks every board endpoint × role × in scope / out of scope / other tenant', async () => {
    const q = RANGE;
    // [path for the resource, which of A's objects it is about]
    const endpoints = (x: { region: number; store: number; guide: number; order: number }) => [
      `/api/boards/regions/${x.region}/stores?${q}`,
      `/api/boards/stores/${x.store}/guides?${q}`,
      `/api/boards/stores/${x.store}/incrementality?${q}`,
      `/api/boards/guides/${x.guide}/orders?${q}`,
      `/api/boards/trend?${q}&level=store&id=${x.store}`,
      `/api/boards/trend?${q}&level=guide&id=${x.guide}`,
      `/api/boards/targets?month=2026-11&level=guide&parentId=${x.store}`,
      `/api/attribution/orders/${x.order}/trail`,
    ];
    const inS1 = { region: A.r1, store: A.s1, guide: A.g1, order: A.o1 };
    const inS3 = { region: A.r2, store: A.s3, guide: A.g3, order: A.o3 };
    const otherTenant = { region: B.r, store: B.s, guide: B.g, order: B.o };
    const expectAll = async (who: string, x: typeof inS1, ok: (s: number) => boolean, label: string) => {
      for (const path of endpoints(x)) {
        const res = await request(app).get(path).set('Authorization', as(A.corp, who));
        expect(
          ok(res.status),
          `${who} ${label} ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`,
        ).toBe(true);
      }
    };
    const is200 = (s: number) => s === 200;
    const refused = (s: number) => s === 403 || s === 404;
    for (const who of ['hq', 'cw']) {
      await expectAll(who, inS1, is200, 'in scope');
      await expectAll(who, inS3, is200, 'in scope');
      await expectAll(who, otherTenant, refused, 'other tenant');
    }
    await expectAll('rm1', inS1, is200, 'in scope');
    await expectAll('rm1', inS3, refused, 'out of scope');
    await expectAll('rm1', otherTenant, refused, 'other tenant');
    await expectAll('sm1', inS1, is200, 'in scope');
    await expectAll('sm1', inS3, refused, 'out of scope');
    await expectAll('sm1', otherTenant, refused, 'other tenant');
    // A guide reads her own orders, trend and trail — no store's or region's board, nobody else's orders.
    for (const path of [
      `/api/boards/guides/${A.g1}/orders?${q}`,
      `/api/boards/trend?${q}&level=guide&id=${A.g1}`,
      `/api/attribution/orders/${A.o1}/trail`,
    ])
      expect((await request(app).get(path).set('Authorization', as(A.corp, 'g1'))).status, path).toBe(200);
    for (const path of [
      `/api/boards/regions?${q}`,
      `/api/boards/rankings?${q}`,
      ...endpoints(inS1).filter(
        (p) => !p.includes(`/guides/${A.g1}/`) && !p.includes(`id=${A.g1}`) && !p.includes('/trail'),
      ),
      ...endpoints(inS3),
    ])
      expect((await request(app).get(path).set('Authorization', as(A.corp, 'g1'))).status, path).toBe(403);
    // Board lists never carry another scope's rows.
    const regions = await request(app).get(`/api/boards/regions?${q}`).set('Authorization', as(A.corp, 'sm1'));
    expect(regions.body.rows.map((r: { id: number }) => r.id)).toEqual([A.r1]);
    expect(regions.body.total.creditedFen).toBe(71_000); // store 1 only: P1 + M1 + P9
    const ranks = await request(app).get(`/api/boards/rankings?${q}`).set('Authorization', as(A.corp, 'rm1'));
    expect(ranks.body.stores.top.map((r: { id: number }) => r.id).sort()).toEqual([A.s1, A.s2].sort());
    const other = await request(app).get(`/api/boards/regions?${q}`).set('Authorization', as(B.corp, 'hqB'));
    expect(other.body.rows.map((r: { id: number }) => r.id)).toEqual([B.r]);
    expect(other.body.total.creditedFen).toBe(99_000);
    // No session: 401 everywhere.
    expect((await request(app).get(`/api/boards/regions?${q}`)).status).toBe(401);
  });
});
