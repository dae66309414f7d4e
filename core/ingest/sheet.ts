/**
 * Uploaded sheets (CSV or XLSX): read within limits (rows; an XLSX's unzipped size, checked before
 * it is parsed), CSV text decoded from UTF-8, UTF-16 or GB18030, then mapped to webhook-shaped rows.
 * Order files come from stores that cannot call the webhook: one row per order line, rows sharing
 * an order number make one order. Interaction files carry other systems' records, one per row.
 * Columns may be named in Chinese or English.
 */
import { parse } from 'csv-parse/sync';
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import yauzl from 'yauzl';
import { AppError } from '../errors';
import { normalizePhone, yuanToFen } from './money';
import { printable, type RowProblem } from './rows';

dayjs.extend(utc);
dayjs.extend(timezone);

/** Accepted headers → field. */
export const COLUMNS: Record<string, string> = {
  类型: 'type',
  type: 'type',
  订单号: 'order_no',
  order_no: 'order_no',
  来源: 'source',
  source: 'source',
  门店编码: 'store_code',
  store_code: 'store_code',
  支付时间: 'paid_at',
  paid_at: 'paid_at',
  '应付金额(元)': 'gross',
  gross_yuan: 'gross',
  '优惠金额(元)': 'discount',
  discount_yuan: 'discount',
  '实付金额(元)': 'net',
  net_yuan: 'net',
  会员号: 'member_no',
  member_no: 'member_no',
  手机号: 'phone',
  phone: 'phone',
  unionid: 'unionid',
  优惠券码: 'coupon_codes',
  coupon_codes: 'coupon_codes',
  转账交易号: 'payment_transaction_id',
  payment_transaction_id: 'payment_transaction_id',
  SKU: 'sku_code',
  sku_code: 'sku_code',
  数量: 'qty',
  qty: 'qty',
  '行金额(元)': 'line_net',
  line_net_yuan: 'line_net',
  退款单号: 'refund_no',
  refund_no: 'refund_no',
  退款时间: 'refunded_at',
  refunded_at: 'refunded_at',
  '退款金额(元)': 'refund_amount',
  refund_yuan: 'refund_amount',
};

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface SheetRow {
  row: number;
  values: Record<string, string>;
}

/** INGEST_FILE_MAX_BYTES is enforced while the upload is read; these apply to its contents. */
export interface SheetLimits {
  /** INGEST_FILE_MAX_INFLATED_BYTES: an XLSX's entries together, unzipped. */
  maxInflatedBytes: number;
  /** INGEST_FILE_MAX_ROWS: data rows, the header not counted. */
  maxRows: number;
}

export const sheetLimits = (cfg: { INGEST_FILE_MAX_INFLATED_BYTES: number; INGEST_FILE_MAX_ROWS: number }) => ({
  maxInflatedBytes: cfg.INGEST_FILE_MAX_INFLATED_BYTES,
  maxRows: cfg.INGEST_FILE_MAX_ROWS,
});

function normaliseHeader(h: string, columns: Record<string, string>): string | undefined {
  const k = h.trim().replace(/（/g, '(').replace(/）/g, ')');
  return columns[k] ?? columns[k.toLowerCase()];
}

const unreadable = (message: string, field = 'body') => new AppError('UNREADABLE_FILE', message, { field });

/**
 * CSV bytes → text. A BOM decides (UTF-8, UTF-16 LE/BE); else a charset declared in Content-Type
 * (any iconv-lite knows); else strict UTF-8; else GB18030 (a superset of GBK and GB2312: what Excel
 * writes on Chinese Windows). Text that does not decode cleanly in the chosen charset — an invalid
 * sequence, or a NUL (binary, or UTF-16 without its BOM) — is refused, never stored garbled. Other
 * control characters are left to the per-row checks, which refuse only their rows.
 */
export function decodeCsv(body: Buffer, contentType: string): string {
  const declared = /;\s*charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType)?.[1]?.toLowerCase();
  const clean = (s: string, charset: string) => {
    if (s.includes('\ufffd') || s.includes('\u0000'))
      throw unreadable(`the file is not valid ${charset} text; save it as CSV UTF-8 and upload it again`);
    return s;
  };
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return clean(strictUtf8(body.subarray(3)), 'UTF-8');
  if (body[0] === 0xff && body[1] === 0xfe) return clean(iconv.decode(body.subarray(2), 'utf-16le'), 'UTF-16');
  if (body[0] === 0xfe && body[1] === 0xff) return clean(iconv.decode(body.subarray(2), 'utf-16be'), 'UTF-16');
  if (declared && !['utf-8', 'utf8'].includes(declared)) {
    if (!iconv.encodingExists(declared))
      throw new AppError('UNSUPPORTED_MEDIA', `charset ${declared} is not supported; send UTF-8, UTF-16 or GB18030`, {
        field: 'content-type',
      });
    return clean(iconv.decode(body, declared), declared);
  }
  const utf8 = strictUtf8(body);
  if (!utf8.includes('\ufffd')) return clean(utf8, 'UTF-8');
  if (declared) throw unreadable('the file is not valid UTF-8 text, as its Content-Type declares');
  return clean(iconv.decode(body, 'gb18030'), 'UTF-8 or GB18030');
}

