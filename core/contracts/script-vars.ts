/**
 * Script variables ({{称呼}} {{导购}} {{门店}} {{尺码}} {{商品}} {{优惠券}}), filled the same way
 * by the sidebar's preview and by the server's suggested pitches. A variable without a value
 * stays visible as {{name}} and is reported, so nothing half-filled goes out unnoticed.
 */
export const SCRIPT_VARIABLES = ['称呼', '导购', '门店', '尺码', '商品', '优惠券'] as const;
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

/** Variables still present in a text (after the guide's edits). */
export function unfilled(text: string): string[] {
  return [...new Set([...text.matchAll(VAR)].map((m) => m[1]!))];
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
