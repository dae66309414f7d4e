/**
 * Script variables, filled the same way by the sidebar's preview and by the server's suggested
 * pitches. Each variable has one source (the table below); the server resolves the values for
 * one customer (core/guide/variables.ts) and a value it cannot find is null. A variable without
 * a value stays visible as {{name}} in the editable preview and is reported, so nothing
 * half-filled goes out unnoticed; lists show it as a readable blank 【name】, never as {{name}}.
 *
 * | variable   | whose / which object          | value                                   |
 * |------------|-------------------------------|-----------------------------------------|
 * | 称呼       | the customer                  | remark, else 王女士 / 王先生 / full name |
 * | 导购, 门店 | the guide                     | her name, her store                     |
 * | 尺码       | the customer herself          | her size in the product's category (not kids') |
 * | 宝宝月龄   | her baby                      | 8个月 / 1岁2个月 from the baby's birth date |
 * | 宝宝尺码   | her baby                      | her kids' size                          |
 * | 商品       | the product being pitched     | its name                                |
 * | 优惠券     | the coupon the script offers  | its template's name                     |
 * | 券有效期   | the same coupon               | its own expiry date, e.g. 12月29日      |
 * | 券面额     | the same coupon               | 50元 / 8.5折                             |
 *
 * The coupon is the template the script offers (scripts.coupon_template_id), never whatever
 * coupon she happens to hold: her own sent, unexpired coupon of that template if she has one,
 * else the template itself (valid from today for its days). A script naming a coupon variable
 * with no template, or whose template she may not be offered, cannot be filled.
 */
export const SCRIPT_VARIABLES = [
  '称呼',
  '导购',
  '门店',
  '尺码',
  '宝宝月龄',
  '宝宝尺码',
  '商品',
  '优惠券',
  '券有效期',
  '券面额',
] as const;
/** The variables that come from the coupon a script offers. */
export const COUPON_VARIABLES = ['优惠券', '券有效期', '券面额'] as const;
export type CouponVariable = (typeof COUPON_VARIABLES)[number];
export type ScriptVariable = (typeof SCRIPT_VARIABLES)[number];
export type VariableValues = Partial<Record<ScriptVariable, string | null>>;

const VAR = /\{\{\s*([^{}\s]+)\s*\}\}/g;

export function fillVariables(text: string, values: VariableValues): { text: string; missing: string[] } {
  const missing: string[] = [];
  const out = text.replace(VAR, (whole, name: string) => {
    const v = (values as Record<string, string | null | undefined>)[name];
    if (v === undefined || v === null || v === '') {
      if (!missing.includes(name)) missing.push(name);
      return whole;
    }
    return v;
  });
  return { text: out, missing };
}

/** For lists: the filled text with every missing variable shown as a readable blank 【name】, never {{name}}. */
export function previewText(text: string, values: VariableValues): string {
  const { text: filled } = fillVariables(text, values);
  return filled.replace(VAR, (_w, name: string) => `【${name}】`);
}

/** Variables still present in a text (after the guide's edits). */
export function unfilled(text: string): string[] {
  return [...new Set([...text.matchAll(VAR)].map((m) => m[1]!))];
}

/**
 * The values for one script: the customer's own, with the coupon variables from the coupon the
 * script offers (its template's entry in the recommendations), or left empty without one.
 */
export function varsForScript<V extends VariableValues>(
  vars: V,
  coupons: readonly { templateId: number; values: Record<CouponVariable, string> | null }[],
  templateId: number | null,
): V {
  const c = templateId === null ? undefined : coupons.find((x) => x.templateId === templateId)?.values;
  return { ...vars, 优惠券: c?.优惠券 ?? null, 券有效期: c?.券有效期 ?? null, 券面额: c?.券面额 ?? null };
}

/** Every variable a script's texts use, in order of first use. */
export function variablesOf(texts: string[]): string[] {
  return [...new Set(texts.flatMap((t) => unfilled(t)))];
}

/** 王雅琴 → 王女士; a remark the guide set wins. */
export function formOfAddress(name: string, gender: number, remark: string | null): string {
  if (remark && remark.trim()) return remark.trim();
  const surname = name.trim().slice(0, 1);
  if (!surname) return '您';
  if (gender === 2) return `${surname}女士`;
  if (gender === 1) return `${surname}先生`;
  return name.trim();
}