/** UTF-8 with every invalid sequence as U+FFFD (which `clean` then refuses). */
const strictUtf8 = (b: Buffer) => new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(b);

/**
 * Refuses a zip whose entries would inflate past the limit, before anything is parsed: first by the
 * sizes its central directory declares, then by inflating each entry and counting (yauzl checks
 * every entry against its declared size, so a lying header fails too).
 */
export async function checkZip(body: Buffer, maxInflatedBytes: number): Promise<void> {
  const tooLarge = () =>
    new AppError(
      'PAYLOAD_TOO_LARGE',
      `the workbook unzips to more than ${maxInflatedBytes} bytes (INGEST_FILE_MAX_INFLATED_BYTES)`,
      { field: 'body' },
    );
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(body, { lazyEntries: true, validateEntrySizes: true });
  } catch {
    throw unreadable('not a readable XLSX file (the zip is damaged or truncated)');
  }
  const entries: yauzl.Entry[] = [];
  try {
    for await (const entry of zip.eachEntry()) entries.push(entry);
  } catch {
    throw unreadable('not a readable XLSX file (the zip is damaged or truncated)');
  }
  let declared = 0;
  for (const e of entries) declared += e.uncompressedSize;
  if (declared > maxInflatedBytes) throw tooLarge();
  let inflated = 0;
  for (const e of entries) {
    try {
      const stream = await zip.openReadStreamPromise(e);
      for await (const chunk of stream) {
        inflated += (chunk as Buffer).length;
        if (inflated > maxInflatedBytes) {
          stream.destroy();
          throw tooLarge();
        }
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw unreadable('not a readable XLSX file (an entry is damaged or larger than it declares)');
    }
  }
}

async function readXlsx(body: Buffer, limits: SheetLimits): Promise<string[][]> {
  await checkZip(body, limits.maxInflatedBytes);
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(body as unknown as ArrayBuffer);
  } catch {
    throw unreadable('not a readable XLSX file');
  }
  const ws = wb.worksheets[0];
  if (!ws) throw unreadable('the workbook has no sheet');
  if (ws.actualRowCount > limits.maxRows + 1) throw tooManyRows(limits.maxRows);
  const table: string[][] = [];
  ws.eachRow({ includeEmpty: false }, (r, n) => {
    const cells: string[] = [];
    r.eachCell({ includeEmpty: true }, (c, col) => {
      const v = c.value;
      cells[col - 1] =
        v instanceof Date
          ? dayjs(v).utc().format('YYYY-MM-DD HH:mm:ss')
          : typeof v === 'object' && v && 'formula' in v
            ? // A formula is refused where a value is expected: its cached result may be stale.
              `=${String(v.formula)}`
            : typeof v === 'object' && v && 'sharedFormula' in v
              ? `=${String(v.sharedFormula)}`
              : typeof v === 'object' && v && 'text' in v
                ? String(v.text)
                : v === null || v === undefined
                  ? ''
                  : String(c.text ?? v);
    });
    table[n - 1] = cells;
  });
  return Array.from(table, (r) => r ?? []);
}

const tooManyRows = (max: number) =>
  new AppError('TOO_MANY_ROWS', `the file has more than ${max} data rows (INGEST_FILE_MAX_ROWS); split it`, {
    field: 'body',
  });

function readCsv(body: Buffer, contentType: string, limits: SheetLimits): string[][] {
  const text = decodeCsv(body, contentType);
  let table: string[][];
  try {
    // One record past the limit is enough to know it is exceeded.
    table = parse(text, {
      skip_empty_lines: true,
      relax_column_count: true,
      to: limits.maxRows + 2,
    }) as string[][];
  } catch (err) {
    const e = err as { code?: string; message?: string; lines?: number };
    throw unreadable(
      `not a readable CSV file${e.lines ? ` (line ${e.lines})` : ''}: ${e.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted field is never closed' : (e.message ?? 'parse error')}`,
    );
  }
  if (table.length > limits.maxRows + 1) throw tooManyRows(limits.maxRows);
  return table;
}

/**
 * A CSV or XLSX upload → its data rows keyed by field (see `columns`), with their sheet row
 * numbers. Refuses, naming the limit or the fault: more rows than allowed, an XLSX that unzips
 * too large, undecodable text, a broken file, unknown, duplicated or missing columns.
 */
