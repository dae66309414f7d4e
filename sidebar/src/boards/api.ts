import * as z from 'zod/mini';
import * as c from '../../../core/contracts/boards';
import * as fin from '../../../core/contracts/commission';
import { request } from './http';

export { BoardError } from './http';

const call = request;

export const me = z.object({
  name: z.string(),
  role: z.string(),
  level: z.enum(['corp', 'region', 'store', 'guide']),
  guideId: z.nullable(z.number()),
  storeIds: z.array(z.number()),
  regionIds: z.array(z.number()),
  timezone: z.string(),
});
export type Me = z.infer<typeof me>;

export interface Range {
  from: string;
  to: string;
}
const qs = (r: Range) => `from=${r.from}&to=${r.to}`;

export const boardUrl = (level: c.BoardLevel, id: number | null, r: Range) =>
  level === 'region'
    ? `/api/boards/regions?${qs(r)}`
    : level === 'store'
      ? `/api/boards/regions/${id}/stores?${qs(r)}`
      : `/api/boards/stores/${id}/guides?${qs(r)}`;

export const api = {
  me: () => call(me, '/api/boards/me'),
  board: (level: c.BoardLevel, id: number | null, r: Range) => call(c.board, boardUrl(level, id, r)),
  trend: (r: Range, subject: { level: c.BoardLevel; id: number } | null) =>
    call(c.trend, `/api/boards/trend?${qs(r)}${subject ? `&level=${subject.level}&id=${subject.id}` : ''}`),
  rankings: (r: Range) => call(c.rankings, `/api/boards/rankings?${qs(r)}`),
  orders: (guideId: number, r: Range) => call(c.guideOrders, `/api/boards/guides/${guideId}/orders?${qs(r)}`),
  ordersUrl: (guideId: number, r: Range) => `/api/boards/guides/${guideId}/orders?${qs(r)}`,
  incrementality: (storeId: number, r: Range) =>
    call(c.incrementality, `/api/boards/stores/${storeId}/incrementality?${qs(r)}`),
  targets: (month: string, level: 'region' | 'store' | 'guide', parentId: number | null) =>
    call(c.targets, `/api/boards/targets?month=${month}&level=${level}${parentId ? `&parentId=${parentId}` : ''}`),
  setTarget: (body: { level: 'region' | 'store' | 'guide'; id: number; month: string; amountFen: number }) =>
    call(z.object({ amountFen: z.number(), previousFen: z.nullable(z.number()) }), '/api/boards/targets', {
      method: 'PUT',
      body,
    }),
  version: () => call(c.boardVersion, '/api/boards/version'),
  trail: (orderId: number) => call(trail, `/api/attribution/orders/${orderId}/trail`),
  // Finance console and disputes.
  periods: () => call(fin.periods, '/api/commission/periods'),
  summary: (month: string) => call(fin.summary, `/api/commission/periods/${month}/summary?level=guide`),
  review: (month: string) => call(fin.review, `/api/commission/periods/${month}/review`, { method: 'POST' }),
  close: (month: string, reason: string) =>
    call(fin.closeResult, `/api/commission/periods/${month}/close`, { body: { reason } }),
  adjust: (month: string, body: { guideId: number; amountFen: number; reason: string }) =>
    call(fin.adjustResult, `/api/commission/periods/${month}/adjustments`, { body }),
  exportUrl: (month: string, file: string) => `/api/commission/periods/${month}/exports/${file}`,
  disputes: (status?: 'open') => call(fin.disputes, `/api/disputes${status ? `?status=${status}` : ''}`),
  decide: (id: number, body: { decision: 'approve' | 'reject'; reason: string; approvedFen?: number }) =>
    call(fin.decisionResult, `/api/disputes/${id}/decision`, { body }),
  escalate: (id: number, note: string) =>
    call(z.object({ ok: z.literal(true) }), `/api/disputes/${id}/escalate`, { body: { note } }),
  uncleanDays: () => call(fin.uncleanDays, '/api/reconciliation/days'),
};

const trailLine = z.object({
  id: z.number(),
  kind: z.string(),
  guideName: z.string(),
  rule: z.string(),
  amountFen: z.number(),
  ruleSetVersion: z.number(),
  occurredAt: z.string(),
  candidates: z.array(z.object({ guideName: z.nullable(z.string()), rule: z.string(), lostBecause: z.string() })),
  supersededAt: z.nullable(z.string()),
  events: z.array(z.object({ event: z.string(), reason: z.string(), at: z.string() })),
});
export const trail = z.object({
  order: z.object({ id: z.number(), orderNo: z.string(), paidAt: z.string(), netFen: z.number() }),
  live: z.array(trailLine),
  history: z.array(trailLine),
  decisions: z.array(z.object({ at: z.string(), summary: z.string(), reason: z.string() })),
});
export type Trail = z.infer<typeof trail>;
