import { z } from 'zod';
import * as c from '../../core/contracts/sidebar';
import { asGuide } from '../../core/guide/access';
import { couponOffers, issueCoupon, groupView, recordSend } from '../../core/guide/actions';
import { bindIdentity, editTags, setSize } from '../../core/guide/edits';
import { brokenStyles, customersForStyle, matchesFor } from '../../core/guide/matches';
import { bootstrap, myCredits } from '../../core/guide/overview';
import { customerProfile } from '../../core/guide/profile';
import { productContext, recommendationsFor, scriptLibrary, setFavorite } from '../../core/guide/scripts';
import { ensureMediaId } from '../../core/wecom/media';
import { route } from '../http/route';

/**
 * The chat sidebar's API. Every route is for a signed-in guide and every customer route
 * re-checks that this guide follows the customer named by the chat (NOT_FOLLOWED otherwise).
 */
const GUIDE = ['guide', 'store_manager', 'regional_manager'] as const;
const ext = z.object({ ext: z.string().min(1).max(64) });
const id = z.coerce.number().int().positive();
const category = z.string().min(1).max(32).optional();

export const sidebarRoutes = [
  route({
    method: 'get',
    path: '/api/sidebar/bootstrap',
    auth: GUIDE,
    response: c.bootstrapResponse,
    handler: ({ ctx, principal }) => bootstrap(ctx.db, asGuide(principal)),
  }),
  route({
    method: 'get',
    path: '/api/sidebar/customers/:ext',
    auth: GUIDE,
    params: ext,
    response: c.profileResponse,
    handler: ({ ctx, principal, params }) => customerProfile(ctx.db, asGuide(principal), params.ext),
  }),
  route({
    method: 'put',
    path: '/api/sidebar/customers/:ext/tags',
    auth: GUIDE,
    params: ext,
    body: z.object({
      add: z.array(z.number().int().positive()).max(50).default([]),
      remove: z.array(z.number().int().positive()).max(50).default([]),
    }),
    response: c.editTagsResponse,
    handler: ({ ctx, principal, params, body, requestId }) =>
      editTags(ctx, asGuide(principal), params.ext, body.add, body.remove, requestId),
  }),
  route({
    method: 'put',
    path: '/api/sidebar/customers/:ext/sizes',
    auth: GUIDE,
    params: ext,
    body: z.object({ category: z.string().min(1).max(32), size: z.string().min(1).max(16) }),
    response: c.setSizeResponse,
    handler: ({ ctx, principal, params, body }) =>
      setSize(ctx, asGuide(principal), params.ext, body.category, body.size),
  }),
  route({
    method: 'post',
    path: '/api/sidebar/customers/:ext/identities',
    auth: GUIDE,
    params: ext,
    body: z.object({ kind: z.enum(['member_no', 'phone']), value: z.string().min(1).max(32) }),
    response: c.bindIdentityResponse,
    handler: ({ ctx, principal, params, body, requestId }) =>
      bindIdentity(ctx, asGuide(principal), params.ext, body.kind, body.value, requestId),
  }),
  route({
    method: 'get',
    path: '/api/sidebar/scripts',
    auth: GUIDE,
    response: c.scriptLibraryResponse,
    handler: ({ ctx, principal }) => scriptLibrary(ctx.db, asGuide(principal)),
  }),
  route({
    method: 'get',
    path: '/api/sidebar/customers/:ext/scripts',
    auth: GUIDE,
    params: ext,
    query: z.object({ productId: id.optional() }),
    response: c.recommendationsResponse,
    handler: async ({ ctx, principal, params, query }) => {
      const p = asGuide(principal);
      return recommendationsFor(
        ctx.db,
        p,
        params.ext,
        query.productId ? await productContext(ctx.db, p, query.productId) : undefined,
      );
    },
  }),
  route({
    method: 'put',
    path: '/api/sidebar/scripts/:scriptId/favorite',
    auth: GUIDE,
    params: z.object({ scriptId: id }),
    body: z.object({ favorite: z.boolean() }),
    response: c.favoriteResponse,
    handler: ({ ctx, principal, params, body }) =>
      setFavorite(ctx.db, asGuide(principal), params.scriptId, body.favorite),
  }),
  route({
    method: 'get',
    path: '/api/sidebar/customers/:ext/matches',
    auth: GUIDE,
    params: ext,
    query: z.object({ category }),
    response: c.matchesResponse,
    handler: ({ ctx, principal, params, query }) => matchesFor(ctx.db, asGuide(principal), params.ext, query.category),
  }),
  route({
    method: 'get',
    path: '/api/sidebar/styles/broken',
    auth: GUIDE,
    query: z.object({ category }),
    response: c.brokenStylesResponse,
    handler: async ({ ctx, principal, query }) => ({
      items: await brokenStyles(ctx.db, asGuide(principal), { category: query.category }),
    }),
  }),
  route({
    method: 'get',
    path: '/api/sidebar/styles/:productId/customers',
    auth: GUIDE,
    params: z.object({ productId: id }),
    response: c.styleCustomersResponse,
    handler: ({ ctx, principal, params }) => customersForStyle(ctx.db, asGuide(principal), params.productId),
  }),
  route({
    method: 'get',
    path: '/api/sidebar/customers/:ext/coupon-offers',
    auth: GUIDE,
    params: ext,
    response: c.couponOffersResponse,
    handler: ({ ctx, principal, params }) => couponOffers(ctx.db, asGuide(principal), params.ext),
  }),
  route({
    method: 'post',
    path: '/api/sidebar/customers/:ext/coupons',
    auth: GUIDE,
    params: ext,
    body: z.object({ templateId: z.number().int().positive() }),
    status: 201,
    response: c.issueCouponResponse,
    handler: async ({ ctx, principal, params, body }) => ({
      coupon: await issueCoupon(ctx, asGuide(principal), params.ext, body.templateId),
    }),
  }),
  route({
    method: 'post',
    path: '/api/sidebar/sends',
    auth: GUIDE,
    body: c.sendRequest,
    response: c.sendResponse,
    handler: ({ ctx, principal, body }) => recordSend(ctx, asGuide(principal), body),
  }),
  route({
    method: 'get',
    path: '/api/sidebar/groups/:chatId',
    auth: GUIDE,
    params: z.object({ chatId: z.string().min(1).max(64) }),
    response: c.groupResponse,
    handler: ({ ctx, principal, params }) => groupView(ctx, asGuide(principal), params.chatId),
  }),
  route({
    method: 'post',
    path: '/api/sidebar/media/:assetId',
    auth: GUIDE,
    params: z.object({ assetId: id }),
    response: c.mediaResponse,
    handler: async ({ ctx, principal, params }) => ({
      mediaId: await ensureMediaId(ctx, asGuide(principal).corpId, params.assetId),
    }),
  }),
  route({
    method: 'get',
    path: '/api/sidebar/my-credits',
    auth: GUIDE,
    query: z.object({ cursor: z.string().max(40).optional() }),
    response: c.creditsResponse,
    handler: ({ ctx, principal, query }) => myCredits(ctx.db, asGuide(principal), query.cursor),
  }),
];
