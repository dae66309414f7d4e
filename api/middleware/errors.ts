import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../core/logger';
import { AppError } from '../../core/errors';

/** One mapping from errors to HTTP: AppError → its status and code; anything else → 500 with only the request id. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const requestId = String(res.locals.requestId ?? '');
    if (err instanceof AppError) {
      if (err.status >= 500) logger.error({ err, requestId }, err.message);
      res.status(err.status).json({
        error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}), requestId },
      });
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.parse.failed') {
      res
        .status(400)
        .json({ error: { code: 'VALIDATION_FAILED', message: 'body: not valid JSON', field: 'body', requestId } });
      return;
    }
    if (e?.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'request body too large', requestId } });
      return;
    }
    // Other body-parser refusals (an unsupported charset or encoding, a request aborted mid-body)
    // are the client's: their 4xx with a code, never a 500.
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && typeof e.type === 'string') {
      const code =
        e.status === 415 ? 'UNSUPPORTED_MEDIA' : e.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED';
      res.status(e.status).json({ error: { code, message: e.message ?? e.type, field: 'body', requestId } });
      return;
    }
    logger.error({ err, requestId, path: req.path }, 'unhandled error');
    res
      .status(500)
      .json({ error: { code: 'INTERNAL', message: `internal error; quote request id ${requestId}`, requestId } });
  };
}

export function notFound(req: Request, res: Response): void {
  res.status(404).json({
    error: {
      code: 'NOT_FOUND',
      message: `no route ${req.method} ${req.originalUrl.split('?')[0]}`,
      requestId: String(res.locals.requestId ?? ''),
    },
  });
}
