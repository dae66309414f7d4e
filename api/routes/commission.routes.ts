import { z } from 'zod';
import { assertGuide, scopeOf } from '../../core/access/scope';
import { AppError } from '../../core/errors';
import { auditView, listAudit } from '../../core/commission/audit';
import {
  decideDispute,
  decisionSchema,
  disputeView,
  escalateDispute,
  listDisputes,
  raiseDispute,
  raiseDisputeSchema,
} from '../../core/commission/disputes';
import { reconDayView, reconcileDays, reconcileMonth, uncleanDays } from '../../core/commission/reconciliation';
import { exportNames, exportPeriod, publishedExports } from '../../core/commission/exports';
import { addAdjustment, closePeriod, listPeriods, previewPlan, reviewPeriod } from '../../core/commission/periods';
import {
  createPlan,
  listPlans,
  planCategoryRatesSchema,
  planInputSchema,
  planRatesSchema,
  planTiersSchema,
} from '../../core/commission/plans';
import { guideStatement, periodSummary, statementView, summaryRowView } from '../../core/commission/statements';
import { route } from '../http/route';

/** Finance settles; head office may too. */
const FINANCE = ['finance', 'admin'] as const;
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM');
const monthParams = z.object({ month });
const id = z.coerce.number().int().positive();

const planView = z.object({
  id: z.number(),
  version: z.number().int(),
  name: z.string(),
  rates: planRatesSchema,
  categoryRates: planCategoryRatesSchema,
  tiers: planTiersSchema,
  holdDays: z.number().int(),
  effectiveFrom: z.string(),
  changeNote: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});
const periodView = z.object({
  id: z.number(),
  month: z.string(),
  status: z.string(),
  closedAt: z.string().nullable(),
  closedBy: z.string().nullable(),
});
const reason = z.string().trim().min(2).max(256);

