/** A tenant's product-share settings on `corps`: read for the sidebar, written (checked, audited) by an admin or the seed. */
import { type ProductShareSettings, productShareSettings } from '../contracts/product-share';
import type { Db } from '../db/knex';
import { AppError } from '../errors';

interface Row {
  product_link_template: string | null;
  product_mp_appid: string | null;
  product_mp_page: string | null;
}

/** Settings → the `corps` columns, after the strict check (a bad value is VALIDATION_FAILED, never stored). */
export function productShareColumns(settings: unknown): Row {
  const r = productShareSettings.safeParse(settings);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new AppError('VALIDATION_FAILED', `productShare.${issue.path.join('.')}: ${issue.message}`, {
      field: ['body', ...issue.path].join('.'),
    });
  }
  return columnsOf(r.data);
}

const columnsOf = (s: ProductShareSettings): Row => ({
  product_link_template: s.linkTemplate,
  product_mp_appid: s.miniprogram?.appid ?? null,
  product_mp_page: s.miniprogram?.page ?? null,
});

export async function readProductShare(db: Db, corpId: number): Promise<ProductShareSettings> {
  const row = await db('corps')
    .where({ id: corpId })
    .first<Row | undefined>('product_link_template', 'product_mp_appid', 'product_mp_page');
  if (!row) throw new AppError('NOT_FOUND', `no corp ${corpId}`);
  return {
    miniprogram:
      row.product_mp_appid && row.product_mp_page ? { appid: row.product_mp_appid, page: row.product_mp_page } : null,
    linkTemplate: row.product_link_template,
  };
}

/** Settings the route has checked against `productShareSettings` (its body schema). */
export async function writeProductShare(
  db: Db,
  corpId: number,
  actor: string,
  settings: ProductShareSettings,
  requestId?: string,
): Promise<ProductShareSettings> {
  const cols = columnsOf(settings);
  await db.transaction(async (trx) => {
    const n = await trx('corps').where({ id: corpId }).update(cols);
    if (!n) throw new AppError('NOT_FOUND', `no corp ${corpId}`);
    await trx('audit_log').insert({
      corp_id: corpId,
      actor,
      action: 'corp.product_share.set',
      entity: 'corp',
      entity_id: String(corpId),
      detail: JSON.stringify(cols),
      request_id: requestId ?? null,
    });
  });
  return readProductShare(db, corpId);
}
