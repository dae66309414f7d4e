/**
 * 离职继承 / 在职继承: the admin console's succession page and the sidebar's handover list
 * (api/routes/succession.routes.ts), checked on both sides.
 */
import * as z from 'zod/mini';

const id = () => z.int().check(z.positive());
const status = z.enum(['waiting', 'done', 'refused', 'limit', 'failed']);

export const successionOverview = z.object({
  leavers: z.array(
    z.object({
      guideId: z.number(),
      name: z.string(),
      storeId: z.number(),
      storeName: z.string(),
      status: z.enum(['active', 'left']),
      leftOn: z.nullable(z.string()),
      unassigned: z.number(),
      waiting: z.number(),
      done: z.number(),
      problems: z.number(),
    }),
  ),
  guides: z.array(
    z.object({ id: z.number(), name: z.string(), storeId: z.number(), storeName: z.string(), customers: z.number() }),
  ),
});
export type SuccessionOverview = z.infer<typeof successionOverview>;

export const handoverCustomers = z.object({
  guide: z.object({
    id: z.number(),
    name: z.string(),
    storeId: z.number(),
    status: z.enum(['active', 'left']),
    leftOn: z.nullable(z.string()),
  }),
  /** Same store, fewest customers. */
  defaultSuccessorId: z.nullable(z.number()),
  customers: z.array(
    z.object({
      customerId: z.number(),
      externalUserid: z.nullable(z.string()),
      name: z.string(),
      status: z.union([z.literal('unassigned'), status]),
      successorId: z.nullable(z.number()),
      successorName: z.nullable(z.string()),
      startedAt: z.nullable(z.string()),
      takeoverAt: z.nullable(z.string()),
      errcode: z.nullable(z.number()),
      reason: z.nullable(z.string()),
    }),
  ),
});
export type HandoverCustomers = z.infer<typeof handoverCustomers>;

export const markLeftBody = z.object({
  leftOn: z.optional(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'a date, YYYY-MM-DD'))),
  reason: z._default(z.string().check(z.trim(), z.maxLength(200)), ''),
});
export const markLeftResponse = z.object({ guideId: z.number(), leftOn: z.string() });

export const startTransfersBody = z.object({
  handoverGuideId: id(),
  takeoverGuideId: id(),
  /** Default: every customer she still has unassigned. */
  customerIds: z.optional(z.array(id()).check(z.minLength(1), z.maxLength(5000))),
  /** 在职继承 only: WeCom's transfer_success_msg, at most 200 characters. */
  message: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
});
export type StartTransfers = z.input<typeof startTransfersBody>;
export const startTransfersResponse = z.object({
  kind: z.enum(['resigned', 'in_service']),
  started: z.number(),
  failed: z.array(z.object({ customerId: z.number(), name: z.string(), errcode: z.number(), reason: z.string() })),
});
export type StartTransfersResult = z.infer<typeof startTransfersResponse>;

export const refreshResponse = z.object({
  read: z.number(),
  done: z.number(),
  refused: z.number(),
  limit: z.number(),
  failed: z.number(),
  applied: z.number(),
  /** Customers WeCom lists as resigned members' still to assign (get_unassigned_list). */
  unassigned: z.number(),
  /** Guides WeCom lists as resigned who were active here: now marked as left. */
  markedLeft: z.number(),
});

/** The sidebar: customers a guide inherited (from whom) and those she handed on. */
export const guideHandovers = z.object({
  inherited: z.array(
    z.object({ externalUserid: z.nullable(z.string()), name: z.string(), from: z.string(), at: z.string() }),
  ),
  handedOver: z.array(
    z.object({
      externalUserid: z.nullable(z.string()),
      name: z.string(),
      to: z.string(),
      status,
      at: z.nullable(z.string()),
    }),
  ),
});
export type GuideHandovers = z.infer<typeof guideHandovers>;
