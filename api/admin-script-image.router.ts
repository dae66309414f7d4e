import cookieParser from 'cookie-parser';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Principal } from '../core/auth/principal';
import { SCRIPT_IMAGE_MAX_BYTES, uploadScriptImage } from '../core/admin/scripts';
import { scriptImage } from '../core/contracts/admin-scripts';
import type { AppContext } from '../core/context';
import { AppError } from '../core/errors';
import { session } from './middleware/session';

/** The upload path of a script's image part (the raw router and its body rule share it). */
export const SCRIPT_IMAGE_PATH = '/api/admin/script-images';

/**
 * `POST /api/admin/script-images?filename=…` with the image itself as the body (`Content-Type:
 * image/png` or `image/jpeg`, at most WeCom's 10 MB): stored, uploaded to WeCom (media/upload),
 * and answered with the asset id a script's image part names. The caller is an admin, checked
 * before a byte is read (api/middleware/body-guards.ts).
 */
export function adminScriptImageRouter(ctx: AppContext): Router {
  const r = express.Router();
  const readBody = express.raw({ type: () => true, limit: SCRIPT_IMAGE_MAX_BYTES });
  r.post(
    SCRIPT_IMAGE_PATH,
    cookieParser(),
    session(ctx),
    (_req: Request, res: Response, next: NextFunction) => {
      const p = res.locals.principal as Principal | null;
      if (!p) return next(new AppError('UNAUTHENTICATED', 'sign in first'));
      if (p.role !== 'admin') return next(new AppError('FORBIDDEN', 'this needs one of the roles: admin'));
      next();
    },
    (req: Request, res: Response, next: NextFunction) =>
      readBody(req, res, (err?: unknown) => {
        if ((err as { type?: string } | undefined)?.type === 'entity.too.large')
          return next(
            new AppError('PAYLOAD_TOO_LARGE', 'an image is at most 10 MB (WeCom’s limit)', { field: 'body' }),
          );
        next(err);
      }),
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        const out = await uploadScriptImage(
          ctx,
          res.locals.principal as Principal,
          {
            filename: typeof req.query.filename === 'string' ? req.query.filename.slice(0, 128) : 'image',
            contentType: req.get('content-type') ?? '',
            body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
          },
          String(res.locals.requestId),
        );
        res.status(201).json(scriptImage.parse(out));
      } catch (err) {
        next(err);
      }
    },
  );
  return r;
}
