import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { copyValue } from '../../sandbox/seed/copy-writer';
import { generate, type TableStream } from '../../sandbox/seed/generate';
import { SCRIPTS, SIZE_RUNS, type Category } from '../../sandbox/seed/lexicon';
import { SCALES } from '../../sandbox/seed/scales';

const anchor = new Date('2026-11-24T09:00:00+08:00');
const secrets = { agentSecretEnc: 'a', contactSecretEnc: 'b', callbackAesKeyEnc: 'c', posHmacSecretEnc: 'd' };
const corp = { wecomCorpId: 'wwtest', name: '测试', agentId: 1000002, callbackToken: 't' };

function gen(seed: number): TableStream[] {
  return generate({ seed, scale: SCALES.demo, anchor, corp, secrets, base: {} });
}
function rowsOf(tables: TableStream[], name: string): unknown[][] {
  return [...tables.find((t) => t.table === name)!.rows()];
}
function col(tables: TableStream[], table: string, column: string): number {
  return tables.find((t) => t.table === table)!.columns.indexOf(column);
}
function digest(tables: TableStream[]): string {
  const h = createHash('sha256');
  for (const t of tables) for (const r of t.rows()) h.update(r.map(copyValue).join('\t')).update('\n');
  return h.digest('hex');
}

describe('demo data generator', () => {
  it('is deterministic: same seed and anchor → identical data; another seed → different', () => {
    expect(digest(gen(7))).toBe(digest(gen(7)));
    expect(digest(gen(7))).not.toBe(digest(gen(8)));
  });

  it('ships at least 40 scripts across the scenarios, and broken-size pitches never speak of leftovers', () => {
    expect(SCRIPTS.length).toBeGreaterThanOrEqual(40);
    const scenarios = new Set(SCRIPTS.map((s) => s.scenario));
    for (const s of ['welcome', 'new_arrival', 'broken_size', 'birthday', 'reactivation', 'after_sale'])
      expect(scenarios).toContain(s);
    const pitches = SCRIPTS.filter((s) => s.scenario === 'broken_size');
    expect(pitches.length).toBeGreaterThanOrEqual(5);
    for (const p of pitches) {
      const text = JSON.stringify(p.parts);
      expect(text).not.toMatch(/清仓|尾货|断码|剩|处理|甩卖/);
      expect(text).toContain('{{尺码}}');
    }
  });

  it('gives every customer sizes from the category run', () => {
    const t = gen(1);
    const cat = col(t, 'customer_sizes', 'category');
    const size = col(t, 'customer_sizes', 'size');
    for (const r of rowsOf(t, 'customer_sizes')) expect(SIZE_RUNS[r[cat] as Category]).toContain(r[size]);
  });

  it('puts a broken run that includes 王雅琴’s shoe size 37 in 李翠’s store', () => {
    const t = gen(1);
    const guides = rowsOf(t, 'guides');
    const licui = guides.find((g) => g[col(t, 'guides', 'userid')] === 'licui')!;
    const storeId = licui[col(t, 'guides', 'store_id')];
    const stores = rowsOf(t, 'stores');
    expect(stores.find((s) => s[0] === storeId)![col(t, 'stores', 'name')]).toBe('上海南京西路店');
    const wang = rowsOf(t, 'customers').find((c) => c[col(t, 'customers', 'name')] === '王雅琴')!;
    const wangShoe = rowsOf(t, 'customer_sizes').find(
      (r) =>
        r[col(t, 'customer_sizes', 'customer_id')] === wang[0] && r[col(t, 'customer_sizes', 'category')] === 'shoes',
    )!;
    expect(wangShoe[col(t, 'customer_sizes', 'size')]).toBe('37');
    const follows = rowsOf(t, 'customer_guides').filter((r) => r[col(t, 'customer_guides', 'guide_id')] === licui[0]);
    expect(follows.length).toBeGreaterThanOrEqual(40);
    expect(follows.some((r) => r[col(t, 'customer_guides', 'customer_id')] === wang[0])).toBe(true);

    // Per style in her store: sizes with stock. A broken run has at most 2 sizes left.
    const skus = new Map(
      rowsOf(t, 'skus').map((k) => [
        k[0],
        { product: k[col(t, 'skus', 'product_id')], size: k[col(t, 'skus', 'size')] },
      ]),
    );
    const products = new Map(rowsOf(t, 'products').map((p) => [p[0], p[col(t, 'products', 'category')]]));
    const left = new Map<unknown, Set<unknown>>();
    for (const s of rowsOf(t, 'store_stock')) {
      if (s[col(t, 'store_stock', 'store_id')] !== storeId) continue;
      const sku = skus.get(s[col(t, 'store_stock', 'sku_id')])!;
      left.set(sku.product, new Set([...(left.get(sku.product) ?? []), sku.size]));
    }
    const brokenShoesWith37 = [...left].filter(
      ([p, sizes]) => products.get(p) === 'shoes' && sizes.size <= 2 && sizes.has('37'),
    );
    expect(brokenShoesWith37.length).toBeGreaterThanOrEqual(1);
  });

  it('keeps order lines adding up to the order net, and money in integer fen', () => {
    const t = gen(3);
    const net = new Map(rowsOf(t, 'orders').map((o) => [o[0], o[col(t, 'orders', 'net_fen')] as number]));
    const sum = new Map<unknown, number>();
    for (const l of rowsOf(t, 'order_lines')) {
      const n = l[col(t, 'order_lines', 'net_fen')] as number;
      expect(Number.isInteger(n)).toBe(true);
      sum.set(l[col(t, 'order_lines', 'order_id')], (sum.get(l[col(t, 'order_lines', 'order_id')]) ?? 0) + n);
    }
    for (const [id, n] of net) expect(sum.get(id)).toBe(n);
  });

  it('issues and sends redeemed coupons before the order was paid and before they expire', () => {
    const t = gen(4);
    const paid = new Map(rowsOf(t, 'orders').map((o) => [o[0], (o[col(t, 'orders', 'paid_at')] as Date).getTime()]));
    const redeemed = rowsOf(t, 'coupons').filter((c) => c[col(t, 'coupons', 'status')] === 'redeemed');
    expect(redeemed.length).toBeGreaterThan(50);
    for (const c of redeemed) {
      const at = paid.get(c[col(t, 'coupons', 'redeemed_order_id')])!;
      expect((c[col(t, 'coupons', 'issued_at')] as Date).getTime()).toBeLessThan(at);
      expect((c[col(t, 'coupons', 'sent_at')] as Date).getTime()).toBeLessThan(at);
      expect((c[col(t, 'coupons', 'expires_at')] as Date).getTime()).toBeGreaterThan(at);
    }
    // The others went into the chat too: open coupons the customer has.
    const open = rowsOf(t, 'coupons').filter((c) => c[col(t, 'coupons', 'status')] !== 'redeemed');
    expect(open.length).toBeGreaterThan(0);
    for (const c of open) {
      expect(c[col(t, 'coupons', 'status')]).toBe('sent');
      expect(c[col(t, 'coupons', 'sent_at')]).toEqual(c[col(t, 'coupons', 'issued_at')]);
    }
  });
});

describe('COPY encoding', () => {
  it('escapes text, arrays, nulls, bytes and dates', () => {
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue('a\tb\nc\\d')).toBe('a\\tb\\nc\\\\d');
    expect(copyValue(['新款', 'a"b'])).toBe('{"新款","a\\\\"b"}');
    expect(copyValue([1, 2])).toBe('{1,2}');
    expect(copyValue(Buffer.from([1, 255]))).toBe('\\\\x01ff');
    expect(copyValue(new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00.000Z');
    expect(copyValue(true)).toBe('t');
  });
});
