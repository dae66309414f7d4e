/**
 * Ingestion keeps every valid row, whatever the batch (issue #13, part 2): each test here failed
 * before its fix — a 500 with nothing stored, rows stored wrong, or a batch silently dropped.
 */
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { signSession } from '../../core/auth/session';
import { signPosBody } from '../../core/ingest/signature';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import { makeZip } from '../helpers/zip';
import { createCorp, createRegion, createStore, type CorpFixture } from '../factories/org.factory';

let ctx: TestContext;
let corp: CorpFixture;
let app: ReturnType<typeof createApp>;
const DAY = 86_400_000;
/** Three days ago, as ISO and as a Shanghai wall-clock time for sheets. */
const paidAt = new Date(Date.now() - 3 * DAY);
const T = paidAt.toISOString();
const sheetTime = new Date(paidAt.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

const order = (no: string, lines = 1, extra: Record<string, unknown> = {}) => ({
  orderNo: no,
  storeCode: 'LIM1',
  paidAt: T,
  grossFen: 1000 * lines,
  discountFen: 0,
  netFen: 1000 * lines,
  lines: Array.from({ length: lines }, (_, k) => ({ skuCode: `SKU-${k}`, qty: 1, netFen: 1000 })),
  ...extra,
});
function post(body: unknown) {
  const raw = JSON.stringify(body);
  return request(app)
    .post(`/webhooks/pos/${corp.wecomCorpId}`)
    .set('content-type', 'application/json')
    .set('X-Guidepost-Signature', signPosBody(corp.posHmacSecret, raw))
    .send(raw);
}
const finance = () => `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'caiwu' }, 600)}`;
const upload = (body: Buffer | string, type: string, query = '') =>
  request(app)
    .post(`/api/ingest/orders-file${query}`)
    .set('Authorization', finance())
    .set('content-type', type)
    .send(body);
const count = async (table: string, where: Record<string, unknown> = {}) =>
  Number((await ctx.db(table).where(where).count<{ n: number }[]>('* as n'))[0]!.n);
const linesOf = async (prefix: string) =>
  Number(
    (
      await ctx
        .db('order_lines as l')
        .join('orders as o', 'o.id', 'l.order_id')
        .where('o.corp_id', corp.id)
        .where('o.order_no', 'like', `${prefix}%`)
        .count<{ n: number }[]>('* as n')
    )[0]!.n,
  );
const ordersOf = async (prefix: string) =>
  Number(
    (
      await ctx
        .db('orders')
        .where({ corp_id: corp.id })
        .where('order_no', 'like', `${prefix}%`)
        .count<{ n: number }[]>('* as n')
    )[0]!.n,
  );
const HEADER = 'order_no,store_code,paid_at,gross_yuan,discount_yuan,net_yuan,sku_code,qty,line_net_yuan';
/** A CSV of `orders` orders with `lines` lines each, 10 yuan a line. */
function csv(prefix: string, orders: number, lines: number): string {
  const out = [HEADER];
  for (let i = 0; i < orders; i++)
    for (let k = 0; k < lines; k++)
      out.push(`${prefix}${i},LIM1,${sheetTime},${10 * lines}.00,0,${10 * lines}.00,SKU-${k},1,10.00`);
  return out.join('\n');
}

beforeAll(async () => {
  ctx = await createTestContext();
  app = createApp(ctx);
  corp = await createCorp(ctx.db, ctx.secrets);
  const region = await createRegion(ctx.db, corp.id);
  await createStore(ctx.db, corp.id, region, { code: 'LIM1' });
  await ctx.db('users').insert({ corp_id: corp.id, userid: 'caiwu', name: '财务', role: 'finance' });
});
afterAll(async () => {
  await destroyTestContext(ctx);
});

describe('POS batches of any size within the limits', () => {
  it('stores 1,000 orders × 11 lines (past the 65,535 bind parameters of one insert)', async () => {
    const res = await post({ batchId: 'big-11', orders: Array.from({ length: 1000 }, (_, i) => order(`A${i}`, 11)) });
    expect(res.status).toBe(200);
    expect(res.body.orders).toEqual({ accepted: 1000, duplicates: 0 });
    expect(await ordersOf('A')).toBe(1000);
    expect(await linesOf('A')).toBe(11_000);
  });

  it('stores 60 orders × 200 lines', async () => {
    const res = await post({ batchId: 'big-200', orders: Array.from({ length: 60 }, (_, i) => order(`B${i}`, 200)) });
    expect(res.status).toBe(200);
    expect(res.body.orders.accepted).toBe(60);
    expect(await linesOf('B')).toBe(12_000);
  });

  it('stores the documented maximum: 1,000 orders × 200 lines', async () => {
    const res = await post({ batchId: 'max', orders: Array.from({ length: 1000 }, (_, i) => order(`C${i}`, 200)) });
    expect(res.status).toBe(200);
    expect(res.body.orders.accepted).toBe(1000);
    expect(await linesOf('C')).toBe(200_000);
  }, 120_000);
});

describe('rows that cannot be stored as sent are per-row errors; the rest of the batch is kept', () => {
  it('the same order number twice in one batch: the first kept, the second reported', async () => {
    const res = await post({ batchId: 'dup', orders: [order('D1', 2), order('D2'), order('D1', 3)] });
    expect(res.status).toBe(200);
    expect(res.body.orders).toEqual({ accepted: 2, duplicates: 0 });
    expect(res.body.rejected).toEqual([
      expect.objectContaining({ row: 2, ref: 'D1', field: 'orderNo', code: 'duplicate_in_batch' }),
    ]);
    expect(await linesOf('D1')).toBe(2);
  });

  it('a NUL in an order number or a SKU', async () => {
    const res = await post({
      batchId: 'nul',
      orders: [
        order('N1\u0000x'),
        order('N2', 1, { lines: [{ skuCode: 'SK\u0000U', qty: 1, netFen: 1000 }] }),
        order('N3'),
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.orders.accepted).toBe(1);
    expect(res.body.rejected).toEqual([
      expect.objectContaining({ row: 0, ref: 'N1\ufffdx', field: 'orderNo', code: 'control_character' }),
      expect.objectContaining({ row: 1, ref: 'N2', field: 'lines.0.skuCode', code: 'control_character' }),
    ]);
    expect(await ordersOf('N')).toBe(1);
  });

  it('a lone surrogate in an order number is refused, never stored without its lines', async () => {
    const res = await post({ batchId: 'sur', orders: [order('S1\ud800'), order('S2')] });
    expect(res.status).toBe(200);
    expect(res.body.rejected).toEqual([
      expect.objectContaining({ row: 0, ref: 'S1\ufffd', field: 'orderNo', code: 'invalid_unicode' }),
    ]);
    expect(await ordersOf('S1')).toBe(0);
    expect(await linesOf('S2')).toBe(1);
  });

  it('dates outside the window (two years back to tomorrow by default)', async () => {
    const res = await post({
      batchId: 'dates',
      orders: [
        order('W1', 1, { paidAt: new Date(Date.now() - 800 * DAY).toISOString() }),
        order('W2', 1, { paidAt: new Date(Date.now() + 3 * DAY).toISOString() }),
        order('W3', 1, { paidAt: '2026-02-30T10:00:00+08:00' }),
        order('W4'),
      ],
      refunds: [{ refundNo: 'WR1', orderNo: 'W4', refundedAt: '1999-01-01T00:00:00Z', amountFen: 100 }],
    });
    expect(res.status).toBe(200);
    expect(res.body.orders.accepted).toBe(1);
    expect(
      res.body.rejected.map((r: { ref: string; field: string; code: string }) => [r.ref, r.field, r.code]),
    ).toEqual([
      ['W1', 'paidAt', 'date_out_of_range'],
      ['WR1', 'refundedAt', 'date_out_of_range'],
      ['W2', 'paidAt', 'date_out_of_range'],
      ['W3', 'paidAt', expect.any(String)],
    ]);
    expect(await count('refunds', { corp_id: corp.id, refund_no: 'WR1' })).toBe(0);
  });
});

describe('batch ids', () => {
  it('the same id with other orders is a 409 naming the conflict; the same content is a replay', async () => {
    const first = await post({ batchId: 'reuse', orders: [order('R1')] });
    expect(first.body.orders.accepted).toBe(1);
    const other = await post({ batchId: 'reuse', orders: [order('R2')] });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'BATCH_CONFLICT', field: 'batchId' });
    expect(other.body.error.message).toContain('reuse');
    expect(await ordersOf('R2')).toBe(0);
    // Same content, keys in another order: a replay with the first report.
    const { orderNo, ...rest } = order('R1');
    const again = await post({ orders: [{ ...rest, orderNo }], batchId: 'reuse' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ replayed: true, orders: { accepted: 1, duplicates: 0 } });
  });
});

describe('files within the limits', () => {
  it('a CSV of 5,000 orders × 1 line', async () => {
    const res = await upload(csv('F', 5000, 1), 'text/csv');
    expect(res.status).toBe(200);
    expect(res.body.orders.accepted).toBe(5000);
    expect(await ordersOf('F')).toBe(5000);
  }, 60_000);

  it('a CSV of 2,000 orders × 6 lines', async () => {
    const res = await upload(csv('G', 2000, 6), 'text/csv');
    expect(res.status).toBe(200);
    expect(res.body.orders.accepted).toBe(2000);
    expect(await linesOf('G')).toBe(12_000);
  }, 60_000);

  it('a CSV of exactly INGEST_FILE_MAX_ROWS orders: stored, and queued for attribution in jobs of at most 10,000', async () => {
    const max = ctx.cfg.INGEST_FILE_MAX_ROWS;
    const res = await upload(csv('M', max, 1), 'text/csv');
    expect(res.status).toBe(200);
    expect(res.body.orders.accepted).toBe(max);
    expect(await ordersOf('M')).toBe(max);
    const jobs = await ctx.queues.queue('attribution').getJobs(['waiting']);
    const queued = jobs
      .map((j) => (j.data as { payload: { orderIds?: number[]; reason: string } }).payload)
      .filter((p) => p.reason.startsWith('file batch'));
    expect(Math.max(...queued.map((p) => p.orderIds!.length))).toBeLessThanOrEqual(10_000);
    const mIds = await ctx.db('orders').where({ corp_id: corp.id }).where('order_no', 'like', 'M%').pluck('id');
    const queuedIds = new Set(queued.flatMap((p) => p.orderIds!));
    expect(mIds.every((id: number) => queuedIds.has(id))).toBe(true);
  }, 120_000);

  it('an XLSX of 2,000 orders × 6 lines', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('orders');
    for (const line of csv('X', 2000, 6).split('\n')) ws.addRow(line.split(','));
    const res = await upload(Buffer.from(await wb.xlsx.writeBuffer()), XLSX);
    expect(res.status).toBe(200);
    expect(res.body.orders.accepted).toBe(2000);
    expect(await linesOf('X')).toBe(12_000);
  }, 60_000);
});

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe('hostile files are refused early', () => {
  it('a zip bomb (a small XLSX that inflates to 50 MiB) is a 413 before it is parsed', async () => {
    const bomb = makeZip([
      { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(50 * 1024 * 1024, 0x20) },
    ]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const rss = process.memoryUsage().rss;
    const started = Date.now();
    const res = await upload(bomb, XLSX);
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'body' });
    expect(res.body.error.message).toContain('INGEST_FILE_MAX_INFLATED_BYTES');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
  });

  it('a zip whose entry lies about its size is refused as well', async () => {
    const liar = makeZip([
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(50 * 1024 * 1024), declaredSize: 100 },
    ]);
    const res = await upload(liar, XLSX);
    expect([413, 422]).toContain(res.status);
    expect(['PAYLOAD_TOO_LARGE', 'UNREADABLE_FILE']).toContain(res.body.error.code);
  });

  it('a file over INGEST_FILE_MAX_BYTES is a 413 naming the limit', async () => {
    const res = await upload(Buffer.alloc(ctx.cfg.INGEST_FILE_MAX_BYTES + 1, 0x41), 'text/csv');
    expect(res.status).toBe(413);
    expect(res.body.error.message).toContain('INGEST_FILE_MAX_BYTES');
  });

  it('more rows than INGEST_FILE_MAX_ROWS is a 422 naming the limit', async () => {
    const res = await upload(csv('Z', ctx.cfg.INGEST_FILE_MAX_ROWS + 1, 1), 'text/csv');
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'TOO_MANY_ROWS' });
    expect(res.body.error.message).toContain('INGEST_FILE_MAX_ROWS');
    expect(await ordersOf('Z')).toBe(0);
  });
});

