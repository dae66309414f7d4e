import { createHash } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AppContext } from '../core/context';
import { AppError } from '../core/errors';
import { ingestInteractions } from '../core/ingest/interaction-import';
import { ingestBatch } from '../core/ingest/pos';
import { text } from '../core/ingest/rows';
import {
  INTERACTION_COLUMNS,
  readSheet,
  rowsToFacts,
  rowsToInteractions,
  sheetLimits,
  type SheetRow,
} from '../core/ingest/sheet';
import { session } from './middleware/session';

/**
 * File imports for admin and finance, CSV or XLSX bodies; every row is validated, good rows are
 * kept and the answer lists each bad row by its row number in the sheet. The batch id defaults to
 * the file's hash, so uploading the same file twice changes nothing.
 *
 * - `POST /api/ingest/orders-file`: orders and refunds (one row per order line).
 * - `POST /api/ingest/interactions-file`: message-archive, call and store-visit records.
 *
 * The caller is authenticated and authorised before a byte of the upload is read; the upload is
 * read with INGEST_FILE_MAX_BYTES (a larger Content-Length is refused before reading), then
 * `readSheet` applies the row and unzipped-size limits.
 */
export function ingestFileRouter(ctx: AppContext): Router {
  const r = express.Router();
  const maxBytes = ctx.cfg.INGEST_FILE_MAX_BYTES;
  const readBody = express.raw({ type: () => true, limit: maxBytes });
  const upload = [
    cookieParser(),
    session(ctx),
    (_req: Request, res: Response, next: NextFunction) => {
      const p = res.locals.principal as { role: string } | null;
      if (!p) return next(new AppError('UNAUTHENTICATED', 'sign in first'));
      if (p.role !== 'admin' && p.role !== 'finance')
        return next(new AppError('FORBIDDEN', 'this needs one of the roles: admin, finance'));
      next();
    },
    (req: Request, res: Response, next: NextFunction) =>
      readBody(req, res, (err?: unknown) => {
        const e = err as { type?: string } | undefined;
        if (e?.type === 'entity.too.large')
          return next(
            new AppError('PAYLOAD_TOO_LARGE', `the file is larger than ${maxBytes} bytes (INGEST_FILE_MAX_BYTES)`, {
              field: 'body',
            }),
          );
        next(err);
      }),
  ];

  /** The upload's rows, the tenant's time zone and the batch id (`?batchId=` or the file's hash). */
  async function readUpload(
    req: Request,
    res: Response,
    columns?: Record<string, string>,
    required?: { field: string; label: string }[],
  ): Promise<{ corpId: number; rows: SheetRow[]; tz: string; batchId: string }> {
    const p = res.locals.principal as { corpId: number };
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (body.length === 0) throw new AppError('VALIDATION_FAILED', 'body: empty file', { field: 'body' });
    const asked = typeof req.query.batchId === 'string' && req.query.batchId ? req.query.batchId : undefined;
    if (asked !== undefined && !text(64).safeParse(asked).success)
      throw new AppError('VALIDATION_FAILED', 'batchId: 1–64 printable characters', { field: 'batchId' });
    const rows = await readSheet(body, req.get('content-type') ?? '', sheetLimits(ctx.cfg), columns, required);
    const corp = await ctx.db('corps').where({ id: p.corpId }).first<{ timezone: string }>('timezone');
    return {
      corpId: p.corpId,
      rows,
      tz: corp?.timezone ?? 'Asia/Shanghai',
      batchId: asked ?? `file-${createHash('sha256').update(body).digest('hex').slice(0, 32)}`,
    };
  }

  r.post('/api/ingest/orders-file', ...upload, async (req, res, next) => {
    try {
      const u = await readUpload(req, res);
      const facts = rowsToFacts(u.rows, u.tz);
      const report = await ingestBatch(
        ctx,
        u.corpId,
        'file',
        { batchId: u.batchId, orders: facts.orders, refunds: facts.refunds },
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
  });

  r.post('/api/ingest/interactions-file', ...upload, async (req, res, next) => {
    try {
      const u = await readUpload(req, res, INTERACTION_COLUMNS, [
        { field: 'external_id', label: '记录号/external_id' },
        { field: 'kind', label: '类型/kind' },
        { field: 'occurred_at', label: '发生时间/occurred_at' },
        { field: 'guide_userid', label: '导购账号/guide_userid' },
      ]);
      const facts = rowsToInteractions(u.rows, u.tz);
      const report = await ingestInteractions(
        ctx,
        u.corpId,
        'interaction-file',
        { batchId: u.batchId, interactions: facts.interactions },
        { rows: facts.rows, problems: facts.problems, requestId: String(res.locals.requestId) },
      );
      res.json(report);
    } catch (err) {
      next(err);
    }
  });
  return r;
}
