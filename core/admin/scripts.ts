/**
 * The script library (话术库) as the brand admin writes it: categories (created, renamed,
 * reordered, deleted when empty), multi-part scripts (text with variables, image, link card,
 * mini-program card) with their targeting (tags, life stages, an occasion) and the coupon template
 * they offer, a preview filled for a sample customer, and publish / withdraw. A script is a draft
 * until it is published; the sidebar shows only published ones, and a withdrawal hides it at
 * once (core/guide/scripts.ts reads the library's version on every recommendation). Every change
 * is in the audit log.
 *
 * The preview resolves variables exactly as the sidebar does (core/guide/scripts.ts
 * `scriptCustomer`, core/guide/variables.ts), through the sample customer's own guide.
 */
import { createHash } from 'node:crypto';
import type { Principal } from '../auth/principal';
import { assertCustomer, scopeOf } from '../access/scope';
import { recordAudit } from '../commission/audit';
import type { AppContext } from '../context';
import {
  type AdminScript,
  SCRIPT_OCCASIONS,
  SCRIPT_SCENARIOS,
  type ScriptBody,
  type ScriptCategory,
  type ScriptImage,
  type ScriptLibraryAdmin,
  type ScriptPreview,
  type ScriptStatus,
  type SampleCustomers,
} from '../contracts/admin-scripts';
import { COUPON_VARIABLES, SCRIPT_VARIABLES, fillVariables, unfilled, variablesOf } from '../contracts/script-vars';
import type { ScriptPart } from '../contracts/sidebar';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { score, scriptCoupons, scriptCustomer, textsOf, varsWithCoupon } from '../guide/scripts';
import { ensureMediaId } from '../wecom/media';

/** Life stages the sidebar derives from a baby's birth date (core/guide/derive.ts), offered beside the corp's stage tags. */
const DERIVED_STAGES = ['孕期', '宝宝0-6个月', '宝宝6-12个月', '宝宝1-2岁', '宝宝2-3岁'];

interface ScriptRow {
  id: number | string;
  category_id: number | string;
  title: string;
  parts: ScriptPart[];
  target_tag_ids: (number | string)[];
  stages: string[];
  occasion: string | null;
  coupon_template_id: number | string | null;
  enabled: boolean;
  send_count: number;
  published_at: Date | null;
  updated_at: Date;
}

const statusOf = (r: { enabled: boolean; published_at: Date | null }): ScriptStatus =>
  r.enabled ? 'published' : r.published_at ? 'withdrawn' : 'draft';

const scriptOf = (r: ScriptRow): AdminScript => ({
  id: Number(r.id),
  categoryId: Number(r.category_id),
  title: r.title,
  parts: r.parts,
  targetTagIds: r.target_tag_ids.map(Number),
  stages: r.stages,
  occasion: r.occasion,
  couponTemplateId: r.coupon_template_id === null ? null : Number(r.coupon_template_id),
  status: statusOf(r),
  sendCount: r.send_count,
  publishedAt: r.published_at?.toISOString() ?? null,
  updatedAt: r.updated_at.toISOString(),
});

const SCRIPT_COLUMNS = [
  'id',
  'category_id',
  'title',
  'parts',
  'target_tag_ids',
  'stages',
  'occasion',
  'coupon_template_id',
  'enabled',
  'send_count',
  'published_at',
  'updated_at',
];

async function categoriesOf(db: Db, corpId: number): Promise<ScriptCategory[]> {
  const rows = await db('script_categories as sc')
    .where({ 'sc.corp_id': corpId })
    .orderBy([{ column: 'sc.order' }, { column: 'sc.id' }])
    .select<{ id: string | number; name: string; scenario: string; order: number; scripts: string | number }[]>(
      'sc.id',
      'sc.name',
      'sc.scenario',
      'sc.order',
      db.raw('(select count(*) from scripts s where s.category_id = sc.id) as scripts'),
    );
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    scenario: r.scenario,
    order: r.order,
    scripts: Number(r.scripts),
  }));
}

