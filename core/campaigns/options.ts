/** What a campaign builder picks from: tags by family, regions and stores in scope, scripts, coupon templates. */
import type { Principal } from '../auth/principal';
import { scopeOf } from '../access/scope';
import type { CampaignOptions } from '../contracts/campaigns';
import type { Db } from '../db/knex';

export async function campaignOptions(db: Db, p: Principal): Promise<CampaignOptions> {
  const scope = await scopeOf(db, p);
  const groups = await db('tag_groups')
    .where({ corp_id: p.corpId })
    .whereNull('deleted_at')
    .orderBy(['order', 'id'])
    .select<{ id: string; name: string; kind: string }[]>('id', 'name', 'kind');
  const tags = await db('tags')
    .where({ corp_id: p.corpId })
    .whereNull('deleted_at')
    .orderBy(['order', 'id'])
    .select<{ id: string; group_id: string; name: string }[]>('id', 'group_id', 'name');
  const stores = await db('stores')
    .where({ corp_id: p.corpId })
    .modify((q) => {
      if (scope.level !== 'corp') void q.whereIn('id', scope.storeIds);
    })
    .orderBy('id')
    .select<{ id: string; name: string; region_id: string }[]>('id', 'name', 'region_id');
  const regionIds = [...new Set(stores.map((s) => s.region_id))];
  const regions = await db('regions')
    .where({ corp_id: p.corpId })
    .whereIn('id', regionIds)
    .orderBy('id')
    .select<{ id: string; name: string }[]>('id', 'name');
  const scripts = await db('scripts')
    .where({ corp_id: p.corpId, enabled: true })
    .orderBy('id')
    .select<{ id: string; title: string; parts: { type: string }[]; coupon_template_id: string | null }[]>(
      'id',
      'title',
      'parts',
      'coupon_template_id',
    );
  const images = await db('media_assets')
    .where({ corp_id: p.corpId, kind: 'image' })
    .orderBy('id')
    .limit(200)
    .select<{ id: string; filename: string }[]>('id', 'filename');
  const products = await db('products')
    .where({ corp_id: p.corpId })
    .orderBy('id', 'desc')
    .limit(500)
    .select<{ id: string; name: string; style_no: string }[]>('id', 'name', 'style_no');
  const coupons = await db('coupon_templates')
    .where({ corp_id: p.corpId, enabled: true })
    .orderBy('id')
    .select<{ id: string; name: string; value_fen: string | null }[]>('id', 'name', 'value_fen');
  return {
    tagGroups: groups.map((g) => ({
      id: Number(g.id),
      name: g.name,
      kind: g.kind,
      tags: tags.filter((t) => t.group_id === g.id).map((t) => ({ id: Number(t.id), name: t.name })),
    })),
    regions: regions.map((r) => ({ id: Number(r.id), name: r.name })),
    stores: stores.map((s) => ({ id: Number(s.id), name: s.name, regionId: Number(s.region_id) })),
    scripts: scripts.map((s) => ({
      id: Number(s.id),
      title: s.title,
      parts: s.parts.map((x) => x.type),
      couponTemplateId: s.coupon_template_id === null ? null : Number(s.coupon_template_id),
    })),
    images: images.map((i) => ({ id: Number(i.id), filename: i.filename })),
    products: products.map((x) => ({ id: Number(x.id), name: x.name, styleNo: x.style_no })),
    couponTemplates: coupons.map((c) => ({
      id: Number(c.id),
      name: c.name,
      valueFen: c.value_fen === null ? null : Number(c.value_fen),
    })),
  };
}
