/**
 * The script library for one customer: every enabled script with favourites and send counts,
 * the values of its variables, and a recommendation score with its reasons (tags, life stage,
 * birthday, lifecycle, a broken-size product in her size).
 */
import dayjs from 'dayjs';
import { z } from 'zod';
import { variablesOf } from '../contracts/script-vars';
import {
  type RecommendReason,
  type Recommendations,
  type ScriptLibrary,
  type ScriptPart,
  scriptPart,
} from '../contracts/sidebar';
import { ttlCache } from '../cache';
import type { Db } from '../db/knex';
import { prepare, runPrepared } from '../db/prepared';
import { AppError } from '../errors';
import { type GuidePrincipal, explainMissing } from './access';
import { babyStage } from './derive';
import { BROKEN_RUN_SQL } from './fit';
import { type Occasion, type OccasionCode, occasionsFor } from './occasions';
import { resolveVariables } from './variables';

const SQL = `
with c as (
  select c.id, c.name, c.gender, c.birthday, c.baby_birthday, cg.remark, cg.added_at,
         (now() at time zone k.timezone)::date as today, k.timezone
    from customers c
    join customer_guides cg on cg.customer_id = c.id and cg.guide_id = :guideId and cg.ended_at is null
    join corps k on k.id = c.corp_id
   where c.corp_id = :corpId and c.external_userid = :ext
)
select json_build_object(
  'c', (select row_to_json(c) from c),
  'me', (select json_build_object('guide', g.name, 'store', s.name) from guides g join stores s on s.id = g.store_id where g.id = :guideId),
  'tags', (select coalesce(json_agg(json_build_object('id', t.id, 'name', t.name)), '[]') from c join customer_tags ct on ct.customer_id = c.id and (ct.guide_id = :guideId or ct.guide_id is null) join tags t on t.id = ct.tag_id),
  'sizes', (select coalesce(json_object_agg(s.category, s.size), '{}') from c join customer_sizes s on s.customer_id = c.id),
  'firstPaid', (select min(o.paid_at) from c join orders o on o.customer_id = c.id),
  'lastPaid', (select max(o.paid_at) from c join orders o on o.customer_id = c.id),
  'coupon', (select json_build_object('name', cp.name, 'expiresAt', cp.expires_at) from c join coupons cp on cp.customer_id = c.id and cp.status = 'sent' and cp.expires_at > now() order by cp.expires_at limit 1),
  'favorites', (select coalesce(json_agg(f.script_id), '[]') from script_favorites f where f.guide_id = :guideId)
) as p`;

const STATEMENT = prepare('sidebar_scripts_v2', SQL);
const row = z.object({
  c: z
    .object({
      id: z.number(),
      name: z.string(),
      gender: z.number(),
      birthday: z.string().nullable(),
      baby_birthday: z.string().nullable(),
      remark: z.string().nullable(),
      added_at: z.string(),
      today: z.string(),
      timezone: z.string(),
    })
    .nullable(),
  me: z.object({ guide: z.string(), store: z.string() }),
  tags: z.array(z.object({ id: z.number(), name: z.string() })),
  sizes: z.record(z.string(), z.string()),
  firstPaid: z.string().nullable(),
  lastPaid: z.string().nullable(),
  coupon: z.object({ name: z.string(), expiresAt: z.string() }).nullable(),
  favorites: z.array(z.number()),
});

/** What recommendation needs of each script; the library changes rarely, so it is cached per corp for a minute. */
export interface Targeting {
  id: number;
  scenario: string;
  occasion: string | null;
  targetTagIds: number[];
  stages: string[];
  /** Every variable its texts and card titles use. */
  variables: string[];
}
const targetingOf = ttlCache<number, Targeting[]>(60_000);

function targeting(db: Db, corpId: number): Promise<Targeting[]> {
  return targetingOf(corpId, () =>
    db('scripts as s')
      .join('script_categories as sc', 'sc.id', 's.category_id')
      .where({ 's.corp_id': corpId, 's.enabled': true })
      .orderBy([{ column: 'sc.order' }, { column: 's.id' }])
      .select<
        {
          id: number;
          scenario: string;
          occasion: string | null;
          target_tag_ids: (number | string)[];
          stages: string[];
          parts: unknown;
        }[]
      >('s.id', 'sc.scenario', 's.occasion', 's.target_tag_ids', 's.stages', 's.parts')
      .then((rows) =>
        rows.map((r) => ({
          id: r.id,
          scenario: r.scenario,
          occasion: r.occasion,
          targetTagIds: r.target_tag_ids.map(Number),
          stages: r.stages,
          variables: variablesOf(textsOf(z.array(scriptPart).parse(r.parts))),
        })),
      ),
  );
}