/** The whole library with what the editor offers. */
export async function scriptLibraryAdmin(db: Db, p: Principal): Promise<ScriptLibraryAdmin> {
  const [categories, scripts, tags, templates] = await Promise.all([
    categoriesOf(db, p.corpId),
    db('scripts as s')
      .join('script_categories as sc', 'sc.id', 's.category_id')
      .where({ 's.corp_id': p.corpId })
      .orderBy([{ column: 'sc.order' }, { column: 's.id' }])
      .select<ScriptRow[]>(SCRIPT_COLUMNS.map((c) => `s.${c}`)),
    db('tags as t')
      .join('tag_groups as g', 'g.id', 't.group_id')
      .where({ 't.corp_id': p.corpId })
      .whereNull('t.deleted_at')
      .orderBy([{ column: 'g.id' }, { column: 't.id' }])
      .select<{ id: string | number; name: string; group: string; kind: string }[]>(
        't.id',
        't.name',
        'g.name as group',
        'g.kind',
      ),
    db('coupon_templates')
      .where({ corp_id: p.corpId })
      .orderBy('id')
      .select<{ id: string | number; name: string; enabled: boolean }[]>('id', 'name', 'enabled'),
  ]);
  const stageTags = tags.filter((t) => t.kind === 'stage').map((t) => t.name);
  return {
    categories,
    scripts: scripts.map(scriptOf),
    options: {
      variables: [...SCRIPT_VARIABLES],
      tags: tags.map((t) => ({ id: Number(t.id), name: t.name, group: t.group, kind: t.kind })),
      stages: [...new Set([...DERIVED_STAGES, ...stageTags])],
      occasions: [...SCRIPT_OCCASIONS],
      scenarios: [...SCRIPT_SCENARIOS],
      couponTemplates: templates.map((t) => ({ id: Number(t.id), name: t.name, enabled: t.enabled })),
    },
  };
}

async function category(db: Db, corpId: number, categoryId: number, field: string) {
  const c = await db('script_categories')
    .where({ corp_id: corpId, id: categoryId })
    .first<{ id: number; name: string; scenario: string } | undefined>('id', 'name', 'scenario');
  if (!c) throw new AppError('NOT_FOUND', `no script category ${categoryId}`, { field });
  return c;
}

/** A category name is unique in the corp (a 409 naming the field, never the database's error). */
async function assertFreeName(db: Db, corpId: number, name: string, except?: number) {
  const q = db('script_categories').where({ corp_id: corpId, name });
  if (except !== undefined) void q.whereNot('id', except);
  if (await q.first('id')) throw new AppError('CONFLICT', `a category named ${name} exists`, { field: 'body.name' });
}

export async function createCategory(
  db: Db,
  p: Principal,
  body: { name: string; scenario: string },
  requestId: string,
): Promise<ScriptCategory> {
  await assertFreeName(db, p.corpId, body.name);
  const id = await db.transaction(async (trx) => {
    const [row] = await trx('script_categories')
      .insert({
        corp_id: p.corpId,
        name: body.name,
        scenario: body.scenario,
        order: trx.raw('(select coalesce(max("order"), -1) + 1 from script_categories where corp_id = ?)', [p.corpId]),
      })
      .returning<{ id: number }[]>('id');
    await recordAudit(trx, audit(p, 'script_category.create', 'script_category', row!.id, body, requestId));
    return Number(row!.id);
  });
  return (await categoriesOf(db, p.corpId)).find((c) => c.id === id)!;
}

export async function renameCategory(
  db: Db,
  p: Principal,
  categoryId: number,
  name: string,
  requestId: string,
): Promise<ScriptCategory> {
  const before = await category(db, p.corpId, categoryId, 'params.categoryId');
  await assertFreeName(db, p.corpId, name, categoryId);
  await db.transaction(async (trx) => {
    await trx('script_categories').where({ id: categoryId }).update({ name });
    await recordAudit(
      trx,
      audit(p, 'script_category.rename', 'script_category', categoryId, { from: before.name, to: name }, requestId),
    );
  });
  return (await categoriesOf(db, p.corpId)).find((c) => c.id === categoryId)!;
}

