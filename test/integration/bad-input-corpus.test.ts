/**
 * A corpus of bad input against every way facts come in — the POS webhook, the orders file, the
 * interaction webhook and the interactions file. Whatever arrives: a 4xx with a code and the field
 * (or the row and field) at fault, the valid rows kept, nothing invalid stored, never a 5xx.
 */
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { signSession } from '../../core/auth/session';
import { signPosBody } from '../../core/ingest/signature';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import { makeZip } from '../helpers/zip';
import {
  createCorp,
  createCustomer,
  createGuide,
  createRegion,
  createStore,
  type CorpFixture,
} from '../factories/org.factory';

let ctx: TestContext;
let corp: CorpFixture;
let app: ReturnType<typeof createApp>;
let customerExt: string;
const statuses: number[] = [];
const DAY = 86_400_000;
const T = new Date(Date.now() - 2 * DAY).toISOString();
const wall = new Date(Date.now() - 2 * DAY + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const LIMIT = 256 * 1024;

const good = (no: string) => ({
  orderNo: no,
  storeCode: 'BAD1',
  paidAt: T,
  grossFen: 500,
  netFen: 500,
  lines: [{ skuCode: 'K', qty: 1, netFen: 500 }],
});

function signed(path: string, raw: string | Buffer, headers: Record<string, string> = {}) {
  let r = request(app)
    .post(path)
    .set('content-type', 'application/json')
    .set('X-Guidepost-Signature', signPosBody(corp.posHmacSecret, raw.toString()));
  for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
  return r.send(raw).then((res) => {
    statuses.push(res.status);
    return res;
  });
}
const pos = (body: unknown) => signed(`/webhooks/pos/${corp.wecomCorpId}`, JSON.stringify(body));
const ix = (body: unknown) => signed(`/webhooks/interactions/${corp.wecomCorpId}`, JSON.stringify(body));
const bearer = (userid: string) => `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid }, 600)}`;
function file(kind: 'orders' | 'interactions', body: Buffer | string, type: string, auth = bearer('caiwu')) {
  return request(app)
    .post(`/api/ingest/${kind}-file`)
    .set('Authorization', auth)
    .set('content-type', type)
    .send(body)
    .then((res) => {
      statuses.push(res.status);
      return res;
    });
}
const triples = (rejected: { row: number; field: string; code: string }[]) =>
  rejected.map((r) => [r.row, r.field, r.code]);
const storedOrders = async () =>
  (await ctx.db('orders').where({ corp_id: corp.id }).orderBy('order_no').pluck('order_no')) as string[];

beforeAll(async () => {
  ctx = await createTestContext({
    INGEST_WEBHOOK_MAX_BYTES: String(LIMIT),
    INGEST_FILE_MAX_BYTES: String(LIMIT),
    INGEST_FILE_MAX_INFLATED_BYTES: String(4 * LIMIT),
    INGEST_FILE_MAX_ROWS: '50',
  });
  app = createApp(ctx);
  corp = await createCorp(ctx.db, ctx.secrets);
  const region = await createRegion(ctx.db, corp.id);
  const store = await createStore(ctx.db, corp.id, region, { code: 'BAD1' });
  await createGuide(ctx.db, corp.id, store, { userid: 'licui' });
  await ctx.db('users').insert({ corp_id: corp.id, userid: 'caiwu', name: '财务', role: 'finance' });
  customerExt = (await createCustomer(ctx.db, corp.id)).externalUserid;
});
afterEach(() => {
  // Never a 5xx, whatever the case.
  expect(statuses.filter((s) => s >= 500)).toEqual([]);
});
afterAll(async () => {
  await destroyTestContext(ctx);
});

describe('POS webhook: requests refused whole', () => {
  const path = () => `/webhooks/pos/${corp.wecomCorpId}`;
  it.each([
    ['an empty body', '', 400, 'VALIDATION_FAILED', 'body'],
    ['bad JSON', '{"batchId":', 400, 'VALIDATION_FAILED', 'body'],
    ['a JSON array', '[]', 400, 'VALIDATION_FAILED', 'body'],
    ['JSON null', 'null', 400, 'VALIDATION_FAILED', 'body'],
    ['no batch id', '{"orders":[]}', 400, 'VALIDATION_FAILED', 'body.batchId'],
    ['a numeric batch id', '{"batchId":7}', 400, 'VALIDATION_FAILED', 'body.batchId'],
    ['a batch id with NUL', '{"batchId":"a\\u0000b"}', 400, 'VALIDATION_FAILED', 'body.batchId'],
    [
      'a batch id of 65 characters',
      JSON.stringify({ batchId: 'b'.repeat(65) }),
      400,
      'VALIDATION_FAILED',
      'body.batchId',
    ],
    ['orders not a list', '{"batchId":"x","orders":{}}', 400, 'VALIDATION_FAILED', 'body.orders'],
    [
      '1,001 orders',
      JSON.stringify({ batchId: 'x', orders: Array.from({ length: 1001 }, () => 0) }),
      400,
      'VALIDATION_FAILED',
      'body.orders',
    ],
  ])('%s', async (_name, raw, status, code, field) => {
    const res = await signed(path(), raw);
    expect(res.status).toBe(status);
    expect(res.body.error).toMatchObject({ code, field });
  });

  it('signatures: wrong, missing, malformed, stale → 401 naming the header', async () => {
    const raw = JSON.stringify({ batchId: 'sig', orders: [good('SIG1')] });
    const send = (sig?: string) => {
      const r = request(app).post(path()).set('content-type', 'application/json');
      return (sig === undefined ? r : r.set('X-Guidepost-Signature', sig)).send(raw).then((res) => {
        statuses.push(res.status);
        return res;
      });
    };
    for (const sig of [
      signPosBody('another-secret', raw),
      undefined,
      't=abc,v1=zz',
      signPosBody(corp.posHmacSecret, raw, Math.floor(Date.now() / 1000) - 3600),
      signPosBody(corp.posHmacSecret, `${raw} `),
    ]) {
      const res = await send(sig);
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'BAD_SIGNATURE', field: 'X-Guidepost-Signature' });
    }
    expect(await storedOrders()).not.toContain('SIG1');
  });

  it('an unknown corp, a body over the limit, an unknown charset or content encoding', async () => {
    const unknown = await request(app)
      .post('/webhooks/pos/nosuchcorp')
      .set('content-type', 'application/json')
      .send('{}');
    expect(unknown.status).toBe(404);
    const big = JSON.stringify({ batchId: 'big', orders: [good('BIG1')], pad: 'x'.repeat(LIMIT) });
    const tooLarge = await signed(path(), big);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.message).toContain('INGEST_WEBHOOK_MAX_BYTES');
    const charset = await signed(path(), '{}', { 'content-type': 'application/json; charset=klingon' });
    expect(charset.status).toBe(415);
    expect(charset.body.error.code).toBe('UNSUPPORTED_MEDIA');
    const encoding = await signed(path(), '{}', { 'content-encoding': 'x-nothing' });
    expect(encoding.status).toBe(415);
    expect(await storedOrders()).not.toContain('BIG1');
  });
});

