/**
 * Versioned rule sets per tenant. A version is proposed, then activated; only active versions
 * judge orders, each order by the version in effect at its paid_at (the active version with the
 * latest effective_from not after it). Every proposal and activation lands in the change log.
 */
import { z } from 'zod';
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { recordAudit } from '../commission/audit';
import { AppError } from '../errors';
import { enqueueAttribution, owe, requestAttribution } from './outbox';
import { CREDIT_RULES, DEFAULT_RULES, type RuleConfig } from './rules';

export const ruleConfigSchema = z.object({
  precedence: z
    .array(z.enum(CREDIT_RULES as ['transfer', 'coupon', 'interaction']))
    .min(1)
    .max(3)
    .refine((p) => new Set(p).size === p.length, 'each rule at most once'),
  windowDays: z.number().int().min(1).max(90),
  countedKinds: z.array(z.string().min(1).max(32)).min(1).max(20),
  /** Where a handed-over customer's open windows go (rules.ts; absent: the successor). */
  handoverWindows: z.enum(['successor', 'nobody']).optional(),
});

export interface RuleSetVersion {
  version: number;
  effectiveFrom: number;
  config: RuleConfig;
}

const DEFAULT_FROM = new Date('2000-01-01T00:00:00Z');

/** The corp's active rule sets, oldest first; version 1 (the default) is created when there is none. */
export async function loadRuleSets(db: Db, corpId: number): Promise<RuleSetVersion[]> {
  const read = () =>
    db('rule_sets')
      .where({ corp_id: corpId, status: 'active' })
      .orderBy(['effective_from', 'version'])
      .select<{ version: number; effective_from: Date; config: unknown }[]>('version', 'effective_from', 'config');
  let rows = await read();
  if (rows.length === 0) {
    await db('rule_sets')
      .insert({
        corp_id: corpId,
        version: 1,
        name: '默认规则',
        effective_from: DEFAULT_FROM,
        config: JSON.stringify(DEFAULT_RULES),
        change_note: 'default',
        created_by: 'system',
        status: 'active',
      })
      .onConflict(['corp_id', 'version'])
      .ignore();
    rows = await read();
  }
  return rows.map((r) => ({
    version: r.version,
    effectiveFrom: r.effective_from.getTime(),
    config: ruleConfigSchema.parse(r.config),
  }));
}

/** The rule set in force at a moment: the latest whose effective_from is not after it. */
export function ruleSetAt(sets: RuleSetVersion[], at: number): RuleSetVersion {
  let pick = sets[0]!;
  for (const s of sets) if (s.effectiveFrom <= at) pick = s;
  return pick;
}

export interface RuleSetView {
  version: number;
  name: string;
  status: 'proposed' | 'active';
  effectiveFrom: string;
  config: RuleConfig;
  changeNote: string;
  createdBy: string;
  createdAt: string;
  activatedAt: string | null;
  activatedBy: string | null;
}

export interface RuleSetChange {
  version: number;
  action: 'proposed' | 'activated';
  actor: string;
  note: string;
  at: string;
}

export async function listRuleSets(
  db: Db,
  corpId: number,
): Promise<{ versions: RuleSetView[]; changes: RuleSetChange[] }> {
  await loadRuleSets(db, corpId);
  const rows = await db('rule_sets').where({ corp_id: corpId }).orderBy('version').select<
    {
      version: number;
      name: string;
      status: 'proposed' | 'active';
      effective_from: Date;
      config: unknown;
      change_note: string;
      created_by: string;
      created_at: Date;
      activated_at: Date | null;
      activated_by: string | null;
    }[]
  >('version', 'name', 'status', 'effective_from', 'config', 'change_note', 'created_by', 'created_at', 'activated_at', 'activated_by');
  const changes = await db('rule_set_changes')
    .where({ corp_id: corpId })
    .orderBy('id')
    .select<{ version: number; action: 'proposed' | 'activated'; actor: string; note: string; at: Date }[]>(
      'version',
      'action',
      'actor',
      'note',
      'at',
    );
  return {
    versions: rows.map((r) => ({
      version: r.version,
      name: r.name,
      status: r.status,
      effectiveFrom: r.effective_from.toISOString(),
      config: ruleConfigSchema.parse(r.config),
      changeNote: r.change_note,
      createdBy: r.created_by,
      createdAt: r.created_at.toISOString(),
      activatedAt: r.activated_at?.toISOString() ?? null,
      activatedBy: r.activated_by,
    })),
    changes: changes.map((c) => ({
      version: c.version,
      action: c.action,
      actor: c.actor,
      note: c.note,
      at: c.at.toISOString(),
    })),
  };
}