/** The corp's categories in a new order: every category named exactly once. */
export async function reorderCategories(
  db: Db,
  p: Principal,
  ids: number[],
  requestId: string,
): Promise<ScriptCategory[]> {
  const existing = (await categoriesOf(db, p.corpId)).map((c) => c.id);
  if (new Set(ids).size !== ids.length || ids.length !== existing.length || ids.some((i) => !existing.includes(i)))
    throw new AppError('VALIDATION_FAILED', 'name every category of the library exactly once', { field: 'body.ids' });
  await db.transaction(async (trx) => {
    for (const [order, id] of ids.entries()) await trx('script_categories').where({ id }).update({ order });
    // The sidebar's recommendations break ties by category order: a new library version.
    await trx('scripts').where({ corp_id: p.corpId }).update({ updated_at: trx.fn.now() });
    await recordAudit(trx, audit(p, 'script_category.reorder', 'script_category', null, { ids }, requestId));
  });
  return categoriesOf(db, p.corpId);
}

/** Only an empty category can go: its scripts would have nowhere to be. */
export async function deleteCategory(db: Db, p: Principal, categoryId: number, requestId: string): Promise<void> {
  const c = await category(db, p.corpId, categoryId, 'params.categoryId');
  const used = await db('scripts').where({ corp_id: p.corpId, category_id: categoryId }).first('id');
  if (used)
    throw new AppError('CONFLICT', `category ${c.name} still holds scripts: move or remove them first`, {
      field: 'params.categoryId',
    });
  await db.transaction(async (trx) => {
    await trx('script_categories').where({ id: categoryId }).del();
    await recordAudit(
      trx,
      audit(p, 'script_category.delete', 'script_category', categoryId, { name: c.name }, requestId),
    );
  });
}

/**
 * What a script names must exist: its category, tags, coupon template and images in this corp,
 * and only the variables the resolver knows (an unknown `{{…}}` is a 422 naming the part's field).
 */
async function checkScript(db: Db, corpId: number, s: ScriptBody, prefix: string): Promise<void> {
  for (const [i, part] of s.parts.entries()) {
    const [field, text] =
      part.type === 'text' ? ['text', part.text] : part.type === 'image' ? ['title', ''] : ['title', part.title];
    const unknown = unfilled(text).filter((v) => !(SCRIPT_VARIABLES as readonly string[]).includes(v));
    if (unknown.length)
      throw new AppError('UNKNOWN_VARIABLE', `unknown variable {{${unknown[0]}}}: use ${SCRIPT_VARIABLES.join(', ')}`, {
        field: `${prefix}.parts.${i}.${field}`,
        details: { unknown, known: SCRIPT_VARIABLES },
      });
  }
  await category(db, corpId, s.categoryId, `${prefix}.categoryId`);
  if (s.targetTagIds.length) {
    const found = await db('tags')
      .where({ corp_id: corpId })
      .whereNull('deleted_at')
      .whereIn('id', s.targetTagIds)
      .pluck<(string | number)[]>('id');
    const missing = s.targetTagIds.find((t) => !found.map(Number).includes(t));
    if (missing !== undefined)
      throw new AppError('VALIDATION_FAILED', `tag ${missing} is not a tag of this corp`, {
        field: `${prefix}.targetTagIds`,
      });
  }
  if (
    s.couponTemplateId !== null &&
    !(await db('coupon_templates').where({ corp_id: corpId, id: s.couponTemplateId }).first('id'))
  )
    throw new AppError('VALIDATION_FAILED', `coupon template ${s.couponTemplateId} is not a template of this corp`, {
      field: `${prefix}.couponTemplateId`,
    });
  for (const [i, part] of s.parts.entries()) {
    if (part.type !== 'image') continue;
    if (!(await db('media_assets').where({ corp_id: corpId, id: part.mediaAssetId, kind: 'image' }).first('id')))
      throw new AppError('VALIDATION_FAILED', `image ${part.mediaAssetId} was not uploaded to this corp`, {
        field: `${prefix}.parts.${i}.mediaAssetId`,
      });
  }
}