function textsOf(parts: ScriptPart[]): string[] {
  return parts.flatMap((p) => (p.type === 'text' ? [p.text] : p.type === 'image' ? [] : [p.title]));
}

/** The corp's library with this guide's favourites and send counts. */
export async function scriptLibrary(db: Db, p: GuidePrincipal): Promise<ScriptLibrary> {
  const [categories, scripts] = await Promise.all([
    db('script_categories')
      .where({ corp_id: p.corpId })
      .orderBy([{ column: 'order' }, { column: 'id' }])
      .select<{ id: number; name: string; scenario: string }[]>('id', 'name', 'scenario'),
    db.raw<{ rows: unknown[] }>(
      `select s.id, s.category_id as "categoryId", s.title, sc.scenario, s.parts, s.send_count as "sendCount", f.script_id is not null as favorite, coalesce(m.n, 0) as "mySendCount"
         from scripts s join script_categories sc on sc.id = s.category_id
         left join script_favorites f on f.guide_id = :guideId and f.script_id = s.id
         left join (select script_id, count(*)::int as n from script_sends where guide_id = :guideId group by script_id) m on m.script_id = s.id
        where s.corp_id = :corpId and s.enabled
        order by sc."order", s.id`,
      { corpId: p.corpId, guideId: p.guideId },
    ),
  ]);
  const parsed = z
    .array(
      z.object({
        id: z.number(),
        categoryId: z.number(),
        title: z.string(),
        scenario: z.string(),
        parts: z.array(scriptPart),
        sendCount: z.number(),
        favorite: z.boolean(),
        mySendCount: z.number(),
      }),
    )
    .parse(scripts.rows);
  return { categories, scripts: parsed };
}

export interface ProductContext {
  id: number;
  name: string;
  category: string;
  broken: boolean;
  isNew: boolean;
}

export async function productContext(db: Db, p: GuidePrincipal, productId: number): Promise<ProductContext> {
  const res = await db.raw<{
    rows: {
      id: number;
      name: string;
      category: string;
      attributes: string[];
      launched_on: string | null;
      broken: boolean;
    }[];
  }>(
    `with pp as (
       select count(distinct k.size)::int as sizes_left, coalesce(array_agg(distinct k.size::text), '{}') as sizes
         from skus k join guides g on g.id = :guideId join store_stock ss on ss.sku_id = k.id and ss.store_id = g.store_id and ss.on_hand > 0
        where k.product_id = :productId
     )
     select pr.id, pr.name, pr.category, pr.attributes, pr.launched_on, ${BROKEN_RUN_SQL} as broken
       from products pr cross join pp left join size_runs run on run.corp_id = pr.corp_id and run.category = pr.category
      where pr.corp_id = :corpId and pr.id = :productId`,
    { corpId: p.corpId, guideId: p.guideId, productId },
  );
  const r = res.rows[0];
  if (!r) throw new AppError('NOT_FOUND', `no product ${productId}`, { field: 'query.productId' });
  const isNew =
    r.attributes.includes('新款') || (r.launched_on !== null && dayjs().diff(dayjs(r.launched_on), 'day') <= 45);
  return {
    id: r.id,
    name: r.name,
    category: r.category,
    broken: r.broken,
    isNew,
  };
}

export async function recommendationsFor(
  db: Db,
  p: GuidePrincipal,
  externalUserid: string,
  product?: ProductContext,
): Promise<Recommendations> {
  const [[res], library] = await Promise.all([
    runPrepared<{ p: unknown }>(db, STATEMENT, { corpId: p.corpId, guideId: p.guideId, ext: externalUserid }),
    targeting(db, p.corpId),
  ]);
  const r = row.parse(res!.p);
  if (!r.c) return explainMissing(db, p, externalUserid);
  const c = r.c;
  const tagIds = new Set(r.tags.map((t) => t.id));
  const tagName = new Map(r.tags.map((t) => [t.id, t.name]));
  const stages = new Set(r.tags.map((t) => t.name));
  const derivedStage = babyStage(c.baby_birthday, c.today);
  if (derivedStage) stages.add(derivedStage);
  const vars = resolveVariables({
    customer: { name: c.name, gender: c.gender, remark: c.remark, babyBirthday: c.baby_birthday },
    sizes: r.sizes,
    guide: { name: r.me.guide, store: r.me.store },
    product,
    coupon: r.coupon,
    today: c.today,
    timeZone: c.timezone,
  });
  const ctx: CustomerContext = {
    tagIds,
    tagName,
    stages,
    favorites: new Set(r.favorites),
    occasions: occasionsFor({
      today: c.today,
      birthday: c.birthday,
      babyBirthday: c.baby_birthday,
      addedAt: c.added_at,
      firstPaidAt: r.firstPaid,
      lastPaidAt: r.lastPaid,
      timeZone: c.timezone,
    }),
    filled: new Set(Object.entries(vars).flatMap(([k, v]) => (v ? [k] : []))),
  };
  const recommended = library
    .map((s, order) => ({ order, ...score(s, ctx, product) }))
    .filter((x) => x.reasons.length > 0)
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ scriptId, score: sc, reasons }) => ({ scriptId, score: sc, reasons }));
  return { vars, sizes: r.sizes, recommended };
}

