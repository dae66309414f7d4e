/** Yuan strings to integer fen, exactly: "12.3" → 1230, "1,234.50" → 123450. Never through floats. */
export function yuanToFen(input: string | number): number | null {
  const s = String(input)
    .trim()
    .replace(/,(?=\d{3}(\D|$))/g, '');
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Mainland mobile numbers: +86 / 0086 / spaces / dashes stripped; 11 digits starting with 1. */
export function normalizePhone(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '').replace(/^(\+?86|0086)/, '');
  return /^1[3-9]\d{9}$/.test(digits) ? digits : null;
}

/** A normalised mobile number as shown to people: 13800138000 → 138****8000. */
export function maskPhone(normalized: string): string {
  return `${normalized.slice(0, 3)}****${normalized.slice(7)}`;
}
