/**
 * How a tenant's products are shared into a chat: as a card of its mini-program's product page,
 * or as a news card linking to its web shop. The page path and the link are templates with
 * {styleNo} and/or {productId}, filled (URL-encoded) per product by the sidebar.
 */
import * as z from 'zod/mini';

export const PRODUCT_PLACEHOLDERS = ['styleNo', 'productId'] as const;
const PLACEHOLDER = /\{([^{}]*)\}/g;

export interface ProductRef {
  styleNo: string;
  productId: number;
}

/** Fills {styleNo} and {productId}, each URL-encoded. */
export function fillProductTemplate(template: string, p: ProductRef): string {
  return template.replace(/\{(styleNo|productId)\}/g, (_, k: string) =>
    encodeURIComponent(k === 'styleNo' ? p.styleNo : String(p.productId)),
  );
}

/** At least one placeholder (else every product opens the same page), and only known ones. */
function placeholdersOk(t: string): boolean {
  const names = [...t.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  return (
    names.length > 0 &&
    names.every((n) => (PRODUCT_PLACEHOLDERS as readonly string[]).includes(n)) &&
    !/[{}]/.test(t.replace(PLACEHOLDER, ''))
  );
}

const sample = (t: string, v: string) => fillProductTemplate(t, { styleNo: v, productId: 1 });

/** An https address whose host the placeholders cannot change. */
function httpsTemplate(t: string): boolean {
  try {
    const a = new URL(sample(t, 'A1'));
    const b = new URL(sample(t, 'B2'));
    return a.protocol === 'https:' && a.hostname !== '' && a.origin === b.origin && !/\s/.test(t);
  } catch {
    return false;
  }
}

/** A mini-program page path as sendChatMessage takes it: no leading slash, an optional query. */
const MP_PAGE = /^[\w-]+(\/[\w-]+)*(\.html)?(\?[^\s#]*)?$/;

/**
 * What a tenant sets (written by the seed and PUT /api/tenant/product-share), checked strictly;
 * the sidebar reads it back as sidebar.ts `productShare`.
 */
export const productShareSettings = z.object({
  miniprogram: z.nullable(
    z.object({
      appid: z.string().check(z.regex(/^wx[0-9a-f]{16}$/, 'a mini-program appid: wx and 16 hex digits')),
      page: z.string().check(
        z.maxLength(500),
        z.refine((p) => MP_PAGE.test(sample(p, 'A1')), 'a page path such as pages/goods/detail?styleNo={styleNo}'),
        z.refine(placeholdersOk, 'must contain {styleNo} or {productId}, and no other placeholder'),
      ),
    }),
  ),
  linkTemplate: z.nullable(
    z
      .string()
      .check(
        z.maxLength(500),
        z.refine(httpsTemplate, 'an https address such as https://shop.example.com/goods/{styleNo}'),
        z.refine(placeholdersOk, 'must contain {styleNo} or {productId}, and no other placeholder'),
      ),
  ),
});
export type ProductShareSettings = z.infer<typeof productShareSettings>;
