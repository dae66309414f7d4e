import { z } from 'zod';
import { checkHealth } from '../../core/health';
import { route } from '../http/route';

const serviceState = z.union([
  z.object({ ok: z.literal(true), latencyMs: z.number() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

export const healthRoutes = [
  route({
    method: 'get',
    path: '/healthz',
    auth: 'public',
    response: z.object({
      ok: z.boolean(),
      services: z.object({ database: serviceState, redis: serviceState }),
      attribution: z
        .object({
          undecided: z.number().int(),
          oldestAgeSeconds: z.number().int().nullable(),
          failing: z.number().int(),
        })
        .nullable(),
    }),
    handler: async ({ ctx, res }) => {
      const report = await checkHealth(ctx);
      if (!report.ok) res.status(503).json(report);
      return report;
    },
  }),
];
