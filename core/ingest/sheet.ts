/**
 * Order files (CSV or XLSX) from stores that cannot call the webhook. One row per order line;
 * rows sharing an order number make one order. Columns may be named in Chinese or English.
 */
import { parse } from 'csv-parse/sync';
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import ExcelJS from 'exceljs';
import { AppError } from '../errors';
import { normalizePhone, yuanToFen } from './money';
import type { RowProblem } from './pos';

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

function normaliseHeader(h: string): string | undefined {
  const k = h.trim().replace(/（/g, '(').replace(/）/g, ')');
  return COLUMNS[k] ?? COLUMNS[k.toLowerCase()];
}

export async function readSheet(body: Buffer, contentType: string): Promise<SheetRow[]> {
  let table: string[][];
  if (contentType.startsWith('text/csv')) {
    table = parse(body, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } else if (contentType.startsWith(XLSX_TYPE)) {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(body as unknown as ArrayBuffer);
    } catch {
      throw new AppError('VALIDATION_FAILED', 'body: not a readable XLSX file', { field: 'body' });
    }
    const ws = wb.worksheets[0];
    if (!ws) throw new AppError('VALIDATION_FAILED', 'body: the workbook has no sheet', { field: 'body' });
    table = [];
    ws.eachRow({ includeEmpty: false }, (r, n) => {
      const cells: string[] = [];
      r.eachCell({ includeEmpty: true }, (c, col) => {
        const v = c.value;
        cells[col - 1] =
          v instanceof Date
            ? dayjs(v).utc().format('YYYY-MM-DD HH:mm:ss')
            : typeof v === 'object' && v && 'text' in v
              ? String(v.text)
              : v === null || v === undefined
                ? ''
                : String(c.text ?? v);
      });
      table[n - 1] = cells;
    });
    table = table.map((r) => r ?? []);
  } else {
    throw new AppError('UNSUPPORTED_MEDIA', `send text/csv or ${XLSX_TYPE}`, { field: 'content-type' });
  }
  const [header, ...rows] = table;
  if (!header) throw new AppError('VALIDATION_FAILED', 'body: the file is empty', { field: 'body' });
  const fields = header.map((h) => normaliseHeader(String(h ?? '')));
  const unknown = header.filter((h, i) => String(h ?? '').trim() && !fields[i]);
  if (unknown.length)
    throw new AppError('VALIDATION_FAILED', `unknown column(s): ${unknown.join(', ')}`, { field: 'header' });
  for (const need of ['order_no'])
    if (!fields.includes(need))
      throw new AppError('VALIDATION_FAILED', `missing column 订单号/order_no`, { field: 'header' });
  return rows
    .map((cells, i) => ({
      row: i + 2,
      values: Object.fromEntries(fields.flatMap((f, c) => (f ? [[f, String(cells[c] ?? '').trim()]] : []))),
    }))
    .filter((r) => Object.values(r.values).some(Boolean));
}

/** Rows → webhook-shaped orders and refunds (fen, ISO times), plus problems found in cells. */
export function rowsToFacts(
  rows: SheetRow[],
  tz: string,
): { orders: unknown[]; refunds: unknown[]; orderRow: number[]; refundRow: number[]; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const orders = new Map<string, { row: number; order: Record<string, unknown>; lines: unknown[] }>();
  const refunds: unknown[] = [];
  const refundRow: number[] = [];
  const time = (v: string) => {
    if (!v) return '';
    const d = /[zZ]|[+-]\d\d:?\d\d$/.test(v) ? dayjs(v) : dayjs.tz(v.replace('/', '-').replace('/', '-'), tz);
    return d.isValid() ? d.toISOString() : v;
  };
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
    if (existing) {
      existing.lines.push(line);
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