export const commissionRoutes = [
  route({
    method: 'get',
    path: '/api/commission/plans',
    auth: FINANCE,
    response: z.array(planView),
    handler: ({ ctx, principal }) => listPlans(ctx.db, principal.corpId),
  }),
  route({
    method: 'post',
    path: '/api/commission/plans',
    auth: FINANCE,
    body: planInputSchema,
    response: planView,
    status: 201,
    handler: ({ ctx, principal, body }) => createPlan(ctx.db, principal.corpId, body, principal.userid),
  }),
  route({
    method: 'post',
    path: '/api/commission/plans/preview',
    auth: FINANCE,
    body: z.object({
      month,
      rates: planRatesSchema,
      categoryRates: planCategoryRatesSchema.default({}),
      tiers: planTiersSchema.default([]),
      holdDays: z.number().int().min(0).max(90).default(7),
    }),
    response: z.object({
      month: z.string(),
      currentPlanVersion: z.number().int(),
      currentFen: z.number().int(),
      proposedFen: z.number().int(),
      rows: z.array(
        z.object({
          guideId: z.number(),
          guideName: z.string(),
          currentFen: z.number().int(),
          proposedFen: z.number().int(),
          deltaFen: z.number().int(),
        }),
      ),
    }),
    handler: ({ ctx, principal, body }) => previewPlan(ctx.db, principal.corpId, body.month, body),
  }),
  route({
    method: 'get',
    path: '/api/commission/periods',
    auth: FINANCE,
    response: z.array(periodView),
    handler: ({ ctx, principal }) => listPeriods(ctx.db, principal.corpId),
  }),
  route({
    method: 'post',
    path: '/api/commission/periods/:month/review',
    auth: FINANCE,
    params: monthParams,
    response: z.object({
      periodId: z.number(),
      month: z.string(),
      reviewId: z.number(),
      totalFen: z.number().int(),
      guides: z.number().int(),
      firstReview: z.boolean(),
      changes: z.array(
        z.object({
          guideId: z.number(),
          beforeFen: z.number().int().nullable(),
          afterFen: z.number().int().nullable(),
          deltaFen: z.number().int(),
        }),
      ),
    }),
    handler: ({ ctx, principal, params }) => reviewPeriod(ctx.db, principal.corpId, params.month, principal.userid),
  }),
  route({
    method: 'post',
    path: '/api/commission/periods/:month/close',
    auth: FINANCE,
    params: monthParams,
    body: z.object({ reason }),
    response: z.object({ periodId: z.number(), lines: z.number().int(), payoutFen: z.number().int() }),
    handler: ({ ctx, principal, params, body }) =>
      closePeriod(ctx.db, principal.corpId, params.month, principal.userid, body.reason),
  }),
  route({
    method: 'get',
    path: '/api/commission/periods/:month/summary',
    auth: FINANCE,
    params: monthParams,
    query: z.object({ level: z.enum(['guide', 'store', 'region', 'corp']).default('store') }),
    response: z.object({ month: z.string(), status: z.string(), rows: z.array(summaryRowView) }),
    handler: ({ ctx, principal, params, query }) => periodSummary(ctx.db, principal.corpId, params.month, query.level),
  }),
  route({
    method: 'get',
    path: '/api/commission/periods/:month/guides/:guideId',
    auth: 'session',
    params: z.object({ month, guideId: id }),
    response: statementView,
    handler: async ({ ctx, principal, params }) => {
      await assertGuide(ctx.db, await scopeOf(ctx.db, principal), params.guideId);
      return guideStatement(ctx.db, principal.corpId, params.month, params.guideId);
    },
  }),
  route({
    method: 'post',
    path: '/api/commission/periods/:month/adjustments',
    auth: FINANCE,
    params: monthParams,
    body: z.object({
      guideId: z.number().int().positive(),
      amountFen: z
        .number()
        .int()
        .refine((v) => v !== 0, 'an adjustment is not zero')
        .refine((v) => Math.abs(v) <= 100_000_000, 'at most ¥1,000,000'),
      reason,
      linksLineId: z.number().int().positive().optional(),
    }),
    response: z.object({ adjustmentId: z.number(), lineId: z.number() }),
    status: 201,
    handler: ({ ctx, principal, params, body }) =>
      addAdjustment(ctx.db, principal.corpId, { month: params.month, ...body }, principal.userid),
  }),
  route({
    method: 'get',
    path: '/api/commission/periods/:month/exports',
    auth: FINANCE,
    params: monthParams,
    response: z.array(z.object({ name: z.string(), sha256: z.string(), bytes: z.number(), publishedAt: z.string() })),
    handler: ({ ctx, principal, params }) => publishedExports(ctx.db, principal.corpId, params.month),
  }),
  route({
    method: 'get',
    path: '/api/commission/periods/:month/exports/:file',
    auth: FINANCE,
    params: z.object({ month, file: z.string().regex(/^[a-z]+\.(csv|xlsx)$/, 'name.csv or name.xlsx') }),
    response: z.unknown(),
    handler: async ({ ctx, principal, params, res }) => {
      const [name, format] = params.file.split('.') as [string, 'csv' | 'xlsx'];
      if (!(exportNames as readonly string[]).includes(name))
        throw new AppError('NOT_FOUND', `exports are ${exportNames.join(', ')}`, { field: 'file' });
      const f = await exportPeriod(
        ctx.db,
        principal.corpId,
        params.month,
        name as (typeof exportNames)[number],
        format,
        principal.userid,
      );
      res.setHeader('Content-Type', f.contentType);
      res.setHeader('Content-Disposition', `attachment; filename="${f.filename}"`);
      res.setHeader('X-Content-SHA256', f.sha256);
      res.setHeader('X-Export-Published', String(f.published));
      res.send(f.body);
      return null;
    },
  }),
  route({
    method: 'get',
    path: '/api/audit',
    auth: FINANCE,
    query: z.object({
      entity: z.string().max(32).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
      beforeId: z.coerce.number().int().positive().optional(),
    }),
    response: z.array(auditView),
    handler: ({ ctx, principal, query }) => listAudit(ctx.db, principal.corpId, query),
  }),
  route({
    method: 'get',
    path: '/api/sidebar/commission/:month',
    auth: ['guide', 'store_manager', 'regional_manager'],
    params: monthParams,
    response: statementView,
    handler: ({ ctx, principal, params }) => {
      if (principal.guideId === null) throw new AppError('FORBIDDEN', 'only a guide has a statement');
      return guideStatement(ctx.db, principal.corpId, params.month, principal.guideId);
    },
  }),

  route({
    method: 'post',
    path: '/api/sidebar/disputes',
    auth: ['guide'],
    body: raiseDisputeSchema,
    response: z.object({ id: z.number() }),
    status: 201,
    handler: ({ ctx, principal, body }) => raiseDispute(ctx.db, principal, body),
  }),
  route({
    method: 'get',
    path: '/api/sidebar/disputes',
    auth: ['guide'],
    response: z.array(disputeView),
    handler: ({ ctx, principal }) => listDisputes(ctx.db, principal, {}),
  }),
  route({
    method: 'get',
    path: '/api/disputes',
    auth: ['store_manager', 'regional_manager', 'finance', 'admin'],
    query: z.object({ status: z.enum(['open', 'accepted', 'rejected']).optional() }),
    response: z.array(disputeView),
    handler: ({ ctx, principal, query }) => listDisputes(ctx.db, principal, query),
  }),
  route({
    method: 'post',
    path: '/api/disputes/:id/escalate',
    auth: ['store_manager', 'admin'],
    params: z.object({ id }),
    body: z.object({ note: reason }),
    response: z.object({ ok: z.literal(true) }),
    handler: async ({ ctx, principal, params, body }) => {
      await escalateDispute(ctx.db, principal, params.id, body.note);
      return { ok: true as const };
    },
  }),
  route({
    method: 'post',
    path: '/api/disputes/:id/decision',
    auth: ['store_manager', 'regional_manager', 'admin'],
    params: z.object({ id }),
    body: decisionSchema,
    response: z.object({ status: z.enum(['accepted', 'rejected']), commissionLineId: z.number().nullable() }),
    handler: ({ ctx, principal, params, body }) => decideDispute(ctx, principal, params.id, body),
  }),
  route({
    method: 'get',
    path: '/api/reconciliation/days',
    auth: FINANCE,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
    response: z.array(reconDayView),
    handler: ({ ctx, principal, query }) => uncleanDays(ctx.db, principal.corpId, query.limit),
  }),
  route({
    method: 'post',
    path: '/api/reconciliation/days/:day',
    auth: FINANCE,
    params: z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD') }),
    response: z.array(reconDayView),
    handler: ({ ctx, principal, params }) =>
      reconcileDays(
        ctx.db,
        principal.corpId,
        params.day,
        new Date(Date.parse(`${params.day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10),
      ),
  }),
  route({
    method: 'get',
    path: '/api/reconciliation/months/:month',
    auth: FINANCE,
    params: monthParams,
    response: z.object({
      month: z.string(),
      unexplainedFen: z.number().int(),
      stores: z.array(
        z.object({
          storeId: z.number(),
          storeName: z.string(),
          totals: reconDayView.shape.totals,
          differences: z.number().int(),
          unexplainedFen: z.number().int(),
        }),
      ),
      differences: z.array(reconDayView.shape.differences.element.extend({ storeId: z.number(), day: z.string() })),
    }),
    handler: ({ ctx, principal, params }) => reconcileMonth(ctx.db, principal.corpId, params.month),
  }),
];
