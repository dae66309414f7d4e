/**
 * Points the demo tenant's pictures at the sandbox's placeholder images: the generator writes
 * addresses on a host that does not exist (as a brand's CDN would be), which a browser shows as
 * broken images. Only those addresses are rewritten, so re-running is a no-op and a picture
 * someone changed is kept.
 */
import type { Db } from '../../core/db/knex';
import { avatarUrl } from '../wecom/assets';
import { CATEGORY_LABEL, type Category } from './lexicon';

const GENERATED = 'https://static.guidepost.example/';

export async function pointImagesAtSandbox(db: Db, wecomCorpId: string, sandboxUrl: string): Promise<number> {
  const base = sandboxUrl.replace(/\/+$/, '');
  const corp = await db('corps').where({ wecom_corp_id: wecomCorpId }).first<{ id: number } | undefined>('id');
  if (!corp) return 0;
  return db.transaction(async (trx) => {
    let n = 0;
    const customers = await trx('customers')
      .where({ corp_id: corp.id })
      .whereLike('avatar', `${GENERATED}%`)
      .select<{ id: number; name: string }[]>('id', 'name');
    const products = await trx('products')
      .where({ corp_id: corp.id })
      .whereLike('image_url', `${GENERATED}%`)
      .select<{ id: number; style_no: string; category: string }[]>('id', 'style_no', 'category');
    const rows = [
      ...customers.map((c) => ({ table: 'customers', column: 'avatar', id: c.id, url: avatarUrl(base, c.name) })),
      ...products.map((p) => ({
        table: 'products',
        column: 'image_url',
        id: p.id,
        url: `${base}/sandbox/assets/product.svg?label=${encodeURIComponent(CATEGORY_LABEL[p.category as Category] ?? p.category)}&code=${encodeURIComponent(p.style_no)}`,
      })),
    ];
    for (const table of ['customers', 'products'] as const) {
      const mine = rows.filter((r) => r.table === table);
      if (!mine.length) continue;
      const column = mine[0]!.column;
      await trx.raw(
        `update ${table} t set ${column} = v.url from json_to_recordset(?::json) as v(id bigint, url text) where t.id = v.id`,
        [JSON.stringify(mine.map((r) => ({ id: r.id, url: r.url })))],
      );
      n += mine.length;
    }
    // Script cards (news and mini-program covers) carry the same kind of address in their parts.
    const scripts = await trx('scripts')
      .where({ corp_id: corp.id })
      .whereRaw('parts::text like ?', [`%${GENERATED}%`])
      .select<{ id: number; parts: unknown }[]>('id', 'parts');
    for (const s of scripts) {
      const parts = JSON.stringify(s.parts).replaceAll(GENERATED, `${base}/sandbox/assets/cover/`);
      await trx('scripts').where({ id: s.id }).update({ parts });
      n++;
    }
    return n;
  });
}