describe('POS webhook: bad rows reported one by one, good rows kept', () => {
  it('every shape of bad row', async () => {
    const bad: [unknown, string, string][] = [
      [{ ...good('B00'), orderNo: 123 }, 'orderNo', 'invalid_type'],
      [{ ...good('B01'), orderNo: '' }, 'orderNo', 'too_small'],
      [{ ...good('B02'), orderNo: `B02${'x'.repeat(100_000)}` }, 'orderNo', 'too_big'],
      [
        { ...good('B03'), grossFen: -500, netFen: -500, lines: [{ skuCode: 'K', qty: 1, netFen: -500 }] },
        'grossFen',
        'too_small',
      ],
      [{ ...good('B04'), grossFen: 500.5 }, 'grossFen', 'invalid_type'],
      [{ ...good('B05'), grossFen: '500' }, 'grossFen', 'invalid_type'],
      [{ ...good('B06'), grossFen: 1e20, netFen: 1e20 }, 'grossFen', 'too_big'],
      [{ ...good('B07'), paidAt: undefined }, 'paidAt', 'invalid_type'],
      [{ ...good('B08'), paidAt: 'yesterday' }, 'paidAt', 'invalid_format'],
      [{ ...good('B09'), paidAt: '2026-11-20T10:00:00' }, 'paidAt', 'invalid_format'],
      [{ ...good('B10'), storeCode: 'NOPE' }, 'storeCode', 'unknown_store'],
      [{ ...good('B11'), lines: [] }, 'lines', 'too_small'],
      [
        {
          ...good('B12'),
          grossFen: 201,
          netFen: 201,
          lines: Array.from({ length: 201 }, () => ({ skuCode: 'K', qty: 1, netFen: 1 })),
        },
        'lines',
        'too_big',
      ],
      [{ ...good('B13'), lines: [{ skuCode: 'K', qty: 0, netFen: 500 }] }, 'lines.0.qty', 'too_small'],
      [
        {
          ...good('B14'),
          lines: [
            { lineNo: 1, skuCode: 'K', qty: 1, netFen: 250 },
            { lineNo: 1, skuCode: 'L', qty: 1, netFen: 250 },
          ],
        },
        'lines.1.lineNo',
        'duplicate_line',
      ],
      [
        { ...good('B15'), lines: [{ lineNo: 2 ** 40, skuCode: 'K', qty: 1, netFen: 500 }] },
        'lines.0.lineNo',
        'too_big',
      ],
      [{ ...good('B16'), couponCodes: 'C1' }, 'couponCodes', 'invalid_type'],
      [{ ...good('B17'), phone: '12345' }, 'phone', 'custom'],
      [{ ...good('B18'), storeCode: '=1+1' }, 'storeCode', 'formula'],
      [{ ...good('B19'), lines: [{ skuCode: '@SUM(A1)', qty: 1, netFen: 500 }] }, 'lines.0.skuCode', 'formula'],
      [{ ...good('B20'), orderNo: 'B20\u0007' }, 'orderNo', 'control_character'],
      [{ ...good('B21'), orderNo: 'B21\udc00' }, 'orderNo', 'invalid_unicode'],
      [{ ...good('B22'), memberNo: 'M\u0000' }, 'memberNo', 'control_character'],
      [{ ...good('B23'), source: 'transfer' }, 'source', 'invalid_value'],
      [{ ...good('B24'), netFen: 400 }, 'netFen', 'custom'],
      [{ ...good('B25'), paidAt: new Date(Date.now() + 30 * DAY).toISOString() }, 'paidAt', 'date_out_of_range'],
      ['a string', '(row)', 'invalid_type'],
      [null, '(row)', 'invalid_type'],
      [[good('B28')], '(row)', 'invalid_type'],
      [good('OK1'), '', ''],
      [good('OK1'), 'orderNo', 'duplicate_in_batch'],
    ];
    const refunds = [
      { refundNo: 'RB1', orderNo: 'OK1', refundedAt: T, amountFen: 0 },
      { refundNo: 'RB2', orderNo: 'OK1', refundedAt: T, amountFen: -1 },
      { refundNo: 'RB3', orderNo: 'OK1', refundedAt: T, amountFen: 1.5 },
      { refundNo: 'RB4', orderNo: 'OK1', refundedAt: T },
      { refundNo: 'RB5', orderNo: 'OK1', refundedAt: T, amountFen: 100 },
      { refundNo: 'RB5', orderNo: 'OK1', refundedAt: T, amountFen: 100 },
    ];
    const res = await pos({ batchId: 'corpus', orders: bad.map(([r]) => r), refunds });
    expect(res.status).toBe(200);
    expect(res.body.orders).toEqual({ accepted: 1, duplicates: 0 });
    expect(res.body.refunds).toMatchObject({ accepted: 1, duplicates: 0 });
    const orderProblems = res.body.rejected.filter((r: { kind: string }) => r.kind === 'order');
    const expected = bad.flatMap(([, field, code], i) => (field ? [[i, field, code]] : []));
    // Each bad row's first problem is the one the corpus names (B03 and B06 also break the sums).
    const firstPerRow = new Map<number, unknown[]>();
    for (const t of triples(orderProblems)) if (!firstPerRow.has(t[0] as number)) firstPerRow.set(t[0] as number, t);
    expect([...firstPerRow.values()]).toEqual(expected);
    expect(triples(res.body.rejected.filter((r: { kind: string }) => r.kind === 'refund'))).toEqual([
      [0, 'amountFen', 'custom'],
      [1, 'amountFen', 'too_small'],
      [1, 'amountFen', 'custom'],
      [2, 'amountFen', 'invalid_type'],
      [3, 'amountFen', 'invalid_type'],
      [5, 'refundNo', 'duplicate_in_batch'],
    ]);
    // Every problem names its row, field and code; refs are printable and short.
    for (const p of res.body.rejected) {
      expect(p).toEqual({
        kind: expect.any(String),
        row: expect.any(Number),
        ref: p.ref === null ? null : expect.any(String),
        field: expect.any(String),
        code: expect.any(String),
        message: expect.any(String),
      });
      if (p.ref) expect(p.ref.length).toBeLessThanOrEqual(81);
    }
    expect(await storedOrders()).toEqual(['OK1']);
    expect(await ctx.db('refunds').where({ corp_id: corp.id }).pluck('refund_no')).toEqual(['RB5']);
    // The report was stored (jsonb takes it: no NUL, no lone surrogate) and replays as is.
    const again = await pos({ batchId: 'corpus', orders: bad.map(([r]) => r), refunds });
    expect(again.body).toMatchObject({ replayed: true, rejected: res.body.rejected });
  });

  it('a batch with nothing usable is a 400 carrying the report', async () => {
    const res = await pos({ batchId: 'none', orders: [{ ...good('N1'), netFen: 1 }] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body' });
    expect(res.body.report.rejected[0]).toMatchObject({ row: 0, ref: 'N1', field: 'netFen' });
  });
});

describe('orders file', () => {
  const header = '订单号,门店编码,支付时间,应付金额(元),优惠金额(元),实付金额(元),SKU,数量,行金额(元)';
  const row = (no: string, extra: Partial<Record<'amount' | 'qty' | 'time' | 'store', string>> = {}) =>
    `${no},${extra.store ?? 'BAD1'},${extra.time ?? wall},${extra.amount ?? '5.00'},0,${extra.amount ?? '5.00'},K,${extra.qty ?? '1'},${extra.amount ?? '5.00'}`;

  it.each([
    ['an empty body', '', 'text/csv', 400, 'VALIDATION_FAILED', 'body'],
    ['only a header', header, 'text/csv', 400, 'VALIDATION_FAILED', 'body'],
    ['an unknown column', `${header},颜色\n${row('U1')},红`, 'text/csv', 400, 'VALIDATION_FAILED', 'header'],
    ['a duplicated column', `订单号,order_no\nU2,U2`, 'text/csv', 400, 'VALIDATION_FAILED', 'header'],
    ['no order number column', `门店编码\nBAD1`, 'text/csv', 400, 'VALIDATION_FAILED', 'header'],
    ['an unterminated quote', `${header}\n"U3,BAD1`, 'text/csv', 422, 'UNREADABLE_FILE', 'body'],
    ['binary junk', Buffer.from([0x00, 0xff, 0xfe, 0x81, 0x00, 0x30]), 'text/csv', 422, 'UNREADABLE_FILE', 'body'],
    [
      'an unknown charset',
      `${header}\n${row('U4')}`,
      'text/csv; charset=klingon',
      415,
      'UNSUPPORTED_MEDIA',
      'content-type',
    ],
    ['a PDF', Buffer.from('%PDF-1.4'), 'application/pdf', 415, 'UNSUPPORTED_MEDIA', 'content-type'],
    ['random bytes as XLSX', Buffer.from('PK\u0003\u0004 not really a zip'), XLSX, 422, 'UNREADABLE_FILE', 'body'],
    [
      'a zip that is no workbook',
      makeZip([{ name: 'a.txt', data: Buffer.from('hi') }]),
      XLSX,
      422,
      'UNREADABLE_FILE',
      'body',
    ],
    [
      'a zip bomb',
      makeZip([{ name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(8 * LIMIT, 0x20) }]),
      XLSX,
      413,
      'PAYLOAD_TOO_LARGE',
      'body',
    ],
    ['a file over the byte limit', Buffer.alloc(LIMIT + 1, 0x41), 'text/csv', 413, 'PAYLOAD_TOO_LARGE', 'body'],
    [
      'more rows than the limit',
      [header, ...Array.from({ length: 51 }, (_, i) => row(`U5-${i}`))].join('\n'),
      'text/csv',
      422,
      'TOO_MANY_ROWS',
      'body',
    ],
  ])('%s', async (_name, body, type, status, code, field) => {
    const before = await storedOrders();
    const res = await file('orders', body, type);
    expect(res.status).toBe(status);
    expect(res.body.error).toMatchObject({ code, field });
    expect(await storedOrders()).toEqual(before);
  });

  it('a truncated workbook is a 422', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('s').addRow(header.split(','));
    const full = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await file('orders', full.subarray(0, Math.floor(full.length / 2)), XLSX);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('UNREADABLE_FILE');
  });

  it('a guide, no session, and a bad batch id are refused before the upload is used', async () => {
    expect((await file('orders', `${header}\n${row('A1')}`, 'text/csv', bearer('licui'))).status).toBe(403);
    expect((await file('orders', `${header}\n${row('A2')}`, 'text/csv', '')).status).toBe(401);
    const res = await request(app)
      .post('/api/ingest/orders-file?batchId=%00x')
      .set('Authorization', bearer('caiwu'))
      .set('content-type', 'text/csv')
      .send(`${header}\n${row('A3')}`);
    statuses.push(res.status);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('batchId');
    expect(await storedOrders()).not.toEqual(expect.arrayContaining(['A1', 'A2', 'A3']));
  });

  it('bad cells are reported by sheet row; formulas are never taken as values', async () => {
    const csv = [
      header,
      row('FC1'),
      row('=1+1'),
      row('FC3', { amount: '-5' }),
      row('FC4', { amount: '12.345' }),
      row('FC5', { qty: 'abc' }),
      row('FC6', { time: '2026-13-45 10:00:00' }),
      row('FC7', { store: 'NOPE' }),
      `"FC8\u0001",BAD1,${wall},5,0,5,K,1,5`,
    ].join('\r\n');
    const res = await file('orders', iconv.encode(csv, 'gb18030'), 'text/csv');
    expect(res.status).toBe(200);
    expect(res.body.orders.accepted).toBe(1);
    const rows = new Map<number, string[]>();
    for (const p of res.body.rejected) rows.set(p.row, [...(rows.get(p.row) ?? []), `${p.field}:${p.code}`]);
    expect(Object.fromEntries(rows)).toEqual({
      3: ['orderNo:formula'],
      4: ['行金额(元):invalid_amount', '应付金额(元):invalid_amount', '实付金额(元):invalid_amount'],
      5: ['行金额(元):invalid_amount', '应付金额(元):invalid_amount', '实付金额(元):invalid_amount'],
      6: ['lines.0.qty:invalid_type'],
      7: ['paidAt:invalid_format'],
      8: ['storeCode:unknown_store'],
      9: ['orderNo:control_character'],
    });
    expect((await storedOrders()).filter((n) => n.startsWith('FC') || n.startsWith('='))).toEqual(['FC1']);

    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('s');
    ws.addRow(header.split(','));
    ws.addRow(['XF1', 'BAD1', wall, '5', '0', '5', 'K', 1, '5']);
    ws.addRow(['XF2', 'BAD1', wall, { formula: '2+3', result: 5 }, '0', '5', 'K', 1, '5']);
    ws.addRow([{ formula: 'A2&"x"', result: 'XF3' }, 'BAD1', wall, '5', '0', '5', 'K', 1, '5']);
    const x = await file('orders', Buffer.from(await wb.xlsx.writeBuffer()), XLSX);
    expect(x.status).toBe(200);
    expect(triples(x.body.rejected).map(([r, f]) => [r, f])).toEqual([
      [3, '应付金额(元)'],
      [4, 'orderNo'],
    ]);
    expect((await storedOrders()).filter((n) => n.startsWith('XF'))).toEqual(['XF1']);
  });
});

describe('interaction webhook and file', () => {
  const rec = (id: string, extra: Record<string, unknown> = {}) => ({
    externalId: id,
    kind: 'call',
    occurredAt: T,
    guideUserid: 'licui',
    externalUserid: customerExt,
    ...extra,
  });
  const stored = async () =>
    (await ctx.db('interactions').where({ corp_id: corp.id }).orderBy('evidence_id').pluck('evidence_id')) as string[];

  it('requests refused whole', async () => {
    const path = `/webhooks/interactions/${corp.wecomCorpId}`;
    for (const [raw, field] of [
      ['', 'body'],
      ['{', 'body'],
      ['{"interactions":[]}', 'body.batchId'],
      [JSON.stringify({ batchId: 'x', interactions: Array.from({ length: 1001 }, () => 0) }), 'body.interactions'],
    ] as const) {
      const res = await signed(path, raw);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    }
    const sig = await request(app)
      .post(path)
      .set('content-type', 'application/json')
      .set('X-Guidepost-Signature', signPosBody('wrong', '{}'))
      .send('{}');
    expect(sig.status).toBe(401);
  });

  it('every shape of bad record', async () => {
    const bad: [unknown, string, string][] = [
      [rec('I0', { kind: 'transfer' }), 'kind', 'invalid_value'],
      [rec('I1', { guideUserid: 'nobody' }), 'guideUserid', 'unknown_guide'],
      [rec('I2', { externalUserid: 'wm-nobody' }), 'externalUserid', 'unknown_customer'],
      [rec('I3', { externalUserid: undefined }), 'externalUserid', 'missing_customer'],
      [rec('I4', { occurredAt: new Date(Date.now() - 1000 * DAY).toISOString() }), 'occurredAt', 'date_out_of_range'],
      [rec('I5', { summary: 'a\u0000b' }), 'summary', 'control_character'],
      [rec('I6', { durationSeconds: -1 }), 'durationSeconds', 'too_small'],
      [rec('I7', { durationSeconds: 1.5 }), 'durationSeconds', 'invalid_type'],
      [rec('I8', { phone: '12' }), 'phone', 'custom'],
      [rec('I9', { externalId: '=HYPERLINK("x")' }), 'externalId', 'formula'],
      [rec('I10', { summary: 'x'.repeat(501) }), 'summary', 'too_big'],
      [{ externalId: 'I11' }, 'kind', 'invalid_value'],
      [42, '(row)', 'invalid_type'],
      [rec('OK-1'), '', ''],
      [rec('OK-1'), 'externalId', 'duplicate_in_batch'],
    ];
    const res = await ix({ batchId: 'ix-corpus', interactions: bad.map(([r]) => r) });
    expect(res.status).toBe(200);
    expect(res.body.interactions).toEqual({ accepted: 1, duplicates: 0 });
    const firstPerRow = new Map<number, unknown[]>();
    for (const t of triples(res.body.rejected))
      if (!firstPerRow.has(t[0] as number)) firstPerRow.set(t[0] as number, t);
    expect([...firstPerRow.values()]).toEqual(bad.flatMap(([, field, code], i) => (field ? [[i, field, code]] : [])));
    expect(await stored()).toEqual(['call:OK-1']);
  });

  it('files: missing columns, header only, bad cells', async () => {
    const missing = await file('interactions', '记录号,类型\nX,通话', 'text/csv');
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ field: 'header' });
    expect(missing.body.error.message).toContain('发生时间');
    const header = 'external_id,kind,occurred_at,guide_userid,external_userid,duration_seconds';
    expect((await file('interactions', header, 'text/csv')).status).toBe(400);
    const res = await file(
      'interactions',
      [header, `FI-1,call,${wall},licui,${customerExt},60`, `FI-2,call,${wall},licui,${customerExt},1h`].join('\n'),
      'text/csv',
    );
    expect(res.status).toBe(200);
    expect(res.body.interactions.accepted).toBe(1);
    expect(triples(res.body.rejected)).toEqual([
      [3, 'duration_seconds'.replace('duration_seconds', '时长(秒)'), 'invalid_number'],
    ]);
    expect((await stored()).filter((e) => e.startsWith('call:FI'))).toEqual(['call:FI-1']);
  });
});

describe('orders file: one order number, rows that disagree', () => {
  it('refuses the order when its rows carry different order columns; consistent orders are kept', async () => {
    const header = '订单号,门店编码,支付时间,应付金额(元),优惠金额(元),实付金额(元),SKU,数量,行金额(元)';
    const csv = [
      header,
      `CO1,BAD1,${wall},10.00,0,10.00,K,1,5.00`,
      `CO1,BAD1,${wall},10.00,0,10.00,L,1,5.00`,
      `CO2,BAD1,${wall},10.00,0,10.00,K,1,5.00`,
      `CO2,BAD1,${wall},99.00,0,99.00,L,1,5.00`,
    ].join('\n');
    const res = await file('orders', csv, 'text/csv');
    expect(res.status).toBe(200);
    expect(res.body.orders.accepted).toBe(1);
    expect(triples(res.body.rejected)).toEqual([[5, 'order_no', 'conflicting_order_rows']]);
    expect((await storedOrders()).filter((n) => n.startsWith('CO'))).toEqual(['CO1']);
  });
});
