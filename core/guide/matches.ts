/**
 * Size and stock matches in the guide's own store. Who a style fits (women's, men's, kids') and
 * when it is a broken run (断码: few sizes left, or a core size gone; per tenant) are the rules
 * in ./fit.ts. Forward: what fits this customer, broken runs first. Reverse: which of the
 * guide's customers a broken style fits, ranked by fit, preferences and recent activity.
 */
import dayjs from 'dayjs';
import { z } from 'zod';
import type { BrokenStyle, FitReason, MatchItem, StyleCustomers } from '../contracts/sidebar';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { type GuidePrincipal, followedCustomerId } from './access';
import { AUDIENCE_FITS_SQL, BROKEN_RUN_SQL } from './fit';

/** Per product in the store: sizes on hand (summed over colours, in run order) and colours per size. */
const STORE_STOCK = `
stock as (
  select k.product_id, k.size, k.color, ss.on_hand
    from store_stock ss join skus k on k.id = ss.sku_id
   where ss.store_id = :storeId and ss.on_hand > 0
),
per_product as (
  select s.product_id, count(distinct s.size)::int as sizes_left, array_agg(distinct s.size::text) as sizes,
         json_agg(json_build_object('size', s.size, 'onHand', s.n) order by array_position(run.sizes, s.size::text), s.size) as stock
    from (select product_id, size, sum(on_hand)::int as n from stock group by product_id, size) s
    join products pr on pr.id = s.product_id
    left join size_runs run on run.corp_id = pr.corp_id and run.category = pr.category
   group by s.product_id
)`;

const stockRow = z.array(z.object({ size: z.string(), onHand: z.number() }));

const matchRow = z.object({
  productId: z.number(),
  styleNo: z.string(),
  name: z.string(),
  category: z.string(),
  imageUrl: z.string().nullable(),
  priceFen: z.number(),
  attributes: z.array(z.string()),
  size: z.string(),
  onHandInSize: z.number(),
  colorsInSize: z.array(z.string()),
  sizesLeft: z.number(),
  broken: z.boolean(),
  stock: stockRow,
});

async function storeOf(db: Db, p: GuidePrincipal): Promise<number> {
  const g = await db('guides').where({ id: p.guideId }).first<{ store_id: number }>('store_id');
  return g.store_id;
}

export async function matchesFor(
  db: Db,
  p: GuidePrincipal,
  externalUserid: string,
  category?: string,
): Promise<{ sizes: Record<string, string>; items: MatchItem[] }> {
  const customerId = await followedCustomerId(db, p, externalUserid);
  const storeId = await storeOf(db, p);
  const sizes = Object.fromEntries(
    (
      await db('customer_sizes')
        .where({ customer_id: customerId })
        .select<{ category: string; size: string }[]>('category', 'size')
    ).map((s) => [s.category, s.size]),
  );
  const res = await db.raw<{ rows: unknown[] }>(
    `with ${STORE_STOCK}
     select pr.id as "productId", pr.style_no as "styleNo", pr.name, pr.category, pr.image_url as "imageUrl", pr.list_price_fen as "priceFen", pr.attributes,
            cs.size, x.on_hand as "onHandInSize", x.colors as "colorsInSize", pp.sizes_left as "sizesLeft", ${BROKEN_RUN_SQL} as broken, pp.stock
       from customer_sizes cs
       join customers c on c.id = cs.customer_id
       join products pr on pr.corp_id = cs.corp_id and pr.category = cs.category and ${AUDIENCE_FITS_SQL}
       join per_product pp on pp.product_id = pr.id
       join lateral (select sum(s.on_hand)::int as on_hand, array_agg(distinct s.color) as colors from stock s where s.product_id = pr.id and s.size = cs.size) x on x.on_hand > 0
       left join size_runs run on run.corp_id = pr.corp_id and run.category = pr.category
      where cs.customer_id = :customerId and (:category::text is null or cs.category = :category)
      order by ${BROKEN_RUN_SQL} desc, pp.sizes_left, pr.launched_on desc nulls last, pr.id
      limit 60`,
    { storeId, customerId, category: category ?? null },
  );
  return { sizes, items: z.array(matchRow).parse(res.rows) };
}

const brokenRow = z.object({
  productId: z.number(),
  styleNo: z.string(),
  name: z.string(),
  category: z.string(),
  imageUrl: z.string().nullable(),
  priceFen: z.number(),
  attributes: z.array(z.string()),
  stock: stockRow,
  sizesLeft: z.number(),
  fittingCustomers: z.number(),
});

/** Broken runs in the guide's store, with how many of the guide's customers each fits. */
export async function brokenStyles(
  db: Db,
  p: GuidePrincipal,
  opts: { category?: string | undefined; productId?: number | undefined } = {},
): Promise<BrokenStyle[]> {
  const storeId = await storeOf(db, p);
  const res = await db.raw<{ rows: unknown[] }>(
    `with ${STORE_STOCK},
     mine as (
       select c.id, c.gender, c.baby_birthday, cs.category, cs.size
         from customer_guides cg join customers c on c.id = cg.customer_id join customer_sizes cs on cs.customer_id = c.id
        where cg.guide_id = :guideId and cg.ended_at is null
     )
     select pr.id as "productId", pr.style_no as "styleNo", pr.name, pr.category, pr.image_url as "imageUrl", pr.list_price_fen as "priceFen", pr.attributes,
            pp.stock, pp.sizes_left as "sizesLeft",
            (select count(*)::int from mine c where c.category = pr.category and c.size = any(pp.sizes) and ${AUDIENCE_FITS_SQL}) as "fittingCustomers"
       from per_product pp
       join products pr on pr.id = pp.product_id
       left join size_runs run on run.corp_id = pr.corp_id and run.category = pr.category
      where pr.corp_id = :corpId and ${BROKEN_RUN_SQL}
        and (:category::text is null or pr.category = :category) and (:productId::bigint is null or pr.id = :productId)
      order by "fittingCustomers" desc, pr.id
      limit 100`,
    {
      storeId,
      guideId: p.guideId,
      corpId: p.corpId,
      category: opts.category ?? null,
      productId: opts.productId ?? null,
    },
  );
  return z.array(brokenRow).parse(res.rows);
}

