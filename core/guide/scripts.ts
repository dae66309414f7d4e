/**
 * The script library for one customer: every enabled script with favourites and send counts,
 * the values of its variables, and a recommendation score with its reasons (tags, life stage,
 * birthday, lifecycle, a broken-size product in her size).
 */
import dayjs from 'dayjs';
import { z } from 'zod';
import { COUPON_VARIABLES, variablesOf } from '../contracts/script-vars';
import {
  type RecommendReason,
  type Recommendations,
  type ScriptLibrary,
  type ScriptPart,
  scriptPart,
} from '../contracts/sidebar';
import type { Db } from '../db/knex';
import { prepare, runPrepared } from '../db/prepared';
import { AppError } from '../errors';
import { type GuidePrincipal, explainMissing } from './access';
import { babyStage } from './derive';
import { BROKEN_RUN_SQL } from './fit';
import { type Occasion, type OccasionCode, occasionsFor } from './occasions';
import { TEMPLATE_COLUMNS, couponFacts, ruleOf } from './actions';
import { couponIneligibility } from './coupon-eligibility';
import { type ResolvedVariables, type VariableSources, couponForScript, resolveVariables } from './variables';

/** The library's version: its scripts' count and latest change (publish, withdraw, edit, reorder). */
const LIBRARY_VERSION_SQL = `(select count(*) || ':' || coalesce(max(extract(epoch from s.updated_at)), 0) from scripts s where s.corp_id = :corpId)`;

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
  'favorites', (select coalesce(json_agg(f.script_id), '[]') from script_favorites f where f.guide_id = :guideId),
  'library', ${LIBRARY_VERSION_SQL}
) as p`;

const STATEMENT = prepare('sidebar_scripts_v3', SQL);
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
  favorites: z.array(z.number()),
  library: z.string(),
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
  /** The coupon template it offers; the coupon variables come from it alone. */
  couponTemplateId: number | null;
}
const targetingOf = new Map<number, { version: string; value: Promise<Targeting[]> }>();

/**
 * The published library's targeting, cached per corp until the library changes: every read
 * carries the library's version (count and latest update of its scripts), so a script published
 * or withdrawn in the admin console is recommended, or not, at once in every process.
 */
export function targeting(db: Db, corpId: number, version: string): Promise<Targeting[]> {
  const hit = targetingOf.get(corpId);
  if (hit && hit.version === version) return hit.value;
  const value = loadTargeting(db, corpId);
  targetingOf.set(corpId, { version, value });
  value.catch(() => {
    if (targetingOf.get(corpId)?.value === value) targetingOf.delete(corpId);
  });
  return value;
}

function loadTargeting(db: Db, corpId: number): Promise<Targeting[]> {
  return Promise.resolve(
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
          coupon_template_id: number | string | null;
        }[]
      >('s.id', 'sc.scenario', 's.occasion', 's.target_tag_ids', 's.stages', 's.parts', 's.coupon_template_id')
      .then((rows) =>
        rows.map((r) => ({
          id: r.id,
          scenario: r.scenario,
          occasion: r.occasion,
          targetTagIds: r.target_tag_ids.map(Number),
          stages: r.stages,
          variables: variablesOf(textsOf(z.array(scriptPart).parse(r.parts))),
          couponTemplateId: r.coupon_template_id === null ? null : Number(r.coupon_template_id),
        })),
      ),
  );
}

export function textsOf(parts: ScriptPart[]): string[] {
  return parts.flatMap((p) => (p.type === 'text' ? [p.text] : p.type === 'image' ? [] : [p.title]));
}

/** The corp's library with this guide's favourites and send counts. */
export async function scriptLibrary(db: Db, p: GuidePrincipal): Promise<ScriptLibrary> {
  const [categories, scripts, version] = await Promise.all([
    db('script_categories')
      .where({ corp_id: p.corpId })
      .orderBy([{ column: 'order' }, { column: 'id' }])
      .select<{ id: number; name: string; scenario: string }[]>('id', 'name', 'scenario'),
    db.raw<{ rows: unknown[] }>(
      `select s.id, s.category_id as "categoryId", s.title, sc.scenario, s.parts, s.send_count as "sendCount", s.coupon_template_id::int as "couponTemplateId", f.script_id is not null as favorite, coalesce(m.n, 0) as "mySendCount"
         from scripts s join script_categories sc on sc.id = s.category_id
         left join script_favorites f on f.guide_id = :guideId and f.script_id = s.id
         left join (select script_id, count(*)::int as n from script_sends where guide_id = :guideId group by script_id) m on m.script_id = s.id
        where s.corp_id = :corpId and s.enabled
        order by sc."order", s.id`,
      { corpId: p.corpId, guideId: p.guideId },
    ),
    db.raw<{ rows: { v: string }[] }>(`select ${LIBRARY_VERSION_SQL} as v`, { corpId: p.corpId }),
  ]);
  const parsed = z
    .array(
      z.object({
        id: z.number(),
        categoryId: z.number(),
        title: z.string(),
        scenario: z.string(),
        parts: z.array(scriptPart),
        couponTemplateId: z.number().nullable(),
        sendCount: z.number(),
        favorite: z.boolean(),
        mySendCount: z.number(),
      }),
    )
    .parse(scripts.rows);
  return { categories, scripts: parsed, version: version.rows[0]!.v };
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

/** One customer as the script rules see her, through one guide: variable values and the facts targeting reads. */
export interface ScriptCustomer {
  customerId: number;
  today: string;
  timeZone: string;
  vars: ResolvedVariables;
  sizes: Record<string, string>;
  ctx: CustomerContext;
  library: Targeting[];
  /** The resolver's inputs, to resolve again with the coupon a script offers. */
  sources: VariableSources;
  /** The published library's version this was scored against. */
  libraryVersion: string;
}

/**
 * The customer (followed by this guide) as the script rules see her; null when the guide does
 * not follow her. The sidebar's recommendations and the admin console's preview both start here.
 */
export async function scriptCustomer(
  db: Db,
  corpId: number,
  guideId: number,
  externalUserid: string,
  product?: ProductContext,
): Promise<ScriptCustomer | null> {
  const [res] = await runPrepared<{ p: unknown }>(db, STATEMENT, { corpId, guideId, ext: externalUserid });
  const r = row.parse(res!.p);
  if (!r.c) return null;
  const c = r.c;
  const library = await targeting(db, corpId, r.library);
  const tagIds = new Set(r.tags.map((t) => t.id));
  const tagName = new Map(r.tags.map((t) => [t.id, t.name]));
  const stages = new Set(r.tags.map((t) => t.name));
  const derivedStage = babyStage(c.baby_birthday, c.today);
  if (derivedStage) stages.add(derivedStage);
  const sources: VariableSources = {
    customer: { name: c.name, gender: c.gender, remark: c.remark, babyBirthday: c.baby_birthday },
    sizes: r.sizes,
    guide: { name: r.me.guide, store: r.me.store },
    product,
    coupon: null,
    today: c.today,
    timeZone: c.timezone,
  };
  const vars = resolveVariables(sources);
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
    coupons: new Map(),
  };
  return {
    customerId: c.id,
    today: c.today,
    timeZone: c.timezone,
    vars,
    sizes: r.sizes,
    ctx,
    library,
    sources,
    libraryVersion: r.library,
  };
}

export type ScriptCouponState = ReturnType<typeof couponForScript>;

/**
 * The coupon each of these templates gives a script for this customer (couponForScript): her own
 * sent, unexpired coupon of it, else the template itself if she may be offered it.
 */
export async function scriptCoupons(
  db: Db,
  corpId: number,
  customerId: number,
  guideId: number,
  templateIds: number[],
  timeZone: string,
  now = new Date(),
): Promise<Map<number, ScriptCouponState>> {
  const ids = [...new Set(templateIds)];
  const out = new Map<number, ScriptCouponState>();
  if (!ids.length) return out;
  const [templates, held, facts] = await Promise.all([
    db('coupon_templates')
      .where({ corp_id: corpId })
      .whereIn('id', ids)
      .select<Parameters<typeof ruleOf>[0][]>(TEMPLATE_COLUMNS.map((c) => db.raw(c))),
    // Her earliest-expiring sent coupon of each template, with the terms it was issued with.
    db('coupons')
      .where({ corp_id: corpId, customer_id: customerId, status: 'sent' })
      .whereIn('template_id', ids)
      .where('expires_at', '>', now)
      .distinctOn('template_id')
      .orderBy([{ column: 'template_id' }, { column: 'expires_at' }])
      .select<
        {
          template_id: string | number;
          expires_at: Date;
          name: string;
          kind: 'cash' | 'discount';
          value_fen: string | number | null;
          discount_bp: number | null;
        }[]
      >('template_id', 'expires_at', 'name', 'kind', 'value_fen', 'discount_bp'),
    couponFacts(db, customerId, guideId),
  ]);
  const fen = (v: string | number | null) => (v === null ? null : Number(v));
  for (const id of ids) {
    const t = templates.find((x) => Number(x.id) === id);
    const h = held.find((x) => Number(x.template_id) === id);
    out.set(
      id,
      couponForScript(
        t
          ? {
              id,
              name: t.name,
              kind: t.kind,
              valueFen: fen(t.value_fen),
              discountBp: t.discount_bp,
              validDays: t.valid_days,
              validUntil: t.valid_until,
            }
          : null,
        h
          ? {
              expiresAt: new Date(h.expires_at).toISOString(),
              terms: { name: h.name, kind: h.kind, valueFen: fen(h.value_fen), discountBp: h.discount_bp },
            }
          : null,
        t ? couponIneligibility(ruleOf({ ...t, id }), facts) : null,
        now,
        timeZone,
      ),
    );
  }
  return out;
}

/** The values a script's coupon gives its variables: the base values with the coupon's own. */
export function varsWithCoupon(sc: ScriptCustomer, coupon: ScriptCouponState | undefined): ResolvedVariables {
  return resolveVariables({ ...sc.sources, coupon: coupon?.coupon ?? null });
}

export async function recommendationsFor(
  db: Db,
  p: GuidePrincipal,
  externalUserid: string,
  product?: ProductContext,
): Promise<Recommendations> {
  const sc = await scriptCustomer(db, p.corpId, p.guideId, externalUserid, product);
  if (!sc) return explainMissing(db, p, externalUserid);
  const templateIds = sc.library.flatMap((s) => (s.couponTemplateId === null ? [] : [s.couponTemplateId]));
  const coupons = await scriptCoupons(db, p.corpId, sc.customerId, p.guideId, templateIds, sc.timeZone);
  for (const [id, state] of coupons) sc.ctx.coupons.set(id, state.coupon !== null);
  const recommended = sc.library
    .map((s, order) => ({ order, ...score(s, sc.ctx, product) }))
    .filter((x) => x.reasons.length > 0)
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ scriptId, score: total, reasons }) => ({ scriptId, score: total, reasons }));
  return {
    vars: sc.vars,
    sizes: sc.sizes,
    libraryVersion: sc.libraryVersion,
    recommended,
    coupons: [...coupons].map(([templateId, state]) => {
      const v = varsWithCoupon(sc, state);
      return {
        templateId,
        values: state.coupon ? { 优惠券: v.优惠券!, 券有效期: v.券有效期!, 券面额: v.券面额! } : null,
        reason: state.reason,
      };
    }),
  };
}

export interface CustomerContext {
  tagIds: Set<number>;
  tagName: Map<number, string>;
  stages: Set<string>;
  favorites: Set<number>;
  occasions: Occasion[];
  /** Variables that have a value for this customer (and product), the coupon ones aside. */
  filled: Set<string>;
  /** Per coupon template a script offers: whether it fills the coupon variables for her. */
  coupons: Map<number, boolean>;
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
  if ((s.scenario === 'reactivation' || occasion === 'lapsed') && lapsed) {
    total += 3;
    reasons.push({ code: 'lapsed', value: lapsed.value });
  }
  const recent = on('recent_purchase');
  if ((s.scenario === 'after_sale' || occasion === 'recent_purchase') && recent) {
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
  // A script that would go out with a blank is never recommended, however well it fits. Its
  // coupon variables are filled by the template it offers, or not at all.
  const filled = (v: string) =>
    (COUPON_VARIABLES as readonly string[]).includes(v)
      ? s.couponTemplateId !== null && c.coupons.get(s.couponTemplateId) === true
      : c.filled.has(v);
  if (!s.variables.every(filled)) return { scriptId: s.id, score: total, reasons: [] };
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