export async function readSheet(
  body: Buffer,
  contentType: string,
  limits: SheetLimits,
  columns: Record<string, string> = COLUMNS,
  required: { field: string; label: string }[] = [{ field: 'order_no', label: '订单号/order_no' }],
): Promise<SheetRow[]> {
  let table: string[][];
  if (contentType.startsWith('text/csv')) table = readCsv(body, contentType, limits);
  else if (contentType.startsWith(XLSX_TYPE)) table = await readXlsx(body, limits);
  else throw new AppError('UNSUPPORTED_MEDIA', `send text/csv or ${XLSX_TYPE}`, { field: 'content-type' });
  const [header, ...rows] = table;
  if (!header) throw new AppError('VALIDATION_FAILED', 'body: the file is empty', { field: 'body' });
  const fields = header.map((h) => normaliseHeader(String(h ?? ''), columns));
  const unknown = header.filter((h, i) => String(h ?? '').trim() && !fields[i]);
  if (unknown.length)
    throw new AppError('VALIDATION_FAILED', `unknown column(s): ${printable(unknown.join(', '), 200)}`, {
      field: 'header',
    });
  const twice = fields.filter((f, i) => f && fields.indexOf(f) !== i);
  if (twice.length)
    throw new AppError(
      'VALIDATION_FAILED',
      `column(s) given twice: ${[...new Set(twice)].map((f) => header[fields.indexOf(f)]).join(', ')}`,
      { field: 'header' },
    );
  for (const need of required)
    if (!fields.includes(need.field))
      throw new AppError('VALIDATION_FAILED', `missing column ${need.label}`, { field: 'header' });
  const data = rows
    .map((cells, i) => ({
      row: i + 2,
      values: Object.fromEntries(fields.flatMap((f, c) => (f ? [[f, String(cells[c] ?? '').trim()]] : []))),
    }))
    .filter((r) => Object.values(r.values).some(Boolean));
  if (data.length === 0)
    throw new AppError('VALIDATION_FAILED', 'body: the file has a header but no data rows', { field: 'body' });
  return data;
}

/**
 * A sheet's time: with an offset as given, else a wall-clock time in the tenant's zone
 * (`YYYY-MM-DD HH:mm[:ss]`, `/` or `-`). ISO 8601 out, or the cell as is — then refused by the row
 * schema. Calendar overflow (month 13, 30 February) is refused, not rolled over.
 */
function sheetTime(v: string, tz: string): string {
  if (!v) return '';
  if (/[zZ]|[+-]\d\d:?\d\d$/.test(v)) {
    const d = dayjs(v);
    return d.isValid() ? d.toISOString() : v;
  }
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(v);
  if (!m) return v;
  const p2 = (x: string | undefined) => (x ?? '0').padStart(2, '0');
  const wall = `${m[1]}-${p2(m[2])}-${p2(m[3])} ${p2(m[4])}:${p2(m[5])}:${p2(m[6])}`;
  const d = dayjs.tz(wall, tz);
  return d.isValid() && d.format('YYYY-MM-DD HH:mm:ss') === wall ? d.toISOString() : v;
}

/** The order-level columns, the same on every row of one order. */
const ORDER_HEAD = [
  'source',
  'store_code',
  'paid_at',
  'gross',
  'discount',
  'net',
  'member_no',
  'phone',
  'unionid',
  'coupon_codes',
  'payment_transaction_id',
];