/** Colour families behind the 偏好黑白灰 / 偏好亮色 preference tags. */
const COLOUR_PREFS: Record<string, string[]> = {
  偏好黑白灰: ['黑色', '白色', '米白', '浅灰', '藏青'],
  偏好亮色: ['樱花粉', '牛油果绿', '酒红', '雾霾蓝'],
};

const fitRow = z.object({
  externalUserid: z.string(),
  name: z.string(),
  remark: z.string().nullable(),
  avatar: z.string().nullable(),
  size: z.string(),
  sizeSource: z.enum(['purchase', 'guide']),
  phoneTail: z.string().nullable(),
  addedAt: z.date(),
  confidence: z.number(),
  tags: z.array(z.string()),
  lastActiveAt: z.date().nullable(),
  boughtCategory: z.boolean(),
});

export async function customersForStyle(db: Db, p: GuidePrincipal, productId: number): Promise<StyleCustomers> {
  const [style] = await brokenStyles(db, p, { productId });
  if (!style) {
    const exists = await db('products').where({ corp_id: p.corpId, id: productId }).first('id');
    if (!exists) throw new AppError('NOT_FOUND', `no product ${productId}`, { field: 'params.productId' });
    throw new AppError(
      'CONFLICT',
      'this style is not a broken size run in your store (no stock or most sizes still on hand)',
      { field: 'params.productId' },
    );
  }
  const storeId = await storeOf(db, p);
  const colours = await db('skus as k')
    .join('store_stock as ss', 'ss.sku_id', 'k.id')
    .where({ 'k.product_id': productId, 'ss.store_id': storeId })
    .where('ss.on_hand', '>', 0)
    .distinct()
    .pluck<string[]>('k.color');
  const sizes = style.stock.map((s) => s.size);
  const res = await db.raw<{ rows: unknown[] }>(
    `select c.external_userid as "externalUserid", c.name, cg.remark, c.avatar, cs.size, right(c.phone_masked, 4) as "phoneTail", cg.added_at as "addedAt", cs.source as "sizeSource", cs.confidence,
            (select coalesce(array_agg(t.name), '{}') from customer_tags ct join tags t on t.id = ct.tag_id
              where ct.customer_id = c.id and (ct.guide_id = :guideId or ct.guide_id is null)) as tags,
            greatest((select max(i.occurred_at) from interactions i where i.customer_id = c.id and i.occurred_at >= now() - interval '180 days'), (select max(o.paid_at) from orders o where o.customer_id = c.id)) as "lastActiveAt",
            exists (select 1 from orders o join order_lines l on l.order_id = o.id where o.customer_id = c.id and l.category = :category) as "boughtCategory"
       from customer_guides cg
       join customers c on c.id = cg.customer_id and c.external_userid is not null
       join customer_sizes cs on cs.customer_id = c.id and cs.category = :category and cs.size = any(:sizes)
       join products pr on pr.id = :productId
      where cg.guide_id = :guideId and cg.ended_at is null and ${AUDIENCE_FITS_SQL}`,
    { guideId: p.guideId, category: style.category, sizes, productId },
  );
  const isNew = style.attributes.includes('新款');
  const now = dayjs();
  const customers = z
    .array(fitRow)
    .parse(res.rows)
    .map((r) => {
      const reasons: FitReason[] = [{ code: 'size', value: r.size }];
      let score = 5 + (r.sizeSource === 'guide' ? 1 : r.confidence);
      if (isNew && r.tags.includes('偏好新款')) {
        score += 3;
        reasons.push({ code: 'prefers_new' });
      }
      if (r.tags.includes('偏好大促')) {
        score += 1;
        reasons.push({ code: 'prefers_sale' });
      }
      for (const [tag, family] of Object.entries(COLOUR_PREFS)) {
        const hit = colours.find((c) => family.includes(c));
        if (r.tags.includes(tag) && hit) {
          score += 2;
          reasons.push({ code: 'colour', value: hit });
        }
      }
      if (r.lastActiveAt) {
        const days = now.diff(dayjs(r.lastActiveAt), 'day');
        if (days <= 30) {
          score += days <= 7 ? 3 : 2;
          reasons.push({ code: 'active', value: String(days) });
        }
      }
      if (r.boughtCategory) {
        score += 1;
        reasons.push({ code: 'bought_category' });
      }
      return {
        externalUserid: r.externalUserid,
        name: r.name,
        remark: r.remark,
        avatar: r.avatar,
        size: r.size,
        sizeSource: r.sizeSource,
        phoneTail: r.phoneTail,
        addedAt: r.addedAt.toISOString(),
        lastActiveAt: r.lastActiveAt?.toISOString() ?? null,
        score: Math.round(score * 100) / 100,
        reasons,
      };
    });
  customers.sort((a, b) => b.score - a.score || (b.lastActiveAt ?? '').localeCompare(a.lastActiveAt ?? ''));
  return { style, customers: customers.slice(0, 100) };
}
