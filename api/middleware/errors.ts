import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../core/logger';
import { AppError, type ErrorCode, isDependencyDown } from '../../core/errors';
import { WecomError } from '../../core/wecom/wecom-error';

/** Seconds a client is told to wait when a dependency is down. */
const RETRY_AFTER_DOWN_S = 5;

const send = (res: Response, status: number, code: ErrorCode | 'INTERNAL', message: string, field?: string) => {
  // A handler may have set another type before it failed (text/plain for WeCom's echostr).
  res
    .status(status)
    .type('application/json')
    .json({
      error: { code, message, ...(field ? { field } : {}), requestId: String(res.locals.requestId ?? '') },
    });
};

/** body-parser / router errors a client caused, by their `type` (body-parser) or status (http-errors). */
function clientMistake(err: unknown): { status: number; code: ErrorCode; message: string; field?: string } | null {
  const e = err as { type?: unknown; status?: unknown; statusCode?: unknown; expose?: unknown; code?: unknown };
  if (e?.type === 'entity.parse.failed')
    return { status: 400, code: 'VALIDATION_FAILED', message: 'body: not valid JSON', field: 'body' };
  if (e?.type === 'entity.too.large')
    return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'request body too large', field: 'body' };
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return { status: 415, code: 'UNSUPPORTED_MEDIA', message: 'unsupported body encoding or charset', field: 'body' };
  if (err instanceof URIError)
    return { status: 400, code: 'VALIDATION_FAILED', message: 'the path is not valid %-encoding', field: 'path' };
  // csv-parse: an unterminated quote, ragged rows… (the file is the client's).
  if (typeof e?.code === 'string' && e.code.startsWith('CSV_'))
    return {
      status: 400,
      code: 'VALIDATION_FAILED',
      message: `body: not a readable CSV file (${e.code})`,
      field: 'body',
    };
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 0;
  if (status >= 400 && status < 500 && e?.expose !== false) {
    const code: ErrorCode =
      status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA' : 'VALIDATION_FAILED';
    return { status: code === 'VALIDATION_FAILED' ? 400 : status, code, message: 'malformed request' };
  }
  return null;
}

/**
 * One mapping from errors to HTTP: AppError → its status and code; a client's mistake caught by
 * Express or a parser → 4xx with a code; a dependency down → 503 with Retry-After; anything else
 * → 500 with only the request id.
 */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const requestId = String(res.locals.requestId ?? '');
    if (res.headersSent) {
      logger.warn({ err, requestId }, 'error after the response started');
      res.destroy();
      return;
    }
    if (err instanceof AppError) {
      if (err.status >= 500) logger.error({ err, requestId }, err.message);
      if (err.code === 'SERVICE_UNAVAILABLE' && !res.getHeader('Retry-After'))
        res.setHeader('Retry-After', String(RETRY_AFTER_DOWN_S));
      send(res, err.status, err.code, err.message, err.field);
      return;
    }
    const mistake = clientMistake(err);
    if (mistake) {
      send(res, mistake.status, mistake.code, mistake.message, mistake.field);
      return;
    }
    // WeCom refused or did not answer: an upstream failure, never the client's, never ours to hide.
    if (err instanceof WecomError) {
      logger.warn({ err, requestId, path: req.path }, 'WeCom call failed');
      send(res, 502, 'WECOM_ERROR', `WeCom did not complete the request (errcode ${err.errcode}); try again`);
      return;
    }
    if (isDependencyDown(err)) {
      logger.warn({ err, requestId, path: req.path }, 'a dependency is down');
      res.setHeader('Retry-After', String(RETRY_AFTER_DOWN_S));
      send(res, 503, 'SERVICE_UNAVAILABLE', 'a service this needs is unavailable; retry shortly');
      return;
    }
    logger.error({ err, requestId, path: req.path }, 'unhandled error');
    send(res, 500, 'INTERNAL', `internal error; quote request id ${requestId}`);
  };
}

export function notFound(req: Request, res: Response): void {
  send(res, 404, 'NOT_FOUND', `no route ${req.method} ${req.originalUrl.split('?')[0]!.slice(0, 200)}`);
}