describe('CSV encodings', () => {
  const rows = (h: string) => [h, `K1,LIM1,${sheetTime},10.00,0,10.00,红色-37,1,10.00`].join('\r\n');
  const zhHeader = '订单号,门店编码,支付时间,应付金额(元),优惠金额(元),实付金额(元),SKU,数量,行金额(元)';
  const skuOf = async (no: string) =>
    (
      await ctx
        .db('order_lines as l')
        .join('orders as o', 'o.id', 'l.order_id')
        .where({ 'o.corp_id': corp.id, 'o.order_no': no })
        .first<{ sku_code: string }>('l.sku_code')
    )?.sku_code;

  it('GBK with English headers is stored as written, not garbled', async () => {
    const res = await upload(iconv.encode(rows(HEADER), 'gbk'), 'text/csv');
    expect(res.status).toBe(200);
    expect(res.body.orders.accepted).toBe(1);
    expect(await skuOf('K1')).toBe('红色-37');
  });

  it('GBK with Chinese headers reads its columns', async () => {
    const res = await upload(iconv.encode(rows(zhHeader).replace('K1,', 'K2,'), 'gbk'), 'text/csv');
    expect(res.status).toBe(200);
    expect(await skuOf('K2')).toBe('红色-37');
  });

  it('UTF-8 with a BOM, UTF-16 with a BOM, and a declared charset', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(rows(zhHeader).replace('K1,', 'K3,'))]);
    expect((await upload(bom, 'text/csv')).status).toBe(200);
    const u16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      iconv.encode(rows(zhHeader).replace('K1,', 'K4,'), 'utf-16le'),
    ]);
    expect((await upload(u16, 'text/csv')).status).toBe(200);
    const declared = iconv.encode(rows(zhHeader).replace('K1,', 'K5,'), 'gb18030');
    expect((await upload(declared, 'text/csv; charset=GB18030')).status).toBe(200);
    for (const no of ['K3', 'K4', 'K5']) expect(await skuOf(no)).toBe('红色-37');
  });

  it('bytes that are no text in any supported charset are a 422, nothing stored', async () => {
    const junk = Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from([0x4b, 0x39, 0x2c, 0x80, 0xff, 0x00, 0x01])]);
    const res = await upload(junk, 'text/csv');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('UNREADABLE_FILE');
    const lying = await upload(iconv.encode(rows(HEADER).replace('K1,', 'K6,'), 'gbk'), 'text/csv; charset=utf-8');
    expect(lying.status).toBe(422);
    expect(await ordersOf('K9')).toBe(0);
    expect(await ordersOf('K6')).toBe(0);
  });
});