/** A new version, not yet in force. */
export async function proposeRuleSet(
  db: Db,
  corpId: number,
  actor: string,
  input: { name: string; effectiveFrom: Date; config: RuleConfig; note: string },
  requestId?: string,
): Promise<number> {
  const config = ruleConfigSchema.parse(input.config);
  await loadRuleSets(db, corpId);
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`rule_sets:${corpId}`]);
    const max = await trx('rule_sets').where({ corp_id: corpId }).max<{ v: number | null }>('version as v').first();
    const version = (max?.v ?? 0) + 1;
    await trx('rule_sets').insert({
      corp_id: corpId,
      version,
      name: input.name,
      effective_from: input.effectiveFrom,
      config: JSON.stringify(config),
      change_note: input.note,
      created_by: actor,
      status: 'proposed',
    });
    await trx('rule_set_changes').insert({
      corp_id: corpId,
      version,
      action: 'proposed',
      actor,
      note: input.note,
      detail: JSON.stringify({ effectiveFrom: input.effectiveFrom.toISOString(), config }),
    });
    await recordAudit(trx, {
      corpId,
      actor,
      action: 'rule_set.propose',
      entity: 'rule_set',
      entityId: version,
      detail: { why: input.note, name: input.name, effectiveFrom: input.effectiveFrom.toISOString(), config },
      requestId,
    });
    return version;
  });
}

/**
 * Puts a proposed version in force. Orders (and stand-alone transfer bills) paid from its
 * effective date on are re-attributed by the workers; those in closed periods get adjustment lines.
 */
export async function activateRuleSet(
  ctx: AppContext,
  corpId: number,
  actor: string,
  version: number,
  note: string,
  requestId?: string,
): Promise<{ reattributeOrders: number; reattributeTransfers: number }> {
  const reason = `rule set version ${version} activated`;
  const owed = await ctx.db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`rule_sets:${corpId}`]);
    const rs = await trx('rule_sets')
      .where({ corp_id: corpId, version })
      .forUpdate()
      .first<{ status: string; effective_from: Date } | undefined>('status', 'effective_from');
    if (!rs) throw new AppError('NOT_FOUND', `no rule set version ${version}`);
    if (rs.status !== 'proposed') throw new AppError('CONFLICT', `rule set version ${version} is already ${rs.status}`);
    await trx('rule_sets')
      .where({ corp_id: corpId, version })
      .update({ status: 'active', activated_at: trx.fn.now(), activated_by: actor });
    await trx('rule_set_changes').insert({
      corp_id: corpId,
      version,
      action: 'activated',
      actor,
      note,
      detail: JSON.stringify({ effectiveFrom: rs.effective_from.toISOString() }),
    });
    await recordAudit(trx, {
      corpId,
      actor,
      action: 'rule_set.activate',
      entity: 'rule_set',
      entityId: version,
      detail: { why: note, effectiveFrom: rs.effective_from.toISOString() },
      requestId,
    });
    // What the version covers is owed a re-attribution, recorded with the activation itself.
    const orderIds = await trx('orders')
      .where({ corp_id: corpId })
      .where('paid_at', '>=', rs.effective_from)
      .orderBy('id')
      .pluck<number[]>('id');
    const transferIds = await trx('transfers')
      .where({ corp_id: corpId })
      .where('pay_time', '>=', rs.effective_from)
      .orderBy('id')
      .pluck<number[]>('id');
    const cause = { kind: 'rule_set', id: String(version) } as const;
    const o = [...owe('order', orderIds.map(Number), cause), ...owe('transfer', transferIds.map(Number), cause)];
    await requestAttribution(trx, corpId, o, reason, { queued: true });
    return o;
  });
  await enqueueAttribution(ctx, corpId, owed, reason);
  return {
    reattributeOrders: owed.filter((o) => o.subject === 'order').length,
    reattributeTransfers: owed.filter((o) => o.subject === 'transfer').length,
  };
}
