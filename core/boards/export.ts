/**
 * Any board table as a file: CSV (UTF-8 with BOM so Excel reads the Chinese; ids as text so
 * spreadsheets keep them exact; amounts as numbers in yuan with two decimals) or XLSX (ids as
 * text cells, amounts as numeric cells formatted 0.00). Each board says how it becomes a table.
 */
import ExcelJS from 'exceljs';
import type { Board, GuideOrders, Incrementality, Rankings, Targets } from '../contracts/boards';

export type CellKind = 'id' | 'text' | 'fen' | 'int' | 'bp';
export interface Table {
  name: string;
  columns: { key: string; title: string; kind: CellKind }[];
  rows: Record<string, string | number | null>[];
}

const yuan = (fen: number) => (fen / 100).toFixed(2);
const pct = (bp: number) => (bp / 100).toFixed(2);

function csvCell(kind: CellKind, v: string | number | null): string {
  if (v === null) return '';
  if (kind === 'fen') return yuan(Number(v));
  if (kind === 'bp') return pct(Number(v));
  if (kind === 'int') return String(v);
  const s = String(v);
  // Ids and text are quoted; an id as ="…" would be Excel-only, so ids are plain quoted text.
  return `"${s.replace(/"/g, '""')}"`;
}

export function toCsv(t: Table): Buffer {
  const head = t.columns.map((c) => `"${c.title.replace(/"/g, '""')}"`).join(',');
  const lines = t.rows.map((r) => t.columns.map((c) => csvCell(c.kind, r[c.key] ?? null)).join(','));
  return Buffer.from(`\uFEFF${[head, ...lines].join('\r\n')}\r\n`, 'utf8');
}

export async function toXlsx(t: Table): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Guidepost';
  const ws = wb.addWorksheet(t.name.slice(0, 31));
  ws.columns = t.columns.map((c) => ({
    header: c.title,
    key: c.key,
    width: c.kind === 'text' ? 20 : 14,
    style: c.kind === 'fen' || c.kind === 'bp' ? { numFmt: '0.00' } : c.kind === 'id' ? { numFmt: '@' } : {},
  }));
  for (const r of t.rows) {
    ws.addRow(
      Object.fromEntries(
        t.columns.map((c) => {
          const v = r[c.key] ?? null;
          if (v === null) return [c.key, null];
          if (c.kind === 'fen') return [c.key, Number(v) / 100];
          if (c.kind === 'bp') return [c.key, Number(v) / 100];
          if (c.kind === 'int') return [c.key, Number(v)];
          return [c.key, String(v)];
        }),
      ),
    );
  }
  ws.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const LEVEL_NAME = { region: '区域', store: '门店', guide: '导购' } as const;

export function boardTable(b: Board): Table {
  return {
    name: `${LEVEL_NAME[b.level]} ${b.range.from}~${b.range.to}`,
    columns: [
      { key: 'id', title: 'ID', kind: 'id' },
      { key: 'name', title: LEVEL_NAME[b.level], kind: 'text' },
      { key: 'credited', title: '私域业绩(元)', kind: 'fen' },
      { key: 'transfer', title: '对外收款(元)', kind: 'fen' },
      { key: 'mall', title: '小程序商城(元)', kind: 'fen' },
      { key: 'coupon', title: '券核销(元)', kind: 'fen' },
      { key: 'interaction', title: '7天互动(元)', kind: 'fen' },
      { key: 'orders', title: '业绩单数', kind: 'int' },
      { key: 'aov', title: '客单价(元)', kind: 'fen' },
      { key: 'storeSales', title: '门店总销售(元)', kind: 'fen' },
      { key: 'share', title: '私域占比(%)', kind: 'bp' },
      { key: 'previous', title: '上期业绩(元)', kind: 'fen' },
      { key: 'lastYear', title: '去年同期(元)', kind: 'fen' },
      { key: 'interactions', title: '互动次数', kind: 'int' },
      { key: 'added', title: '新增客户', kind: 'int' },
      { key: 'active', title: '活跃客户', kind: 'int' },
      { key: 'issued', title: '发券', kind: 'int' },
      { key: 'redeemed', title: '核销', kind: 'int' },
    ],
    rows: b.rows.map((r) => ({
      id: String(r.id),
      name: r.name,
      credited: r.current.creditedFen,
      transfer: r.current.byPath.transfer,
      mall: r.current.byPath.mall,
      coupon: r.current.byPath.coupon,
      interaction: r.current.byPath.interaction,
      orders: r.current.creditedOrders,
      aov: r.current.avgOrderFen,
      storeSales: r.current.storeSalesFen,
      share: r.current.privateShareBp,
      previous: r.previous.creditedFen,
      lastYear: r.lastYear.creditedFen,
      interactions: r.activity.interactions,
      added: r.activity.customersAdded,
      active: r.activity.activeCustomers,
      issued: r.activity.couponsIssued,
      redeemed: r.activity.couponsRedeemed,
    })),
  };
}