const columnsOf = (s: ScriptBody) => ({
  category_id: s.categoryId,
  title: s.title,
  parts: JSON.stringify(s.parts),
  target_tag_ids: s.targetTagIds,
  stages: s.stages,
  occasion: s.occasion,
  coupon_template_id: s.couponTemplateId,
});

async function loadScript(db: Db, corpId: number, scriptId: number): Promise<ScriptRow> {
  const r = await db('scripts').where({ corp_id: corpId, id: scriptId }).first<ScriptRow | undefined>(SCRIPT_COLUMNS);
  if (!r) throw new AppError('NOT_FOUND', `no script ${scriptId}`, { field: 'params.scriptId' });
  return r;
}

/** A new script is a draft: the sidebar sees it once it is published. */
export async function createScript(db: Db, p: Principal, s: ScriptBody, requestId: string): Promise<AdminScript> {
  await checkScript(db, p.corpId, s, 'body');
  const id = await db.transaction(async (trx) => {
    const [row] = await trx('scripts')
      .insert({ corp_id: p.corpId, ...columnsOf(s), enabled: false })
      .returning<{ id: number }[]>('id');
    await recordAudit(trx, audit(p, 'script.create', 'script', row!.id, { ...s }, requestId));
    return Number(row!.id);
  });
  return scriptOf(await loadScript(db, p.corpId, id));
}

/** Edits a script; a published one changes in the sidebar at once. */
export async function updateScript(
  db: Db,
  p: Principal,
  scriptId: number,
  s: ScriptBody,
  requestId: string,
): Promise<AdminScript> {
  const before = await loadScript(db, p.corpId, scriptId);
  await checkScript(db, p.corpId, s, 'body');
  await db.transaction(async (trx) => {
    await trx('scripts')
      .where({ id: scriptId })
      .update({ ...columnsOf(s), updated_at: trx.fn.now() });
    await recordAudit(
      trx,
      audit(p, 'script.update', 'script', scriptId, { before: scriptOf(before), after: { ...s } }, requestId),
    );
  });
  return scriptOf(await loadScript(db, p.corpId, scriptId));
}

/**
 * Publishes a script: the sidebar shows it (and may recommend it) from now on. A script naming a
 * coupon variable must offer a coupon template, or it could never be filled.
 */
export async function publishScript(db: Db, p: Principal, scriptId: number, requestId: string): Promise<AdminScript> {
  const r = await loadScript(db, p.corpId, scriptId);
  const uses = variablesOf(textsOf(r.parts)).filter((v) => (COUPON_VARIABLES as readonly string[]).includes(v));
  if (uses.length && r.coupon_template_id === null)
    throw new AppError('VALIDATION_FAILED', `the script names {{${uses[0]}}} but offers no coupon template`, {
      field: 'couponTemplateId',
    });
  await db.transaction(async (trx) => {
    await trx('scripts')
      .where({ id: scriptId })
      .update({ enabled: true, published_at: trx.raw('coalesce(published_at, now())'), updated_at: trx.fn.now() });
    await recordAudit(trx, audit(p, 'script.publish', 'script', scriptId, { title: r.title }, requestId));
  });
  return scriptOf(await loadScript(db, p.corpId, scriptId));
}

