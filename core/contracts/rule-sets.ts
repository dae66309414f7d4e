/**
 * Rule sets as the admin console reads them (api/routes/attribution.routes.ts serves them): the
 * versions with their parameters and change log, and a proposal's what-if report.
 */
import * as z from 'zod/mini';

export const creditRule = z.enum(['transfer', 'coupon', 'interaction']);
/** Interaction kinds a rule set may count for the window rule (the interaction_kind enum). */
export const INTERACTION_KINDS = [
  'script_send',
  'product_share',
  'coupon_issue',
  'message',
  'customer_added',
  'call',
  'archive_message',
  'transfer',
  'behavior',
  'visit',
] as const;

export const ruleConfig = z.object({
  precedence: z.array(creditRule),
  windowDays: z.number(),
  countedKinds: z.array(z.string()),
});
export type RuleConfigView = z.infer<typeof ruleConfig>;

export const ruleSetVersion = z.object({
  version: z.number(),
  name: z.string(),
  status: z.enum(['proposed', 'active']),
  effectiveFrom: z.string(),
  config: ruleConfig,
  changeNote: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  activatedAt: z.nullable(z.string()),
  activatedBy: z.nullable(z.string()),
});
export type RuleSetVersionView = z.infer<typeof ruleSetVersion>;

export const ruleSetList = z.object({
  versions: z.array(ruleSetVersion),
  changes: z.array(
    z.object({
      version: z.number(),
      action: z.enum(['proposed', 'activated']),
      actor: z.string(),
      note: z.string(),
      at: z.string(),
    }),
  ),
});
export type RuleSetList = z.infer<typeof ruleSetList>;

export const proposeRuleSetResponse = z.object({ version: z.number() });
export const activateRuleSetResponse = z.object({ reattributeOrders: z.number(), reattributeTransfers: z.number() });

const delta = { currentFen: z.number(), proposedFen: z.number(), deltaFen: z.number() };
export const whatIfReport = z.object({
  orders: z.number(),
  changedOwner: z.number(),
  newlyAttributed: z.number(),
  newlyUnattributed: z.number(),
  byGuide: z.array(z.object({ guideId: z.number(), name: z.string(), storeId: z.number(), ...delta })),
  byStore: z.array(z.object({ storeId: z.number(), name: z.string(), ...delta })),
  byRegion: z.array(z.object({ regionId: z.number(), name: z.string(), ...delta })),
});
export type WhatIfReportView = z.infer<typeof whatIfReport>;
