import { createHash } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express, { type Router } from 'express';
import type { AppContext } from '../core/context';
import { AppError } from '../core/errors';
import { ingestBatch } from '../core/ingest/pos';
import { readSheet, rowsToFacts } from '../core/ingest/sheet';
import { session } from './middleware/session';

/**
 * `POST /api/ingest/orders-file` (admin, finance): a CSV or XLSX body. Every row is validated;
 * good orders are kept and the answer lists each bad row by its row number in the sheet.
 * The batch id defaults to the file's hash, so uploading the same file twice changes nothing.
 */
export function ingestFileRouter(ctx: AppContext): Router {
  const r = express.Router();
  r.post(
    '/api/ingest/orders-file',
    cookieParser(),
    session(ctx),
    express.raw({ type: () => true, limit: '20mb' }),
    async (req, res, next) => {
      try {
        const p = res.locals.principal as { corpId: number; role: string } | null;
        if (!p) throw new AppError('UNAUTHENTICATED', 'sign in first');
        if (p.role !== 'admin' && p.role !== 'finance')
          throw new AppError('FORBIDDEN', 'this needs one of the roles: admin, finance');
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        if (body.length === 0) throw new AppError('VALIDATION_FAILED', 'body: empty file', { field: 'body' });
        const rows = await readSheet(body, req.get('content-type') ?? '');
        const corp = await ctx.db('corps').where({ id: p.corpId }).first<{ timezone: string }>('timezone');
        const facts = rowsToFacts(rows, corp?.timezone ?? 'Asia/Shanghai');
        const batchId =
          typeof req.query.batchId === 'string' && req.query.batchId
            ? req.query.batchId.slice(0, 64)
            : `file-${createHash('sha256').update(body).digest('hex').slice(0, 32)}`;
        const report = await ingestBatch(
          ctx,
          p.corpId,
          'file',
          { batchId, orders: facts.orders, refunds: facts.refunds },
          {
            rows: { orders: facts.orderRow, refunds: facts.refundRow },
            problems: facts.problems,
            requestId: String(res.locals.requestId),
          },
        );
        res.json(report);
      } catch (err) {
        next(err);
      }
    },
  );
  return r;
}
