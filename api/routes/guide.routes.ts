import { z } from 'zod';
import { voidCouponRequest, voidCouponResponse } from '../../core/contracts/sidebar';
import { voidCoupon } from '../../core/coupons/coupons';
import { AppError } from '../../core/errors';
import { route } from '../http/route';

/** The signed-in guide's customers, newest relation first (what a sync or a callback just added shows here). */
export const guideRoutes = [
  route({
    method: 'get',
    path: '/api/guide/customers',
    auth: ['guide', 'store_manager'],
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
    response: z.object({
      customers: z.array(
        z.object({
          externalUserid: z.string().nullable(),
          name: z.string(),
          addedAt: z.string(),
          addWay: z.number(),
          channel: z.string().nullable(),
          channelName: z.string().nullable(),
        }),
      ),
    }),
    handler: async ({ ctx, principal, query }) => {
      if (!principal.guideId) throw new AppError('FORBIDDEN', 'this user is not a guide');
      const rows = await ctx
        .db('customer_guides as cg')
        .join('customers as c', 'c.id', 'cg.customer_id')
        .leftJoin('channel_codes as cc', function () {
          this.on('cc.corp_id', 'cg.corp_id').andOn('cc.state', 'cg.state');
        })
        .where({ 'cg.corp_id': principal.corpId, 'cg.guide_id': principal.guideId })
        .whereNull('cg.ended_at')
        .orderBy('cg.added_at', 'desc')
        .limit(query.limit)
        .select<
          {
            external_userid: string | null;
            name: string;
            added_at: Date;
            add_way: number;
            state: string | null;
            channel_name: string | null;
          }[]
        >('c.external_userid', 'c.name', 'cg.added_at', 'cg.add_way', 'cg.state', 'cc.name as channel_name');
      return {
        customers: rows.map((r) => ({
          externalUserid: r.external_userid,
          name: r.name,
          addedAt: r.added_at.toISOString(),
          addWay: r.add_way,
          channel: r.state,
          channelName: r.channel_name,
        })),
      };
    },
  }),
  route({
    method: 'post',
    path: '/api/coupons/:code/void',
    auth: ['guide', 'store_manager', 'regional_manager', 'admin'],
    params: z.object({ code: z.string().min(1).max(40) }),
    body: voidCouponRequest,
    response: voidCouponResponse,
    handler: ({ ctx, principal, params, body, requestId }) =>
      voidCoupon(ctx, principal, params.code, body.reason ?? null, requestId),
  }),
];