/** Withdraws a script: gone from every guide's sidebar at once; its sends and counts stay. */
export async function withdrawScript(db: Db, p: Principal, scriptId: number, requestId: string): Promise<AdminScript> {
  const r = await loadScript(db, p.corpId, scriptId);
  await db.transaction(async (trx) => {
    await trx('scripts')
      .where({ id: scriptId })
      .update({ enabled: false, withdrawn_at: trx.fn.now(), updated_at: trx.fn.now() });
    await recordAudit(trx, audit(p, 'script.withdraw', 'script', scriptId, { title: r.title }, requestId));
  });
  return scriptOf(await loadScript(db, p.corpId, scriptId));
}

/** Customers to preview with: by name, remark or phone tail, each with the guide who follows her. */
export async function sampleCustomers(db: Db, p: Principal, q: string): Promise<SampleCustomers> {
  const query = db('customers as c')
    .join('customer_guides as cg', function () {
      this.on('cg.customer_id', 'c.id').andOnNull('cg.ended_at');
    })
    .join('guides as g', 'g.id', 'cg.guide_id')
    .join('stores as st', 'st.id', 'g.store_id')
    .where({ 'c.corp_id': p.corpId })
    .distinctOn('c.id')
    .orderBy([{ column: 'c.id' }, { column: 'cg.added_at', order: 'desc' }])
    .limit(20)
    .select<{ id: string | number; name: string; guide: string; store: string; phone_masked: string | null }[]>(
      'c.id',
      'c.name',
      'g.name as guide',
      'st.name as store',
      'c.phone_masked',
    );
  const term = q.trim();
  if (term)
    void query.where((w) =>
      w
        .where('c.name', 'like', `%${term}%`)
        .orWhere('cg.remark', 'like', `%${term}%`)
        .orWhere('c.phone_masked', 'like', `%${term}`),
    );
  return {
    customers: (await query).map((r) => ({
      id: Number(r.id),
      name: r.name,
      guide: r.guide,
      store: r.store,
      phoneTail: r.phone_masked ? r.phone_masked.slice(-4) : null,
    })),
  };
}

/**
 * The script as written, filled for a sample customer through her own guide (the one who added
 * her last), as that guide's sidebar would fill it: what is missing, why the coupon cannot fill,
 * and whether it would be recommended for her and why.
 */
export async function previewScript(db: Db, p: Principal, s: ScriptBody, customerId: number): Promise<ScriptPreview> {
  await assertCustomer(db, await scopeOf(db, p), customerId);
  await checkScript(db, p.corpId, s, 'body.script');
  const rel = await db('customer_guides as cg')
    .join('customers as c', 'c.id', 'cg.customer_id')
    .join('guides as g', 'g.id', 'cg.guide_id')
    .join('stores as st', 'st.id', 'g.store_id')
    .where({ 'cg.corp_id': p.corpId, 'cg.customer_id': customerId })
    .whereNull('cg.ended_at')
    .orderBy('cg.added_at', 'desc')
    .first<{ guide_id: number; external_userid: string; name: string; guide: string; store: string } | undefined>(
      'cg.guide_id',
      'c.external_userid',
      'c.name',
      'g.name as guide',
      'st.name as store',
    );
  if (!rel)
    throw new AppError('CONFLICT', 'no guide follows this customer now: pick one a guide follows', {
      field: 'body.customerId',
    });
  const sc = await scriptCustomer(db, p.corpId, Number(rel.guide_id), rel.external_userid);
  if (!sc) throw new AppError('NOT_FOUND', `no customer ${customerId}`, { field: 'body.customerId' });
  const coupons = await scriptCoupons(
    db,
    p.corpId,
    sc.customerId,
    Number(rel.guide_id),
    s.couponTemplateId === null ? [] : [s.couponTemplateId],
    sc.timeZone,
  );
  const coupon = s.couponTemplateId === null ? undefined : coupons.get(s.couponTemplateId);
  const vars = varsWithCoupon(sc, coupon);
  const missing = new Set<string>();
  const fill = (text: string) => {
    const r = fillVariables(text, vars);
    r.missing.forEach((m) => missing.add(m));
    return r.text;
  };
  const parts: ScriptPart[] = s.parts.map((part) =>
    part.type === 'text'
      ? { ...part, text: fill(part.text) }
      : part.type === 'news' || part.type === 'miniprogram'
        ? { ...part, title: fill(part.title) }
        : part,
  );
  const usesCoupon = [...missing].some((m) => (COUPON_VARIABLES as readonly string[]).includes(m));
  if (coupon) sc.ctx.coupons.set(s.couponTemplateId!, coupon.coupon !== null);
  const cat = await category(db, p.corpId, s.categoryId, 'body.script.categoryId');
  const scored = score(
    {
      id: 0,
      scenario: cat.scenario,
      occasion: s.occasion,
      targetTagIds: s.targetTagIds,
      stages: s.stages,
      variables: variablesOf(textsOf(s.parts)),
      couponTemplateId: s.couponTemplateId,
    },
    sc.ctx,
  );
  return {
    customer: { id: sc.customerId, name: rel.name, guide: rel.guide, store: rel.store },
    parts,
    missing: [...missing],
    couponWhy: usesCoupon ? (coupon?.reason ?? 'no_template') : null,
    recommended: scored.reasons.length > 0,
    reasons: scored.reasons,
  };
}

