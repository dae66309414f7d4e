import { z } from 'zod';
import type { Db } from '../db/knex';
import { DEFAULT_RULES, type RuleConfig } from './rules';

export const ruleConfigSchema = z.object({
  precedence: z.array(z.enum(['transfer', 'coupon', 'interaction'])).min(1),
  windowDays: z.number().int().min(1).max(90),
  countedKinds: z.array(z.string()).min(1),
});

export interface RuleSetVersion {
  version: number;
  effectiveFrom: number;
  config: RuleConfig;
}

/** The corp's rule sets, oldest first; version 1 (the default) is created when there is none. */
export async function loadRuleSets(db: Db, corpId: number): Promise<RuleSetVersion[]> {
  let rows = await db('rule_sets').where({ corp_id: corpId }).orderBy('effective_from').select<{ version: number; effective_from: Date; config: unknown }[]>('version', 'effective_from', 'config');
  if (rows.length === 0) {
    await db('rule_sets')
      .insert({ corp_id: corpId, version: 1, name: '默认规则', effective_from: new Date('2000-01-01T00:00:00Z'), config: JSON.stringify({ ...DEFAULT_RULES, precedence: ['transfer', ...DEFAULT_RULES.precedence] }), change_note: 'default', created_by: 'system' })
      .onConflict(['corp_id', 'version'])
      .ignore();
    rows = await db('rule_sets').where({ corp_id: corpId }).orderBy('effective_from').select('version', 'effective_from', 'config');
  }
  return rows.map((r) => {
    const c = ruleConfigSchema.parse(r.config);
    return { version: r.version, effectiveFrom: r.effective_from.getTime(), config: { precedence: c.precedence.filter((p): p is 'coupon' | 'interaction' => p !== 'transfer'), windowDays: c.windowDays, countedKinds: c.countedKinds } };
  });
}

/** The rule set in force at a moment: the latest whose effective_from is not after it. */
export function ruleSetAt(sets: RuleSetVersion[], at: number): RuleSetVersion {
  let pick = sets[0]!;
  for (const s of sets) if (s.effectiveFrom <= at) pick = s;
  return pick;
}
