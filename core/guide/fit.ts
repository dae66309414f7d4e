/**
 * Who a style fits and when a style is a broken size run (断码). Pure rules with their tables,
 * walked by test/unit/guide-fit.test.ts; the SQL fragments below say the same for the queries
 * that must filter in the database.
 *
 * Audience (products.audience) against the customer (customers.gender: 1 man, 2 woman, 0 unknown):
 *
 * | audience | fits                                                        |
 * |----------|-------------------------------------------------------------|
 * | women    | a woman, or a customer whose gender is unknown              |
 * | men      | a man, or a customer whose gender is unknown                |
 * | unisex   | everyone                                                    |
 * | kids     | a customer with a child (a baby birth date or a kids' size) |
 *
 * Sizes are then matched per category: her own size for adult categories, her child's for kids'.
 *
 * Broken run, per tenant and category (size_runs): a style with stock in the store is broken when
 *
 * | rule                                   | column            | example (shoes, 10 sizes)          |
 * |----------------------------------------|-------------------|------------------------------------|
 * | at most N of the run's sizes are left  | broken_max_left   | 3 → 37, 38, 40 left is broken      |
 * | or one of the run's core sizes is gone | core_sizes        | {37,38,39,40}: 38 sold out → broken |
 *
 * A style with nothing left is not a run at all, and core sizes outside the run are ignored.
 */
export const AUDIENCES = ['women', 'men', 'unisex', 'kids'] as const;
export type Audience = (typeof AUDIENCES)[number];

export function audienceFits(audience: Audience, c: { gender: number; hasChild: boolean }): boolean {
  switch (audience) {
    case 'women':
      return c.gender !== 1;
    case 'men':
      return c.gender !== 2;
    case 'kids':
      return c.hasChild;
    case 'unisex':
      return true;
  }
}

/** The same rule over `products pr` and `customers c` (a child: a baby birth date or a kids' size row). */
export const AUDIENCE_FITS_SQL = `(case pr.audience
  when 'women' then c.gender <> 1
  when 'men' then c.gender <> 2
  when 'kids' then c.baby_birthday is not null or exists (select 1 from customer_sizes ks where ks.customer_id = c.id and ks.category = 'kids')
  else true end)`;

export interface SizeRunRule {
  sizes: string[];
  brokenMaxLeft: number;
  coreSizes: string[];
}
/** A tenant that has not set a category's run: at most 2 sizes left. */
export const DEFAULT_RUN_RULE: Omit<SizeRunRule, 'sizes'> = { brokenMaxLeft: 2, coreSizes: [] };

export function isBrokenRun(rule: SizeRunRule, sizesInStock: string[]): boolean {
  const left = new Set(sizesInStock);
  if (left.size === 0) return false;
  if (left.size <= rule.brokenMaxLeft) return true;
  return rule.coreSizes.some((s) => (rule.sizes.length === 0 || rule.sizes.includes(s)) && !left.has(s));
}

/**
 * The same rule over `per_product pp` (sizes_left, sizes) and `size_runs run` (left-joined).
 * Core sizes outside the run never count, as in isBrokenRun.
 */
export const BROKEN_RUN_SQL = `(pp.sizes_left > 0 and (pp.sizes_left <= coalesce(run.broken_max_left, ${DEFAULT_RUN_RULE.brokenMaxLeft})
  or exists (select 1 from unnest(coalesce(run.core_sizes, '{}'::text[])) core(size) where core.size = any(run.sizes) and not core.size = any(pp.sizes))))`;
