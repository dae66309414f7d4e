import type { Response } from 'express';
import { z } from 'zod';
import type { Role } from '../../core/auth/principal';
import {
  boardVersion,
  guideOrdersBoard,
  incrementalityBoard,
  levelBoard,
  levelBoardJson,
  rankingsBoard,
  rankingsBoardJson,
  tenantZone,
  trendBoardJson,
} from '../../core/boards/boards';
import {
  boardTable,
  incrementalityTable,
  ordersTable,
  rankingsTable,
  targetsTable,
  toCsv,
  toXlsx,
  type Table,
} from '../../core/boards/export';
import { listTargets, setTarget } from '../../core/boards/targets';
import * as c from '../../core/contracts/boards';
import type { PreparedJson } from '../../core/http/prepared-json';
import { scopeOf } from '../../core/access/scope';
import { route } from '../http/route';

/** Everyone who reads boards of a whole store or more; guides read only their own orders. */
const MANAGERS: readonly Role[] = ['store_manager', 'regional_manager', 'head_office', 'finance', 'admin'];

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD');
const rangeQuery = z.object({ from: day, to: day, format: z.enum(['json', 'csv', 'xlsx']).default('json') });
const id = z.coerce.number().int().positive();

/** JSON by default; `format=csv|xlsx` sends the board's table as a file instead. */
async function respond<T>(res: Response, format: 'json' | 'csv' | 'xlsx', data: T, table: (d: T) => Table): Promise<T> {
  if (format === 'json') return data;
  await sendTable(res, format, table(data));
  return data;
}

/** A cached board: its kept JSON answer, or its table as a file (computed afresh). */
async function cached<T>(
  res: Response,
  format: 'json' | 'csv' | 'xlsx',
  json: () => Promise<PreparedJson<T>>,
  data: () => Promise<T>,
  table: (d: T) => Table,
): Promise<PreparedJson<T> | T> {
  return format === 'json' ? json() : respond(res, format, await data(), table);
}

async function sendTable(res: Response, format: 'csv' | 'xlsx', t: Table): Promise<void> {
  const name = encodeURIComponent(t.name.replace(/[\\/:*?"<>|~ ]+/g, '_'));
  if (format === 'csv') {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="board.csv"; filename*=UTF-8''${name}.csv`);
    res.send(toCsv(t));
  } else {
    res.setHeader('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.setHeader('Content-Disposition', `attachment; filename="board.xlsx"; filename*=UTF-8''${name}.xlsx`);
    res.send(await toXlsx(t));
  }
}

export const boardRoutes = [
  route({
    method: 'get',
    path: '/api/boards/me',
    auth: 'session',
    response: z.object({
      name: z.string(),
      role: z.enum(['guide', 'store_manager', 'regional_manager', 'head_office', 'finance', 'admin']),
      level: z.enum(['corp', 'region', 'store', 'guide']),
      guideId: z.number().nullable(),
      storeIds: z.array(z.number()),
      regionIds: z.array(z.number()),
      timezone: z.string(),
    }),
    handler: async ({ ctx, principal }) => {
      const s = await scopeOf(ctx.db, principal);
      const timezone = await tenantZone(ctx.db, principal.corpId);
      return {
        name: principal.name,
        role: principal.role,
        level: s.level,
        guideId: principal.guideId,
        storeIds: s.level === 'corp' ? [] : s.storeIds,
        regionIds: s.level === 'region' ? s.regionIds : [],
        timezone,
      };
    },
  }),
  route({
    method: 'get',
    path: '/api/boards/regions',
    auth: MANAGERS,
    query: rangeQuery,
    response: c.board,
    handler: async ({ ctx, principal, query, res }) =>
      cached(
        res,
        query.format,
        () => levelBoardJson(ctx, principal, 'region', null, query),
        () => levelBoard(ctx, principal, 'region', null, query),
        boardTable,
      ),
  }),
  route({
    method: 'get',
    path: '/api/boards/regions/:regionId/stores',
    auth: MANAGERS,
    params: z.object({ regionId: id }),
    query: rangeQuery,
    response: c.board,
    handler: async ({ ctx, principal, params, query, res }) =>
      cached(
        res,
        query.format,
        () => levelBoardJson(ctx, principal, 'store', params.regionId, query),
        () => levelBoard(ctx, principal, 'store', params.regionId, query),
        boardTable,
      ),
  }),
  route({
    method: 'get',
    path: '/api/boards/stores/:storeId/guides',
    auth: MANAGERS,
    params: z.object({ storeId: id }),
    query: rangeQuery,
    response: c.board,
    handler: async ({ ctx, principal, params, query, res }) =>
      cached(
        res,
        query.format,
        () => levelBoardJson(ctx, principal, 'guide', params.storeId, query),
        () => levelBoard(ctx, principal, 'guide', params.storeId, query),
        boardTable,
      ),
  }),
  route({
    method: 'get',
    path: '/api/boards/guides/:guideId/orders',
    auth: 'session',
    params: z.object({ guideId: id }),
    query: rangeQuery,
    response: c.guideOrders,
    handler: async ({ ctx, principal, params, query, res }) =>
      respond(res, query.format, await guideOrdersBoard(ctx, principal, params.guideId, query), ordersTable),
  }),
  route({
    method: 'get',
    path: '/api/boards/stores/:storeId/incrementality',
    auth: MANAGERS,
    params: z.object({ storeId: id }),
    query: rangeQuery,
    response: c.incrementality,
    handler: async ({ ctx, principal, params, query, res }) =>
      respond(res, query.format, await incrementalityBoard(ctx, principal, params.storeId, query), incrementalityTable),
  }),
  route({
    method: 'get',
    path: '/api/boards/trend',
    auth: 'session',
    query: z.object({
      from: day,
      to: day,
      level: z.enum(['region', 'store', 'guide']).optional(),
      id: id.optional(),
    }),
    response: c.trend,
    handler: async ({ ctx, principal, query }) =>
      trendBoardJson(ctx, principal, query.level && query.id ? { level: query.level, id: query.id } : null, query),
  }),
  route({
    method: 'get',
    path: '/api/boards/rankings',
    auth: MANAGERS,
    query: rangeQuery,
    response: c.rankings,
    handler: async ({ ctx, principal, query, res }) =>
      cached(
        res,
        query.format,
        () => rankingsBoardJson(ctx, principal, query),
        () => rankingsBoard(ctx, principal, query),
        rankingsTable,
      ),
  }),
  route({
    method: 'get',
    path: '/api/boards/targets',
    auth: MANAGERS,
    query: z.object({
      month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM'),
      level: z.enum(['guide', 'store', 'region']),
      parentId: id.optional(),
      format: z.enum(['json', 'csv', 'xlsx']).default('json'),
    }),
    response: c.targets,
    handler: async ({ ctx, principal, query, res }) =>
      respond(res, query.format, await listTargets(ctx, principal, query), targetsTable),
  }),
  route({
    method: 'put',
    path: '/api/boards/targets',
    auth: MANAGERS,
    body: z.object({
      level: z.enum(['guide', 'store', 'region']),
      id: z.number().int().positive(),
      month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM'),
      amountFen: z.number().int().min(0).max(100_000_000_000),
    }),
    response: z.object({ amountFen: z.number().int(), previousFen: z.number().int().nullable() }),
    handler: async ({ ctx, principal, body, requestId }) => setTarget(ctx, principal, body, requestId),
  }),
  route({
    method: 'get',
    path: '/api/boards/version',
    auth: 'session',
    response: c.boardVersion,
    handler: async ({ ctx, principal }) => boardVersion(ctx, principal),
  }),
];
