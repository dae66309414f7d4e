/**
 * The script library for one customer: every enabled script with favourites and send counts,
 * the values of its variables, and a recommendation score with its reasons (tags, life stage,
 * birthday, lifecycle, a broken-size product in her size).
 */
import dayjs from 'dayjs';
import { z } from 'zod';
import { formOfAddress } from '../contracts/script-vars';
import { type RecommendReason, type ScriptsResponse, scriptPart } from '../contracts/sidebar';
import type { Db } from '../db/knex';
import { prepare, runPrepared } from '../db/prepared';
import { AppError } from '../errors';
import { type GuidePrincipal, explainMissing } from './access';
import { babyStage, daysToBirthday } from './derive';

const SQL = `
with c as (
  select c.id, c.name, c.gender, c.birthday, c.baby_birthday, cg.remark, cg.added_at,
         (now() at time zone k.timezone)::date as today
    from customers c
    join customer_guides cg on cg.customer_id = c.id and cg.guide_id = :guideId and cg.ended_at is null
    join corps k on k.id = c.corp_id
   where c.corp_id = :corpId and c.external_userid = :ext
)
select json_build_object(
  'c', (select row_to_json(c) from c),
  'me', (select json_build_object('guide', g.name, 'store', s.name, 'storeId', s.id) from guides g join stores s on s.id = g.store_id where g.id = :guideId),
  'tags', (select coalesce(json_agg(json_build_object('id', t.id, 'name', t.name)), '[]') from c join customer_tags ct on ct.customer_id = c.id and (ct.guide_id = :guideId or ct.guide_id is null) join tags t on t.id = ct.tag_id),
  'sizes', (select coalesce(json_object_agg(s.category, s.size), '{}') from c join customer_sizes s on s.customer_id = c.id),
  'lastPaid', (select max(o.paid_at) from c join orders o on o.customer_id = c.id),
  'coupon', (select tpl.name from c join coupons cp on cp.customer_id = c.id and cp.status = 'issued' and cp.expires_at > now() join coupon_templates tpl on tpl.id = cp.template_id order by cp.expires_at limit 1),
  'categories', (select coalesce(json_agg(json_build_object('id', sc.id, 'name', sc.name, 'scenario', sc.scenario) order by sc."order", sc.id), '[]') from script_categories sc where sc.corp_id = :corpId),
  'scripts', (select coalesce(json_agg(json_build_object('id', s.id, 'categoryId', s.category_id, 'title', s.title, 'scenario', sc.scenario, 'parts', s.parts, 'targetTagIds', s.target_tag_ids,
                 'stages', s.stages, 'occasion', s.occasion, 'sendCount', s.send_count, 'favorite', f.script_id is not null, 'mine', coalesce(m.n, 0)) order by sc."order", s.id), '[]')
             from scripts s join script_categories sc on sc.id = s.category_id
             left join script_favorites f on f.guide_id = :guideId and f.script_id = s.id
             left join (select script_id, count(*)::int as n from script_sends where guide_id = :guideId group by script_id) m on m.script_id = s.id
            where s.corp_id = :corpId and s.enabled)
) as p`;

const STATEMENT = prepare('sidebar_scripts', SQL);
const row = z.object({
  c: z.object({ id: z.number(), name: z.string(), gender: z.number(), birthday: z.string().nullable(), baby_birthday: z.string().nullable(), remark: z.string().nullable(), added_at: z.string(), today: z.string() }).nullable(),
  me: z.object({ guide: z.string(), store: z.string(), storeId: z.number() }),
  tags: z.array(z.object({ id: z.number(), name: z.string() })),
  sizes: z.record(z.string(), z.string()),
  lastPaid: z.string().nullable(),
  coupon: z.string().nullable(),
  categories: z.array(z.object({ id: z.number(), name: z.string(), scenario: z.string() })),
  scripts: z.array(z.object({
    id: z.number(), categoryId: z.number(), title: z.string(), scenario: z.string(), parts: z.array(scriptPart), targetTagIds: z.array(z.number()), stages: z.array(z.string()),
    occasion: z.string().nullable(), sendCount: z.number(), favorite: z.boolean(), mine: z.number(),
  })),
});

/** Category a customer's {{尺码}} defaults to when no product is chosen. */
const SIZE_ORDER = ['shoes', 'tops', 'bottoms', 'kids'];

export interface ProductContext {
  id: number;
  name: string;
  category: string;
  broken: boolean;
  isNew: boolean;
}

export async function productContext(db: Db, p: GuidePrincipal, productId: number): Promise<ProductContext> {
  const res = await db.raw<{ rows: { id: number; name: string; category: string; attributes: string[]; launched_on: string | null; sizes_left: number; broken_max_left: number | null }[] }>(
    `select pr.id, pr.name, pr.category, pr.attributes, pr.launched_on, coalesce(run.broken_max_left, 2) as broken_max_left,
            (select count(distinct k.size)::int from skus k join store_stock ss on ss.sku_id = k.id and ss.store_id = g.store_id and ss.on_hand > 0 where k.product_id = pr.id) as sizes_left
       from products pr join guides g on g.id = :guideId left join size_runs run on run.corp_id = pr.corp_id and run.category = pr.category
      where pr.corp_id = :corpId and pr.id = :productId`,
    { corpId: p.corpId, guideId: p.guideId, productId },
  );
  const r = res.rows[0];
  if (!r) throw new AppError('NOT_FOUND', `no product ${productId}`, { field: 'query.productId' });
  const isNew = r.attributes.includes('新款') || (r.launched_on !== null && dayjs().diff(dayjs(r.launched_on), 'day') <= 45);
  return { id: r.id, name: r.name, category: r.category, broken: r.sizes_left > 0 && r.sizes_left <= (r.broken_max_left ?? 2), isNew };
}

