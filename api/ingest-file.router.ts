import cookieParser from 'cookie-parser';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ingestReport, interactionReport } from '../core/contracts/ingest';
import type { AppContext } from '../core/context';
import { AppError } from '../core/errors';
import { importInteractionsFile, importOrdersFile, type Upload } from '../core/ingest/file-import';
import { session } from './middleware/session';

/**
 * File imports for admin and finance, CSV or XLSX bodies; every row is validated, good rows are
 * kept and the answer lists each bad row by its row number in the sheet. `?batchId=` names the
 * batch; by default it is the file's hash, so uploading the same file twice changes nothing.
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
  const uploadOf = (req: Request, res: Response): Upload => ({
    body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    contentType: req.get('content-type') ?? '',
    batchId: typeof req.query.batchId === 'string' && req.query.batchId ? req.query.batchId : undefined,
    requestId: String(res.locals.requestId),
  });
  const corpOf = (res: Response) => (res.locals.principal as { corpId: number }).corpId;

  r.post('/api/ingest/orders-file', ...upload, async (req, res, next) => {
    try {
      res.json(ingestReport.parse(await importOrdersFile(ctx, corpOf(res), uploadOf(req, res))));
    } catch (err) {
      next(err);
    }
  });
  r.post('/api/ingest/interactions-file', ...upload, async (req, res, next) => {
    try {
      res.json(interactionReport.parse(await importInteractionsFile(ctx, corpOf(res), uploadOf(req, res))));
    } catch (err) {
      next(err);
    }
  });
  return r;
}
