/**
 * Commission on one line: round(baseFen × rateBp / 10000) to the fen, exactly (bigint), halves
 * rounded AWAY FROM ZERO. Away from zero is symmetric, so a refund of a whole sale claws back
 * exactly what the sale earned (12 345 fen at 1% earns 123, its refund −123), where "half up"
 * (towards +∞) would claw back one fen less on every exact half and leave money behind.
 */
export function commissionFen(baseFen: number, rateBp: number): number {
  if (!Number.isSafeInteger(baseFen) || !Number.isSafeInteger(rateBp)) throw new RangeError('fen and bp are integers');
  const p = BigInt(baseFen) * BigInt(rateBp);
  const a = p < 0n ? -p : p;
  const q = (a * 2n + 10_000n) / 20_000n; // floor(a / 10000 + 1/2)
  return Number(p < 0n ? -q : q);
}

/** The arithmetic a receipt shows, e.g. "round(12345 × 300 / 10000) = 370". */
export function arithmetic(baseFen: number, rateBp: number, amountFen: number): string {
  return `round(${baseFen} × ${rateBp} / 10000) = ${amountFen}`;
}