export function ordersTable(o: GuideOrders): Table {
  return {
    name: `${o.guide.name} ${o.range.from}~${o.range.to}`,
    columns: [
      { key: 'orderId', title: '订单ID', kind: 'id' },
      { key: 'ref', title: '单号', kind: 'id' },
      { key: 'paidAt', title: '时间', kind: 'text' },
      { key: 'path', title: '路径', kind: 'text' },
      { key: 'credited', title: '业绩(元)', kind: 'fen' },
      { key: 'net', title: '订单实付(元)', kind: 'fen' },
      { key: 'customer', title: '客户', kind: 'text' },
    ],
    rows: o.orders.map((r) => ({
      orderId: r.orderId === null ? null : String(r.orderId),
      ref: r.ref,
      paidAt: r.paidAt,
      path: r.path,
      credited: r.creditedFen,
      net: r.netFen,
      customer: r.customer,
    })),
  };
}

export function targetsTable(t: Targets): Table {
  return {
    name: `目标 ${t.month}`,
    columns: [
      { key: 'id', title: 'ID', kind: 'id' },
      { key: 'name', title: '名称', kind: 'text' },
      { key: 'target', title: '目标(元)', kind: 'fen' },
      { key: 'credited', title: '本月业绩(元)', kind: 'fen' },
      { key: 'completion', title: '完成率(%)', kind: 'bp' },
      { key: 'pace', title: '时间进度达成(%)', kind: 'bp' },
      { key: 'children', title: '下级目标合计(元)', kind: 'fen' },
    ],
    rows: t.rows.map((r) => ({
      id: String(r.id),
      name: r.name,
      target: r.targetFen,
      credited: r.creditedFen,
      completion: r.completionBp,
      pace: r.paceBp,
      children: r.childrenTargetFen,
    })),
  };
}

export function rankingsTable(r: Rankings): Table {
  const rows = (['guides', 'stores'] as const).flatMap((who) =>
    (['top', 'bottom', 'movers'] as const).flatMap((list) =>
      r[who][list].map((x) => ({
        who,
        list,
        id: String(x.id),
        name: x.name,
        credited: x.creditedFen,
        previous: x.previousFen,
        delta: x.deltaFen,
      })),
    ),
  );
  return {
    name: `排名 ${r.range.from}~${r.range.to}`,
    columns: [
      { key: 'who', title: '类别', kind: 'text' },
      { key: 'list', title: '榜单', kind: 'text' },
      { key: 'id', title: 'ID', kind: 'id' },
      { key: 'name', title: '名称', kind: 'text' },
      { key: 'credited', title: '业绩(元)', kind: 'fen' },
      { key: 'previous', title: '上期(元)', kind: 'fen' },
      { key: 'delta', title: '变化(元)', kind: 'fen' },
    ],
    rows,
  };
}

export function incrementalityTable(i: Incrementality): Table {
  return {
    name: `增量 ${i.range.from}~${i.range.to}`,
    columns: [
      { key: 'cohort', title: '客户', kind: 'text' },
      { key: 'customers', title: '人数', kind: 'int' },
      { key: 'sales', title: '消费(元)', kind: 'fen' },
      { key: 'per', title: '人均(元)', kind: 'fen' },
    ],
    rows: [
      { cohort: '有导购互动', customers: i.guided.customers, sales: i.guided.salesFen, per: i.guided.perCustomerFen },
      {
        cohort: '无导购互动',
        customers: i.unguided.customers,
        sales: i.unguided.salesFen,
        per: i.unguided.perCustomerFen,
      },
    ],
  };
}