/** Rows → webhook-shaped orders and refunds (fen, ISO times), plus problems found in cells. */
export function rowsToFacts(
  rows: SheetRow[],
  tz: string,
): { orders: unknown[]; refunds: unknown[]; orderRow: number[]; refundRow: number[]; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const orders = new Map<string, { row: number; head: string; order: Record<string, unknown>; lines: unknown[] }>();
  const refunds: unknown[] = [];
  const refundRow: number[] = [];
  const time = (v: string) => sheetTime(v, tz);
  const money = (
    r: SheetRow,
    field: string,
    label: string,
    kind: 'order' | 'refund',
    ref: string,
  ): number | undefined => {
    const v = r.values[field];
    if (v === undefined || v === '') return undefined;
    const f = yuanToFen(v);
    if (f === null)
      problems.push({
        kind,
        row: r.row,
        ref,
        field: label,
        code: 'invalid_amount',
        message: `"${v}" is not an amount in yuan with at most 2 decimals`,
      });
    return f ?? undefined;
  };
  for (const r of rows) {
    const v = r.values;
    if ((v.type ?? '').toLowerCase() === 'refund' || v.type === '退款') {
      refunds.push({
        refundNo: v.refund_no,
        orderNo: v.order_no,
        source: v.source || 'pos',
        refundedAt: time(v.refunded_at ?? ''),
        amountFen: money(r, 'refund_amount', '退款金额(元)', 'refund', v.refund_no ?? ''),
      });
      refundRow.push(r.row);
      continue;
    }
    const no = v.order_no ?? '';
    const line = {
      skuCode: v.sku_code,
      qty: v.qty ? Number(v.qty) : undefined,
      netFen: money(r, 'line_net', '行金额(元)', 'order', no),
    };
    const existing = orders.get(no);
    // The order's own columns repeat on each of its rows; rows that disagree are two orders under
    // one number, and which is right cannot be told: the order is refused.
    const head = ORDER_HEAD.map((f) => v[f] ?? '').join('\u0001');
    if (existing) {
      existing.lines.push(line);
      if (existing.head !== head)
        problems.push({
          kind: 'order',
          row: r.row,
          ref: no,
          field: 'order_no',
          code: 'conflicting_order_rows',
          message: `this row's order columns differ from row ${existing.row} of the same order number`,
        });
      continue;
    }
    if (v.phone && !normalizePhone(v.phone))
      problems.push({
        kind: 'order',
        row: r.row,
        ref: no,
        field: '手机号',
        code: 'invalid_phone',
        message: `"${v.phone}" is not a mainland mobile number`,
      });
    orders.set(no, {
      row: r.row,
      head,
      lines: [line],
      order: {
        orderNo: no,
        source: v.source || 'pos',
        storeCode: v.store_code,
        paidAt: time(v.paid_at ?? ''),
        grossFen: money(r, 'gross', '应付金额(元)', 'order', no),
        discountFen: money(r, 'discount', '优惠金额(元)', 'order', no) ?? 0,
        netFen: money(r, 'net', '实付金额(元)', 'order', no),
        ...(v.member_no ? { memberNo: v.member_no } : {}),
        ...(v.phone ? { phone: v.phone } : {}),
        ...(v.unionid ? { unionid: v.unionid } : {}),
        ...(v.payment_transaction_id ? { paymentTransactionId: v.payment_transaction_id } : {}),
        couponCodes: (v.coupon_codes ?? '').split(/[;；,，\s]+/).filter(Boolean),
      },
    });
  }
  // Orders with a cell problem are left out whole (their rows are in the report).
  const bad = new Set(problems.filter((p) => p.kind === 'order').map((p) => p.ref));
  const kept = [...orders.values()].filter((o) => !bad.has(String(o.order.orderNo)));
  return {
    orders: kept.map((o) => ({ ...o.order, lines: o.lines })),
    orderRow: kept.map((o) => o.row),
    refunds,
    refundRow,
    problems,
  };
}

/** Interaction files: accepted headers → field. */
export const INTERACTION_COLUMNS: Record<string, string> = {
  记录号: 'external_id',
  external_id: 'external_id',
  类型: 'kind',
  kind: 'kind',
  发生时间: 'occurred_at',
  occurred_at: 'occurred_at',
  导购账号: 'guide_userid',
  guide_userid: 'guide_userid',
  外部联系人ID: 'external_userid',
  external_userid: 'external_userid',
  会员号: 'member_no',
  member_no: 'member_no',
  手机号: 'phone',
  phone: 'phone',
  unionid: 'unionid',
  摘要: 'summary',
  summary: 'summary',
  '时长(秒)': 'duration_seconds',
  duration_seconds: 'duration_seconds',
};

const KIND_NAMES: Record<string, string> = {
  会话存档: 'archive_message',
  通话: 'call',
  到店: 'visit',
};

/** Rows → webhook-shaped interactions (ISO times in the tenant's zone), plus problems found in cells. */
export function rowsToInteractions(
  rows: SheetRow[],
  tz: string,
): { interactions: unknown[]; rows: number[]; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const interactions: unknown[] = [];
  const rowNos: number[] = [];
  for (const r of rows) {
    const v = r.values;
    const duration = v.duration_seconds;
    if (duration && !/^\d{1,6}$/.test(duration)) {
      problems.push({
        kind: 'interaction',
        row: r.row,
        ref: v.external_id ?? null,
        field: '时长(秒)',
        code: 'invalid_number',
        message: `"${duration}" is not a whole number of seconds`,
      });
      continue;
    }
    interactions.push({
      externalId: v.external_id,
      kind: KIND_NAMES[v.kind ?? ''] ?? v.kind,
      occurredAt: sheetTime(v.occurred_at ?? '', tz),
      guideUserid: v.guide_userid,
      ...(v.external_userid ? { externalUserid: v.external_userid } : {}),
      ...(v.member_no ? { memberNo: v.member_no } : {}),
      ...(v.unionid ? { unionid: v.unionid } : {}),
      ...(v.phone ? { phone: v.phone } : {}),
      ...(v.summary ? { summary: v.summary } : {}),
      ...(duration ? { durationSeconds: Number(duration) } : {}),
    });
    rowNos.push(r.row);
  }
  return { interactions, rows: rowNos, problems };
}
