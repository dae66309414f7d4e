import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Principal, Role } from '../../core/auth/principal';
import type { AppContext } from '../../core/context';
import { PreparedJson } from '../../core/http/prepared-json';
import { AppError } from '../../core/errors';

/**
 * Every route passes through the same stages: auth (declared, never implied) → parse params,
 * query and body with zod → handler → validate the response with zod → JSON. A route without
 * an `auth` declaration does not type-check.
 *
 * auth:
 * - 'public'     no session (health, OAuth start, signed webhooks that verify themselves)
 * - 'session'    any signed-in user of the corp
 * - Role[]       a signed-in user with one of these roles
 */
export type RouteAuth = 'public' | 'session' | readonly Role[];

export interface HandlerInput<P, Q, B, A extends RouteAuth> {
  params: P;
  query: Q;
  body: B;
  principal: A extends 'public' ? Principal | null : Principal;
  ctx: AppContext;
  req: Request;
  res: Response;
  requestId: string;
}

/** Any zod schema, classic or zod/mini (the sidebar's contracts are written with zod/mini). */
type Schema = z.core.$ZodType;

export interface RouteDef<P extends Schema, Q extends Schema, B extends Schema, O extends Schema, A extends RouteAuth> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  auth: A;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * Response schema; the handler's value is checked against it before it leaves — or was checked
   * when it was prepared (PreparedJson: sent as it is, with its ETag; a matching If-None-Match is a 304).
   */
  response: O;
  status?: number;
  handler: (
    input: HandlerInput<z.infer<P>, z.infer<Q>, z.infer<B>, A>,
  ) => Promise<z.input<O> | PreparedJson<z.input<O>>>;
}

export type AnyRoute = RouteDef<Schema, Schema, Schema, Schema, RouteAuth>;

export function route<
  P extends Schema = z.ZodObject<Record<string, never>>,
  Q extends Schema = z.ZodObject<Record<string, never>>,
  B extends Schema = z.ZodUnknown,
  O extends Schema = z.ZodType,
  A extends RouteAuth = RouteAuth,
>(def: RouteDef<P, Q, B, O, A>): AnyRoute {
  return def as unknown as AnyRoute;
}

function parsePart<S extends Schema>(schema: S | undefined, value: unknown, where: string): z.infer<S> {
  if (!schema) return value as z.infer<S>;
  const r = z.safeParse(schema, value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = [where, ...issue.path.map(String)].join('.');
  throw new AppError('VALIDATION_FAILED', `${field}: ${issue.message}`, {
    field,
    details: r.error.issues.slice(0, 20),
  });
}

export function mount(router: Router, ctx: AppContext, routes: readonly AnyRoute[]): void {
  for (const r of routes) {
    router[r.method](r.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const principal = res.locals.principal as Principal | null | undefined;
        if (r.auth !== 'public') {
          if (!principal) throw new AppError('UNAUTHENTICATED', 'sign in first');
          if (Array.isArray(r.auth) && !r.auth.includes(principal.role)) {
            throw new AppError('FORBIDDEN', `this needs one of the roles: ${r.auth.join(', ')}`);
          }
        }
        const out = await r.handler({
          params: parsePart(r.params, req.params, 'params'),
          query: parsePart(r.query, req.query, 'query'),
          body: parsePart(r.body, req.body, 'body'),
          principal: (principal ?? null) as Principal,
          ctx,
          req,
          res,
          requestId: String(res.locals.requestId),
        });
        if (res.headersSent) return;
        if (out instanceof PreparedJson) {
          res
            .status(r.status ?? 200)
            .type('json')
            .setHeader('ETag', out.etag);
          if (req.fresh) res.status(304).end();
          else res.send(out.body);
          return;
        }
        const checked = z.safeParse(r.response, out);
        if (!checked.success) {
          throw new Error(
            `response of ${r.method.toUpperCase()} ${r.path} does not match its schema: ${checked.error.issues[0]?.path.join('.')} ${checked.error.issues[0]?.message}`,
          );
        }
        res.status(r.status ?? 200).json(checked.data);
      } catch (err) {
        next(err);
      }
    });
  }
}

/** Error body shape shared with the sidebar (core/contracts/errors.ts). */
export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional(), requestId: z.string() }),
});
