import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { Config } from '../../core/config/env';

/** WeCom's clients (desktop and web) frame the sidebar from these origins. */
export const WECOM_FRAME_ANCESTORS = ['https://*.work.weixin.qq.com', 'https://work.weixin.qq.com'];

const originOf = (url: string) => new URL(url).origin;

/**
 * Headers for a page WeCom frames and for JSON APIs:
 * - CSP: our own scripts only (plus the sandbox client's bridge when configured), framing only by
 *   WeCom, the sandbox client's origin in the demo and FRAME_ANCESTORS;
 * - nosniff, no referrer beyond the origin, HSTS when the public URL is https;
 * - `Cache-Control: no-store` on every API answer: they carry customer data.
 */
export function securityHeaders(cfg: Config) {
  const bridge = cfg.WECOM_JS_BRIDGE_URL ? [originOf(cfg.WECOM_JS_BRIDGE_URL)] : [];
  const framers = [...WECOM_FRAME_ANCESTORS, ...bridge, ...(cfg.FRAME_ANCESTORS ?? []).map(originOf)];
  const https = cfg.publicUrl.startsWith('https:');
  const h = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...bridge],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', 'https:', ...bridge],
        connectSrc: ["'self'"],
        // Vant's icon font is served from Alibaba's CDN (its stylesheet names //at.alicdn.com).
        fontSrc: ["'self'", 'data:', 'at.alicdn.com'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'", ...framers],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // The page lives in another origin's frame: X-Frame-Options cannot name several framers; CSP does.
    xFrameOptions: false,
    // Product images and avatars come from WeCom's CDNs.
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-site' },
    strictTransportSecurity: https ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path.startsWith('/api/') || req.path.startsWith('/webhooks/') || req.path.startsWith('/wecom/'))
      res.setHeader('Cache-Control', 'no-store');
    h(req, res, next);
  };
}