/** WeCom's own limits for an image message (media/upload, type image): JPG or PNG, 5 bytes to 10 MB. */
export const SCRIPT_IMAGE_MAX_BYTES = 10 * 1024 * 1024;
const IMAGE_TYPES: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/jpg': 'jpg' };

/**
 * Stores an image for a script part and uploads it to WeCom at once (media/upload), so a file
 * WeCom refuses is refused here, with WeCom's errcode, before any guide tries to send it. The
 * bytes stay with us: the media_id lives 3 days and is renewed when a guide sends (ensureMediaId).
 */
export async function uploadScriptImage(
  ctx: AppContext,
  p: Principal,
  upload: { filename: string; contentType: string; body: Buffer },
  requestId: string,
): Promise<ScriptImage> {
  const type = upload.contentType.split(';')[0]!.trim().toLowerCase();
  const ext = IMAGE_TYPES[type];
  if (!ext) throw new AppError('UNSUPPORTED_MEDIA', 'an image is a PNG or JPG', { field: 'Content-Type' });
  // JPG / PNG by their first bytes, not only their label.
  const png = upload.body.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpg = upload.body.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]));
  if (!(ext === 'png' ? png : jpg))
    throw new AppError('UNSUPPORTED_MEDIA', `the file is not a ${ext.toUpperCase()} image`, { field: 'body' });
  if (upload.body.length > SCRIPT_IMAGE_MAX_BYTES)
    throw new AppError('PAYLOAD_TOO_LARGE', 'an image is at most 10 MB (WeCom’s limit)', { field: 'body' });
  const base = (upload.filename.replace(/\.[^.]*$/, '').replace(/[^\p{L}\p{N}_-]+/gu, '_') || 'image').slice(0, 100);
  const filename = `${base}.${ext}`;
  const sha256 = createHash('sha256').update(upload.body).digest('hex');
  const [row] = await ctx
    .db('media_assets')
    .insert({
      corp_id: p.corpId,
      kind: 'image',
      filename,
      content_type: type === 'image/jpg' ? 'image/jpeg' : type,
      sha256,
      content: upload.body,
    })
    .onConflict(['corp_id', 'sha256'])
    .merge({ filename })
    .returning<{ id: number }[]>('id');
  const assetId = Number(row!.id);
  await ensureMediaId(ctx, p.corpId, assetId);
  await recordAudit(
    ctx.db,
    audit(p, 'script_image.upload', 'media_asset', assetId, { filename, bytes: upload.body.length, sha256 }, requestId),
  );
  return { assetId, filename, bytes: upload.body.length };
}

function audit(
  p: Principal,
  action: string,
  entity: string,
  entityId: number | null,
  detail: Record<string, unknown>,
  requestId: string,
) {
  return { corpId: p.corpId, actor: p.userid, action, entity, entityId, detail, requestId };
}