export interface CustomerContext {
  tagIds: Set<number>;
  tagName: Map<number, string>;
  stages: Set<string>;
  favorites: Set<number>;
  occasions: Occasion[];
  /** Variables that have a value for this customer (and product). */
  filled: Set<string>;
}

/** Which occasion a script's occasion (or scenario) waits for; a dated one missing is a penalty. */
const DATED: Record<string, OccasionCode> = {
  birthday: 'birthday',
  baby_birthday: 'baby_birthday',
  purchase_anniversary: 'purchase_anniversary',
};

/** A script's fit for this customer: the score and, when it clears the bar, the reasons. */
export function score(
  s: Targeting,
  c: CustomerContext,
  product?: ProductContext,
): { scriptId: number; score: number; reasons: RecommendReason[] } {
  const reasons: RecommendReason[] = [];
  let total = 0;
  for (const id of s.targetTagIds) {
    if (c.tagIds.has(id)) {
      total += 3;
      reasons.push({ code: 'tag', value: c.tagName.get(id)! });
    }
  }
  for (const st of s.stages) {
    if (c.stages.has(st)) {
      total += 3;
      reasons.push({ code: 'stage', value: st });
    }
  }
  const occasion = s.occasion ?? s.scenario;
  const on = (code: OccasionCode) => c.occasions.find((o) => o.code === code);
  const dated = DATED[occasion];
  if (dated) {
    const o = on(dated);
    if (o) {
      total += 6;
      reasons.push({ code: dated, value: o.value });
    } else total -= 10;
  }
  const isNew = on('new_customer');
  if (occasion === 'welcome' && isNew) {
    total += 4;
    reasons.push({ code: 'new_customer', value: isNew.value });
  }
  const lapsed = on('lapsed');
  if (s.scenario === 'reactivation' && lapsed) {
    total += 3;
    reasons.push({ code: 'lapsed', value: lapsed.value });
  }
  const recent = on('recent_purchase');
  if (s.scenario === 'after_sale' && recent) {
    total += 3;
    reasons.push({ code: 'recent_purchase', value: recent.value });
  }
  // A pitch for a chosen product ranks scripts written for that situation above everything else.
  if (product && s.scenario === 'broken_size' && product.broken) {
    total += 10;
    reasons.unshift({ code: 'broken_size', value: product.name });
  }
  if (product && s.scenario === 'new_arrival' && product.isNew) {
    total += 4;
    reasons.unshift({ code: 'new_arrival', value: product.name });
  }
  if (c.favorites.has(s.id)) {
    total += 1;
    if (reasons.length) reasons.push({ code: 'favorite' });
  }
  // A script that would go out with a blank is never recommended, however well it fits.
  if (s.variables.some((v) => !c.filled.has(v))) return { scriptId: s.id, score: total, reasons: [] };
  return { scriptId: s.id, score: total, reasons: total >= 3 ? reasons : [] };
}

export async function setFavorite(
  db: Db,
  p: GuidePrincipal,
  scriptId: number,
  on: boolean,
): Promise<{ favorite: boolean }> {
  const script = await db('scripts').where({ corp_id: p.corpId, id: scriptId }).first<{ id: number } | undefined>('id');
  if (!script) throw new AppError('NOT_FOUND', `no script ${scriptId}`, { field: 'params.scriptId' });
  if (on)
    await db('script_favorites')
      .insert({ corp_id: p.corpId, guide_id: p.guideId, script_id: scriptId })
      .onConflict(['guide_id', 'script_id'])
      .ignore();
  else await db('script_favorites').where({ guide_id: p.guideId, script_id: scriptId }).del();
  return { favorite: on };
}
