import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { recordAudit } from './audit';
import { ensurePeriod, nextMonthStart, syncPeriod } from './periods';
import { periodLines, periodSummary } from './statements';

/** A column: text (ids included — never turned into numbers) or an integer amount. */
type Col = { header: string; kind: 'text' | 'int' };
type Cell = string | number | null;
interface Table {
  sheet: string;
  cols: Col[];
  rows: Cell[][];
}

export const exportNames = ['statements', 'payroll', 'summary'] as const;
export type ExportName = (typeof exportNames)[number];
export type ExportFormat = 'csv' | 'xlsx';

/**
 * A text cell a spreadsheet could read as a formula (=, +, -, @, or a leading tab / CR) is
 * prefixed with an apostrophe. Amounts are numbers and are written as numbers.
 */
export function neutralise(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

const csvText = (s: string) => `"${neutralise(s).replace(/"/g, '""')}"`;

/** CSV: UTF-8 with BOM (Excel reads Chinese names), CRLF, text quoted, amounts bare integers. */
export function toCsv(t: Table): Buffer {
  const lines = [t.cols.map((c) => csvText(c.header)).join(',')];
  for (const r of t.rows)
    lines.push(
      r
        .map((v, i) =>
          v === null ? '' : t.cols[i]!.kind === 'int' ? String(Math.trunc(Number(v))) : csvText(String(v)),
        )
        .join(','),
    );
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')]);
}

/**
 * XLSX, byte for byte reproducible: the workbook's created/modified are fixed to `stamp`, and the
 * zip is rewritten with every entry dated `stamp` in a fixed order (ExcelJS dates entries "now").
 */
export async function toXlsx(tables: Table[], stamp: Date): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Guidepost';
  wb.lastModifiedBy = 'Guidepost';
  wb.created = stamp;
  wb.modified = stamp;
  for (const t of tables) {
    const ws = wb.addWorksheet(t.sheet);
    ws.addRow(t.cols.map((c) => c.header));
    for (const r of t.rows)
      ws.addRow(r.map((v, i) => (v === null ? null : t.cols[i]!.kind === 'int' ? Number(v) : neutralise(String(v)))));
    t.cols.forEach((c, i) => {
      if (c.kind === 'int') ws.getColumn(i + 1).numFmt = '0';
    });
  }
  const raw = Buffer.from(await wb.xlsx.writeBuffer());
  const src = await JSZip.loadAsync(raw);
  const out = new JSZip();
  const names = Object.keys(src.files).filter((n) => !src.files[n]!.dir);
  for (const n of names) out.file(n, await src.files[n]!.async('nodebuffer'), { date: stamp, createFolders: false });
  return out.generateAsync({
    type: 'nodebuffer',
    compression: 'DEFLATE',
    compressionOptions: { level: 6 },
    platform: 'UNIX',
  });
}

