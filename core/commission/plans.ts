import { z } from 'zod';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { recordAudit } from './audit';

const bp = z.number().int().min(0).max(10_000);

/** Rates in basis points per credit rule; `mall` (optional) replaces the rule's rate on mall orders (value model). */
export const planRatesSchema = z.object({
  transfer: bp,
  coupon: bp,
  interaction: bp,
  mall: bp.optional(),
});
/**
 * Rates per product category (optional): a category's rate for a path replaces the path's rate on
 * credit lines of that category; a path it does not name falls back to the path's rate.
 */
export const planCategoryRatesSchema = z
  .record(
    z.string().trim().min(1).max(32),
    z.object({ transfer: bp.optional(), coupon: bp.optional(), interaction: bp.optional(), mall: bp.optional() }),
  )
  .refine((r) => Object.keys(r).length <= 50, { message: 'at most 50 categories' });
/** 阶梯提成: from `fromFen` of monthly credited sales on, `bonusBp` is added to every line of the month. */
export const planTiersSchema = z
  .array(z.object({ fromFen: z.number().int().min(0), bonusBp: bp }))
  .max(20)
  .refine((ts) => ts.every((t, i) => i === 0 || t.fromFen > ts[i - 1]!.fromFen), {
    message: 'tiers rise strictly by fromFen',
  });

export const planInputSchema = z.object({
  name: z.string().min(1).max(64),
  rates: planRatesSchema,
  categoryRates: planCategoryRatesSchema.default({}),
  tiers: planTiersSchema.default([]),
  holdDays: z.number().int().min(0).max(90).default(7),
  /** The first day of the month it takes effect (plans apply to whole months). */
  effectiveFrom: z.string().regex(/^\d{4}-\d{2}-01$/, 'the first day of a month, YYYY-MM-01'),
  changeNote: z.string().min(1).max(500),
});
export type PlanInput = z.infer<typeof planInputSchema>;

export interface Plan {
  id: number;
  version: number;
  name: string;
  rates: z.infer<typeof planRatesSchema>;
  categoryRates: z.infer<typeof planCategoryRatesSchema>;
  tiers: z.infer<typeof planTiersSchema>;
  holdDays: number;
  effectiveFrom: string;
  changeNote: string;
  createdBy: string;
  createdAt: string;
}

interface PlanRow {
  id: number;
  version: number;
  name: string;
  rates: unknown;
  category_rates: unknown;
  tiers: unknown;
  hold_days: number;
  effective_from: string;
  change_note: string;
  created_by: string;
  created_at: Date;
}

const toPlan = (r: PlanRow): Plan => ({
  id: r.id,
  version: r.version,
  name: r.name,
  rates: planRatesSchema.parse(r.rates),
  categoryRates: planCategoryRatesSchema.parse(r.category_rates ?? {}),
  tiers: planTiersSchema.parse(r.tiers),
  holdDays: r.hold_days,
  effectiveFrom: r.effective_from,
  changeNote: r.change_note,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
});

export async function listPlans(db: Db, corpId: number): Promise<Plan[]> {
  const rows = await db('commission_plans')
    .where({ corp_id: corpId })
    .orderBy('version', 'desc')
    .select<PlanRow[]>('*');
  return rows.map(toPlan);
}

/** The plan in force for a month ('YYYY-MM'): the latest effective_from not after the month's first day, then the latest version. */
export async function planForMonth(db: Db, corpId: number, month: string): Promise<Plan> {
  const row = await db('commission_plans')
    .where({ corp_id: corpId })
    .where('effective_from', '<=', `${month}-01`)
    .orderBy([
      { column: 'effective_from', order: 'desc' },
      { column: 'version', order: 'desc' },
    ])
    .first<PlanRow | undefined>('*');
  if (!row) throw new AppError('CONFLICT', `no commission plan is in force for ${month}`, { field: 'month' });
  return toPlan(row);
}

/** The tier bonus a guide's monthly credited sales reach: the highest tier whose fromFen ≤ sales (edge inclusive). */
export function tierBonusBp(tiers: Plan['tiers'], monthlySalesFen: number): number {
  let bonus = 0;
  for (const t of tiers) if (monthlySalesFen >= t.fromFen) bonus = t.bonusBp;
  return bonus;
}

/** The path a line's rate is looked up by: `mall` for a mall order when the plan has a mall rate, else its rule. */
export function ratePath(
  plan: Pick<Plan, 'rates'>,
  rule: 'transfer' | 'coupon' | 'interaction',
  orderSource: string | null,
): 'transfer' | 'coupon' | 'interaction' | 'mall' {
  return orderSource === 'mall' && plan.rates.mall !== undefined ? 'mall' : rule;
}

/**
 * A line's rate: the category's rate for its path when the plan names one, else the path's rate,
 * plus the tier bonus. The SQL in periods.ts (`linesSql`) computes the same for a whole month.
 */
export function rateBp(
  plan: Pick<Plan, 'rates' | 'tiers'> & { categoryRates?: Plan['categoryRates'] },
  rule: 'transfer' | 'coupon' | 'interaction',
  orderSource: string | null,
  monthlySalesFen: number,
  category: string | null = null,
): number {
  const path = ratePath(plan, rule, orderSource);
  const byCategory = category === null ? undefined : plan.categoryRates?.[category]?.[path];
  return (byCategory ?? plan.rates[path] ?? plan.rates[rule]) + tierBonusBp(plan.tiers, monthlySalesFen);
}

/**
 * Adds a plan version. It applies from `effectiveFrom` on; a month already closed is refused — a
 * closed period's lines are locked and a plan change never alters them.
 */
export async function createPlan(
  db: Db,
  corpId: number,
  raw: z.input<typeof planInputSchema>,
  actor: string,
): Promise<Plan> {
  const input: PlanInput = planInputSchema.parse(raw);
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?), ?)', ['commission_plans', corpId]);
    const closed = await trx('commission_periods')
      .where({ corp_id: corpId, status: 'closed' })
      .where('month', '>=', input.effectiveFrom)
      .first<{ month: string } | undefined>('month');
    if (closed)
      throw new AppError('PERIOD_CLOSED', `${closed.month.slice(0, 7)} is closed; a plan can start after it`, {
        field: 'effectiveFrom',
      });
    const { max } = (await trx('commission_plans').where({ corp_id: corpId }).max('version as max').first()) as {
      max: number | null;
    };
    const [row] = await trx('commission_plans')
      .insert({
        corp_id: corpId,
        version: (max ?? 0) + 1,
        name: input.name,
        rates: JSON.stringify(input.rates),
        category_rates: JSON.stringify(input.categoryRates),
        tiers: JSON.stringify(input.tiers),
        hold_days: input.holdDays,
        effective_from: input.effectiveFrom,
        change_note: input.changeNote,
        created_by: actor,
      })
      .returning<PlanRow[]>('*');
    await recordAudit(trx, {
      corpId,
      actor,
      action: 'plan.create',
      entity: 'commission_plan',
      entityId: row!.version,
      detail: { why: input.changeNote, ...input },
    });
    return toPlan(row!);
  });
}