export async function scriptsFor(db: Db, p: GuidePrincipal, externalUserid: string, product?: ProductContext): Promise<ScriptsResponse> {
  const [res] = await runPrepared<{ p: unknown }>(db, STATEMENT, { corpId: p.corpId, guideId: p.guideId, ext: externalUserid });
  const r = row.parse(res!.p);
  if (!r.c) return explainMissing(db, p, externalUserid);
  const c = r.c;
  const tagIds = new Set(r.tags.map((t) => t.id));
  const tagName = new Map(r.tags.map((t) => [t.id, t.name]));
  const stages = new Set(r.tags.map((t) => t.name));
  const derivedStage = babyStage(c.baby_birthday, c.today);
  if (derivedStage) stages.add(derivedStage);
  const toBirthday = daysToBirthday(c.birthday, c.today);
  const sinceAdded = dayjs(c.today).diff(dayjs(c.added_at), 'day');
  const sincePaid = r.lastPaid ? dayjs(c.today).diff(dayjs(r.lastPaid), 'day') : null;
  const sizeCategory = product?.category ?? SIZE_ORDER.find((k) => r.sizes[k]) ?? null;

  const scripts = r.scripts.map((s) => {
    const reasons: RecommendReason[] = [];
    let score = 0;
    for (const id of s.targetTagIds) {
      if (tagIds.has(id)) {
        score += 3;
        reasons.push({ code: 'tag', value: tagName.get(id)! });
      }
    }
    for (const st of s.stages) {
      if (stages.has(st)) {
        score += 3;
        reasons.push({ code: 'stage', value: st });
      }
    }
    const occasion = s.occasion ?? s.scenario;
    if (occasion === 'birthday') {
      if (toBirthday !== null && toBirthday <= 7) {
        score += 6;
        reasons.push({ code: 'birthday', value: String(toBirthday) });
      } else score -= 10;
    }
    if (occasion === 'welcome' && sinceAdded <= 7) {
      score += 4;
      reasons.push({ code: 'new_customer', value: String(sinceAdded) });
    }
    if (s.scenario === 'reactivation' && (sincePaid === null || sincePaid >= 90)) {
      score += 3;
      reasons.push({ code: 'lapsed', value: sincePaid === null ? '' : String(sincePaid) });
    }
    if (s.scenario === 'after_sale' && sincePaid !== null && sincePaid <= 14) {
      score += 3;
      reasons.push({ code: 'recent_purchase', value: String(sincePaid) });
    }
    // A pitch for a chosen product ranks scripts written for that situation above everything else.
    if (product && s.scenario === 'broken_size' && product.broken) {
      score += 10;
      reasons.unshift({ code: 'broken_size', value: product.name });
    }
    if (product && s.scenario === 'new_arrival' && product.isNew) {
      score += 4;
      reasons.unshift({ code: 'new_arrival', value: product.name });
    }
    if (s.favorite) {
      score += 1;
      if (reasons.length) reasons.push({ code: 'favorite' });
    }
    return { id: s.id, categoryId: s.categoryId, title: s.title, scenario: s.scenario, parts: s.parts, favorite: s.favorite, sendCount: s.sendCount, mySendCount: s.mine, reasons: score >= 3 ? reasons : [], score };
  });
  scripts.sort((a, b) => Number(b.reasons.length > 0) - Number(a.reasons.length > 0) || (a.reasons.length > 0 && b.reasons.length > 0 ? b.score - a.score || b.mySendCount - a.mySendCount : 0));

  return {
    categories: r.categories,
    vars: {
      称呼: formOfAddress(c.name, c.gender, c.remark),
      导购: r.me.guide,
      门店: r.me.store,
      尺码: sizeCategory ? (r.sizes[sizeCategory] ?? null) : null,
      商品: product?.name ?? null,
      优惠券: r.coupon,
    },
    sizes: r.sizes,
    scripts,
  };
}

export async function setFavorite(db: Db, p: GuidePrincipal, scriptId: number, on: boolean): Promise<{ favorite: boolean }> {
  const script = await db('scripts').where({ corp_id: p.corpId, id: scriptId }).first<{ id: number } | undefined>('id');
  if (!script) throw new AppError('NOT_FOUND', `no script ${scriptId}`, { field: 'params.scriptId' });
  if (on) await db('script_favorites').insert({ corp_id: p.corpId, guide_id: p.guideId, script_id: scriptId }).onConflict(['guide_id', 'script_id']).ignore();
  else await db('script_favorites').where({ guide_id: p.guideId, script_id: scriptId }).del();
  return { favorite: on };
}