async function tableOf(db: Db, corpId: number, month: string, name: ExportName): Promise<Table> {
  const p = await ensurePeriod(db, corpId, month);
  if (p.status !== 'closed') await syncPeriod(db, corpId, month);
  const guides = new Map(
    (
      await db('guides as g')
        .join('stores as s', 's.id', 'g.store_id')
        .where('g.corp_id', corpId)
        .select<{ id: number; userid: string; name: string; store_code: string; store_name: string }[]>(
          'g.id',
          'g.userid',
          'g.name',
          's.code as store_code',
          's.name as store_name',
        )
    ).map((g) => [g.id, g]),
  );
  if (name === 'statements') {
    const lines = await periodLines(db, p.id);
    return {
      sheet: '提成明细',
      cols: [
        { header: 'guide_id', kind: 'text' },
        { header: 'guide_name', kind: 'text' },
        { header: 'store', kind: 'text' },
        { header: 'line_id', kind: 'text' },
        { header: 'kind', kind: 'text' },
        { header: 'occurred_on', kind: 'text' },
        { header: 'payable_on', kind: 'text' },
        { header: 'credit_id', kind: 'text' },
        { header: 'order_no', kind: 'text' },
        { header: 'rule', kind: 'text' },
        { header: 'rule_set_version', kind: 'text' },
        { header: 'plan_version', kind: 'text' },
        { header: 'base_fen', kind: 'int' },
        { header: 'rate_bp', kind: 'int' },
        { header: 'amount_fen', kind: 'int' },
        { header: 'arithmetic', kind: 'text' },
        { header: 'note', kind: 'text' },
      ],
      rows: lines.map((l) => {
        const g = guides.get(l.guideId);
        const s = (v: number | null) => (v === null ? null : String(v));
        return [
          String(l.guideId),
          g?.name ?? null,
          g?.store_name ?? null,
          String(l.lineId),
          l.kind,
          l.occurredOn,
          l.payableOn,
          s(l.receipt.creditId),
          l.receipt.orderNo,
          l.receipt.rule,
          s(l.receipt.ruleSetVersion),
          s(l.receipt.planVersion),
          l.baseFen,
          l.rateBp,
          l.amountFen,
          l.receipt.arithmetic,
          l.note,
        ];
      }),
    };
  }
  if (name === 'payroll') {
    const sums = await periodSummary(db, corpId, month, 'guide');
    const pays = new Map(
      (
        await db('commission_payouts').where({ period_id: p.id }).select<
          {
            guide_id: number;
            carry_in_fen: number;
            paid_lines_fen: number;
            held_fen: number;
            payout_fen: number;
            carry_out_fen: number;
          }[]
        >('*')
      ).map((r) => [r.guide_id, r]),
    );
    return {
      sheet: '工资汇总',
      cols: [
        { header: 'guide_id', kind: 'text' },
        { header: 'userid', kind: 'text' },
        { header: 'guide_name', kind: 'text' },
        { header: 'store_code', kind: 'text' },
        { header: 'store', kind: 'text' },
        { header: 'period_total_fen', kind: 'int' },
        { header: 'carry_in_fen', kind: 'int' },
        { header: 'settled_lines_fen', kind: 'int' },
        { header: 'held_fen', kind: 'int' },
        { header: 'payout_fen', kind: 'int' },
        { header: 'carry_out_fen', kind: 'int' },
      ],
      rows: sums.rows.map((r) => {
        const g = guides.get(Number(r.key));
        const po = pays.get(Number(r.key));
        return [
          r.key,
          g?.userid ?? null,
          r.name,
          g?.store_code ?? null,
          g?.store_name ?? null,
          r.totalFen,
          po?.carry_in_fen ?? null,
          po?.paid_lines_fen ?? null,
          po?.held_fen ?? null,
          po?.payout_fen ?? null,
          po?.carry_out_fen ?? null,
        ];
      }),
    };
  }
  const sums = await periodSummary(db, corpId, month, 'store');
  return {
    sheet: '门店汇总',
    cols: [
      { header: 'store_id', kind: 'text' },
      { header: 'store', kind: 'text' },
      { header: 'guides', kind: 'int' },
      { header: 'lines', kind: 'int' },
      { header: 'earn_fen', kind: 'int' },
      { header: 'clawback_fen', kind: 'int' },
      { header: 'adjustment_fen', kind: 'int' },
      { header: 'total_fen', kind: 'int' },
      { header: 'payout_fen', kind: 'int' },
    ],
    rows: sums.rows.map((r) => [
      r.key,
      r.name,
      r.guides,
      r.lines,
      r.earnFen,
      r.clawbackFen,
      r.adjustmentFen,
      r.totalFen,
      r.payoutFen,
    ]),
  };
}

export interface ExportFile {
  filename: string;
  contentType: string;
  body: Buffer;
  sha256: string;
  /** True for a closed period: the hash is published and the bytes never change. */
  published: boolean;
}

/**
 * One export of a month. A closed period's files are reproducible byte for byte (fixed order, fixed
 * timestamps: the month's end); the first download publishes the SHA-256 and every later one is
 * checked against it.
 */
export async function exportPeriod(
  db: Db,
  corpId: number,
  month: string,
  name: ExportName,
  format: ExportFormat,
  actor: string,
): Promise<ExportFile> {
  const t = await tableOf(db, corpId, month, name);
  const body = format === 'csv' ? toCsv(t) : await toXlsx([t], new Date(`${nextMonthStart(month)}T00:00:00Z`));
  const sha256 = createHash('sha256').update(body).digest('hex');
  const filename = `${name}-${month}.${format}`;
  const p = await ensurePeriod(db, corpId, month);
  const published = p.status === 'closed';
  if (published) {
    await db('commission_exports')
      .insert({ period_id: p.id, corp_id: corpId, name: filename, sha256, bytes: body.length })
      .onConflict(['period_id', 'name'])
      .ignore();
    const row = await db('commission_exports')
      .where({ period_id: p.id, name: filename })
      .first<{ sha256: string }>('sha256');
    if (row!.sha256 !== sha256)
      throw new AppError('CONFLICT', `${filename} no longer reproduces its published SHA-256`, { field: 'name' });
    await recordAudit(db, {
      corpId,
      actor,
      action: 'export.download',
      entity: 'commission_period',
      entityId: month,
      detail: { file: filename, sha256 },
    });
  }
  return {
    filename,
    contentType:
      format === 'csv'
        ? 'text/csv; charset=utf-8'
        : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    body,
    sha256,
    published,
  };
}

export async function publishedExports(db: Db, corpId: number, month: string) {
  const p = await ensurePeriod(db, corpId, month);
  return (
    await db('commission_exports')
      .where({ period_id: p.id })
      .orderBy('name')
      .select<{ name: string; sha256: string; bytes: number; published_at: Date }[]>('*')
  ).map((r) => ({ name: r.name, sha256: r.sha256, bytes: r.bytes, publishedAt: r.published_at.toISOString() }));
}
