/**
 * From one order's attribution to the credit lines it should have, and the smallest change from
 * the lines it has. Pure: no I/O, no clock (the posting time is an argument).
 *
 * Lines in a closed period are locked: they are never superseded. Whatever the new attribution
 * would change there is posted as `adjustment` lines in the open period, one per guide whose
 * locked total changes, linked to the locked sale credit they correct. Lines in open periods are
 * replaced (the old ones kept, superseded).
 */
import type { AdjustmentEvidence, BillEvidence, RefundEvidence, SaleEvidence } from './evidence';
import { refundCreditFen, type Attribution, type Candidate, type CreditRule } from './rules';

export type LineKind = 'sale' | 'refund' | 'adjustment';

/** What every credit line carries, planned or stored. */
interface LineFields {
  kind: LineKind;
  guideId: number;
  rule: CreditRule;
  amountFen: number;
  occurredAt: number;
  ruleSetVersion: number;
  refundId: number | null;
  adjustsCreditId: number | null;
}

/** A live line as stored (evidence and candidates as read back from jsonb). */
export interface CurrentLine extends LineFields {
  id: number;
  transferId: number | null;
  evidence: unknown;
  candidates: unknown;
}

/** A line the attribution asks for. */
export interface WantedLine extends LineFields {
  evidence: SaleEvidence | RefundEvidence | AdjustmentEvidence | BillEvidence;
  candidates: Candidate[];
}

export interface RefundFact {
  id: number;
  /** Where the refund was recorded: `transfer` (a WeCom bill's refund record), `pos`, `mall`… */
  source: string;
  /** Natural key (source and refund number): orders refunds at equal times whatever their arrival. */
  key: string;
  at: number;
  amountFen: number;
}

const byTimeThenKey = (x: RefundFact, y: RefundFact) => x.at - y.at || x.key.localeCompare(y.key);

/**
 * The refunds that reverse credit, and the till refunds that only record one of them again. An
 * order paid by a WeCom transfer usually has each refund twice: the bill's refund record (source
 * `transfer`, the money actually returned) and the till's refund of the goods. A till refund of the
 * same amount as a transfer refund record is that refund: taken in time order (then by natural
 * key) on both sides, each transfer record absorbs at most one till refund of its amount. Till
 * refunds left over (a cash refund, a different amount) count on their own.
 */
export function countedRefunds(refunds: RefundFact[]): { counted: RefundFact[]; recordedAgainAs: Map<number, number> } {
  const sorted = [...refunds].sort(byTimeThenKey);
  const open = sorted.filter((r) => r.source === 'transfer');
  const recordedAgainAs = new Map<number, number>();
  const absorbed = new Set<number>();
  for (const r of sorted) {
    if (r.source === 'transfer') continue;
    const k = open.findIndex((t) => t.amountFen === r.amountFen);
    if (k < 0) continue;
    recordedAgainAs.set(open[k]!.id, r.id);
    absorbed.add(r.id);
    open.splice(k, 1);
  }
  return { counted: sorted.filter((r) => !absorbed.has(r.id)), recordedAgainAs };
}

export interface LinePlan {
  unchanged: boolean;
  /** Some of the change landed as adjustment lines because a period is closed. */
  adjusted: boolean;
  supersede: CurrentLine[];
  insert: WantedLine[];
}

/**
 * The sale line and pro-rata refund lines an attribution asks for (the counted refunds in time
 * order, then by natural key; a till refund that records a transfer refund again is named in that
 * refund's evidence and reverses nothing itself).
 */
export function wantedLines(
  a: Attribution,
  order: { netFen: number; paidAt: number },
  refunds: RefundFact[],
  ruleSetVersion: number,
): WantedLine[] {
  if (a.guideId === null || a.rule === null) return [];
  const lines: WantedLine[] = [
    {
      kind: 'sale',
      guideId: a.guideId,
      rule: a.rule,
      amountFen: a.amountFen,
      occurredAt: order.paidAt,
      ruleSetVersion,
      refundId: null,
      adjustsCreditId: null,
      evidence: a.evidence!,
      candidates: a.candidates,
    },
  ];
  const { counted, recordedAgainAs } = countedRefunds(refunds);
  let reversed = 0;
  for (const r of counted) {
    const amt = refundCreditFen(
      { netFen: order.netFen, creditedFen: a.amountFen, alreadyReversedFen: reversed },
      r.amountFen,
    );
    reversed -= amt;
    const again = recordedAgainAs.get(r.id);
    const evidence: RefundEvidence = {
      rule: a.rule,
      refundId: r.id,
      reversesOrderCredit: true,
      ...(again === undefined ? {} : { alsoRecordedAsRefundId: again }),
    };
    if (amt !== 0)
      lines.push({
        kind: 'refund',
        guideId: a.guideId,
        rule: a.rule,
        amountFen: amt,
        occurredAt: r.at,
        ruleSetVersion,
        refundId: r.id,
        adjustsCreditId: null,
        evidence,
        candidates: [],
      });
  }
  return lines;
}

