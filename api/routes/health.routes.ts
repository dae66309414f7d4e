import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import type { Config } from '../../core/config/env';
import { checkHealth } from '../../core/health';
import { route } from '../http/route';

const serviceState = z.union([
  z.object({ ok: z.literal(true), latencyMs: z.number() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * Operators see the detail (which service is down and why, the attribution backlog): callers on
 * the machine itself (req.ip honours a loopback proxy's X-Forwarded-For), or with `X-Health-Token`
 * equal to HEALTH_TOKEN. Everyone else sees only `ok`: errors name hosts and ports.
 */
function isOperator(req: Request, cfg: Config): boolean {
  if (LOOPBACK.test(req.ip ?? '')) return true;
  const given = req.get('x-health-token');
  if (!cfg.HEALTH_TOKEN || !given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(cfg.HEALTH_TOKEN);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const healthRoutes = [
  route({
    method: 'get',
    path: '/healthz',
    auth: 'public',
    response: z.object({
      ok: z.boolean(),
      services: z.object({ database: serviceState, redis: serviceState }).optional(),
      attribution: z
        .object({
          undecided: z.number().int(),
          oldestAgeSeconds: z.number().int().nullable(),
          failing: z.number().int(),
        })
        .nullable()
        .optional(),
    }),
    handler: async ({ ctx, req, res }) => {
      const report = await checkHealth(ctx);
      const body = isOperator(req, ctx.cfg) ? report : { ok: report.ok };
      if (!report.ok) res.status(503).json(body);
      return body;
    },
  }),
];
