import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../core/logger';

/**
 * One log line per request once its response has gone out (or the client went away): request
 * id, method, path, status and milliseconds. Nothing is built when the level is above info —
 * a per-request child logger costs more than a chat-open's own work.
 */
export function accessLog(logger: Logger, ignore: (req: Request) => boolean = () => false) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!logger.isLevelEnabled('info') || ignore(req)) {
      next();
      return;
    }
    const start = performance.now();
    const log = (aborted: boolean) => {
      const line = {
        requestId: res.locals.requestId as string,
        method: req.method,
        // Bounded: a client can send a path of many kilobytes.
        path: req.originalUrl.split('?')[0]!.slice(0, 512),
        status: res.statusCode,
        ms: Math.round(performance.now() - start),
      };
      if (aborted) logger.warn(line, 'request aborted by the client');
      else logger.info(line, 'request completed');
    };
    const onClose = () => log(true);
    res.once('finish', () => {
      res.off('close', onClose);
      log(false);
    });
    res.once('close', onClose);
    next();
  };
}