/**
 * JSON with sorted keys: jsonb does not keep key order, so compare canonical forms. Keys whose value
 * is undefined are left out, as JSON leaves them out.
 */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}

/** Identity of a line for "nothing changed": adjustments are compared without their posting time. */
function lineKey(
  l: Omit<WantedLine, 'evidence' | 'candidates'> & {
    evidence: unknown;
    candidates: unknown;
    transferId?: number | null;
  },
): string {
  return [
    l.kind,
    l.guideId,
    l.rule,
    l.amountFen,
    l.kind === 'adjustment' ? '' : l.occurredAt,
    l.ruleSetVersion,
    l.refundId ?? '',
    l.transferId ?? '',
    l.adjustsCreditId ?? '',
    canonical(l.evidence),
    canonical(l.candidates),
  ].join('|');
}

/**
 * Plans the change for one order. `current` are its live lines (including live credits of a
 * transfer bill the order was paid by); `isClosed` says whether a moment falls in a closed period;
 * `postAt` is when adjustment lines are dated (a moment in the open period).
 */
export function planLines(
  want: WantedLine[],
  current: CurrentLine[],
  isClosed: (ms: number) => boolean,
  postAt: number,
): LinePlan {
  const lockedCur = current.filter((l) => isClosed(l.occurredAt));
  const openCur = current.filter((l) => !isClosed(l.occurredAt));
  const wantOpen = want.filter((l) => !isClosed(l.occurredAt));
  const wantLocked = want.filter((l) => isClosed(l.occurredAt));
  const delta = new Map<number, number>();
  for (const l of wantLocked) delta.set(l.guideId, (delta.get(l.guideId) ?? 0) + l.amountFen);
  for (const l of lockedCur) delta.set(l.guideId, (delta.get(l.guideId) ?? 0) - l.amountFen);
  const sale = want.find((l) => l.kind === 'sale');
  const original = [...lockedCur].filter((l) => l.kind === 'sale').sort((a, b) => a.id - b.id)[0] ?? null;
  const adjustments: WantedLine[] = [...delta]
    .filter(([, fen]) => fen !== 0)
    .sort((a, b) => a[0] - b[0])
    .map(([guideId, amountFen]) => {
      const mine = sale && sale.guideId === guideId ? sale : null;
      const lockedRule = lockedCur.filter((l) => l.guideId === guideId).sort((a, b) => a.id - b.id)[0]?.rule;
      return {
        kind: 'adjustment' as const,
        guideId,
        rule: mine?.rule ?? lockedRule ?? sale?.rule ?? 'interaction',
        amountFen,
        occurredAt: postAt,
        ruleSetVersion: sale?.ruleSetVersion ?? original?.ruleSetVersion ?? 1,
        refundId: null,
        adjustsCreditId: original?.id ?? null,
        evidence: {
          adjusts: original?.id ?? null,
          why: amountFen > 0 ? 'credited after its period closed' : 'reversed after its period closed',
          // A wanted sale line carries the attribution's own evidence (wantedLines).
          attribution: mine ? (mine.evidence as SaleEvidence) : null,
        },
        candidates: mine ? mine.candidates : [],
      };
    });
  const insert = [...wantOpen, ...adjustments];
  // Line keys serialise evidence and candidates: only worth building when the counts agree.
  if (openCur.length === insert.length) {
    const have = openCur.map(lineKey).sort();
    const next = insert.map(lineKey).sort();
    if (have.every((k, i) => k === next[i])) return { unchanged: true, adjusted: false, supersede: [], insert: [] };
  }
  return { unchanged: false, adjusted: adjustments.length > 0, supersede: openCur, insert };
}
