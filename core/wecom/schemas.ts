/** zod schemas for every WeCom server API response we read (see the protocol reference). */
import { z } from 'zod';

export const baseResponse = z.object({ errcode: z.number().int(), errmsg: z.string().default('') }).passthrough();

export const tokenResponse = z.object({
  access_token: z.string().min(1).max(512),
  expires_in: z.number().int().positive(),
});
export const ticketResponse = z.object({ ticket: z.string().min(1), expires_in: z.number().int().positive() });
export const userInfoResponse = z.union([
  z.object({ userid: z.string().min(1), user_ticket: z.string().optional() }),
  z.object({ openid: z.string(), external_userid: z.string().optional() }),
]);

const tagRef = z.object({
  group_name: z.string().optional(),
  tag_name: z.string().optional(),
  tag_id: z.string().optional(),
  type: z.number().int(),
});
export const externalContact = z.object({
  external_userid: z.string(),
  name: z.string(),
  avatar: z.string().optional().default(''),
  type: z.number().int(),
  gender: z.number().int().optional().default(0),
  unionid: z.string().optional(),
});
export const followUser = z.object({
  userid: z.string(),
  remark: z.string().optional().default(''),
  description: z.string().optional().default(''),
  createtime: z.number().int(),
  tags: z.array(tagRef).optional().default([]),
  add_way: z.number().int().optional().default(0),
  state: z.string().optional(),
  oper_userid: z.string().optional(),
});
export const getContactResponse = z.object({
  external_contact: externalContact,
  follow_user: z.array(followUser),
  next_cursor: z.string().optional(),
});
export const listContactsResponse = z.object({ external_userid: z.array(z.string()).default([]) });
export const batchByUserResponse = z.object({
  external_contact_list: z
    .array(
      z.object({
        external_contact: externalContact,
        follow_info: z.object({
          userid: z.string(),
          remark: z.string().optional().default(''),
          description: z.string().optional().default(''),
          createtime: z.number().int(),
          tag_id: z.array(z.string()).optional().default([]),
          add_way: z.number().int().optional().default(0),
          state: z.string().optional(),
        }),
      }),
    )
    .default([]),
  next_cursor: z.string().optional().default(''),
});
export const corpTagListResponse = z.object({
  tag_group: z.array(
    z.object({
      group_id: z.string(),
      group_name: z.string(),
      create_time: z.number().int().optional(),
      order: z.number().int().optional().default(0),
      deleted: z.boolean().optional(),
      tag: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          create_time: z.number().int().optional(),
          order: z.number().int().optional().default(0),
          deleted: z.boolean().optional(),
        }),
      ),
    }),
  ),
});
const corpTag = z.object({
  id: z.string(),
  name: z.string(),
  create_time: z.number().int().optional(),
  order: z.number().int().optional().default(0),
});
export const addCorpTagResponse = z.object({
  tag_group: z.object({
    group_id: z.string(),
    group_name: z.string(),
    create_time: z.number().int().optional(),
    order: z.number().int().optional().default(0),
    tag: z.array(corpTag),
  }),
});
export const contactWayResponse = z.object({ config_id: z.string(), qr_code: z.string().optional() });
export const emptyResponse = z.object({});

const billItem = z
  .object({
    transaction_id: z.string(),
    bill_type: z.number().int(),
    trade_state: z.number().int().optional(),
    pay_time: z.number().int(),
    out_trade_no: z.string().optional(),
    out_refund_no: z.string().optional(),
    external_userid: z.string().optional().default(''),
    total_fee: z.number().int(),
    payee_userid: z.string(),
    payment_type: z.number().int().optional(),
    mch_id: z.string().optional(),
    remark: z.string().optional(),
    total_refund_fee: z.number().int().optional().default(0),
    refund_list: z
      .array(
        z
          .object({ out_refund_no: z.string(), refund_fee: z.number().int(), refund_status: z.number().int() })
          .passthrough(),
      )
      .optional(),
    // The payer's contact details: the current doc says payer_info, some SDKs contact_info (unconfirmed): accept either.
    payer_info: z
      .object({ name: z.string().optional(), phone: z.string().optional(), address: z.string().optional() })
      .passthrough()
      .optional(),
    contact_info: z
      .object({ name: z.string().optional(), phone: z.string().optional(), address: z.string().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type BillItem = z.infer<typeof billItem>;
export const billListResponse = z.object({
  next_cursor: z.string().optional(),
  bill_list: z.array(billItem).default([]),
});

export const behaviorDataResponse = z.object({
  behavior_data: z.array(
    z
      .object({
        stat_time: z.number().int(),
        chat_cnt: z.number().int().optional().default(0),
        message_cnt: z.number().int().optional().default(0),
        negative_feedback_cnt: z.number().int().optional().default(0),
        new_contact_cnt: z.number().int().optional().default(0),
        reply_percentage: z.number().optional(),
        avg_reply_time: z.number().optional(),
      })
      .passthrough(),
  ),
});

export const getContactWayResponse = z.object({
  contact_way: z
    .object({
      config_id: z.string(),
      type: z.number().int(),
      scene: z.number().int(),
      state: z.string().optional().default(''),
      user: z.array(z.string()).optional().default([]),
      qr_code: z.string().optional(),
    })
    .passthrough(),
});
export const groupChatListResponse = z.object({
  group_chat_list: z.array(z.object({ chat_id: z.string(), status: z.number().int() })).default([]),
  next_cursor: z.string().optional(),
});
export const groupChatResponse = z.object({
  group_chat: z
    .object({
      chat_id: z.string(),
      name: z.string().optional().default(''),
      owner: z.string(),
      create_time: z.number().int(),
      member_list: z.array(
        z.object({
          userid: z.string(),
          type: z.number().int(),
          join_time: z.number().int(),
          join_scene: z.number().int().optional(),
          name: z.string().optional(),
          unionid: z.string().optional(),
        }),
      ),
    })
    .passthrough(),
});
export const mediaUploadResponse = z.object({
  type: z.string(),
  media_id: z.string().min(1),
  created_at: z.union([z.string(), z.number()]),
});

// ---- customer mass messages (§13) and moments (§14) ----
export const addMsgTemplateResponse = z.object({
  msgid: z.string().min(1),
  fail_list: z.array(z.string()).optional().default([]),
});
/** Task status: the doc says 0 未发送 / 2 已发送 but its sample shows 1; any non-zero is sent. */
export const groupMsgTaskResponse = z.object({
  task_list: z
    .array(z.object({ userid: z.string(), status: z.number().int(), send_time: z.number().int().optional() }))
    .default([]),
  next_cursor: z.string().optional().default(''),
});
/** Per customer: 0 not sent, 1 sent, 2 not a friend, 3 receive limit; send_time only with 1. */
export const groupMsgSendResultResponse = z.object({
  send_list: z
    .array(
      z.object({
        external_userid: z.string().optional(),
        chat_id: z.string().optional(),
        userid: z.string(),
        status: z.number().int().min(0).max(3),
        send_time: z.number().int().optional(),
      }),
    )
    .default([]),
  next_cursor: z.string().optional().default(''),
});
export const addMomentTaskResponse = z.object({ jobid: z.string().min(1).max(64) });
export const momentTaskResultResponse = z.object({
  status: z.number().int().min(1).max(3),
  type: z.string().optional(),
  result: z
    .object({
      errcode: z.number().int(),
      errmsg: z.string().optional().default(''),
      moment_id: z.string().optional(),
      invalid_sender_list: z
        .object({ user_list: z.array(z.string()).optional().default([]) })
        .passthrough()
        .optional(),
      invalid_external_contact_list: z.object({ tag_list: z.array(z.string()).optional().default([]) }).optional(),
    })
    .optional(),
});
export const momentTaskResponse = z.object({
  task_list: z.array(z.object({ userid: z.string(), publish_status: z.number().int() })).default([]),
  next_cursor: z.string().optional().default(''),
});
export const momentCustomerListResponse = z.object({
  customer_list: z.array(z.object({ userid: z.string(), external_userid: z.string() })).default([]),
  next_cursor: z.string().optional().default(''),
});
export const momentSendResultResponse = z.object({
  customer_list: z.array(z.object({ external_userid: z.string() })).default([]),
  next_cursor: z.string().optional().default(''),
});

// ---- customer succession (§12): 在职继承 and 离职继承 ----
/** Per customer: errcode 0 only means the transfer started (the takeover completes after 24 h, or not). */
export const transferCustomerResponse = z.object({
  customer: z.array(z.object({ external_userid: z.string(), errcode: z.number().int() })).default([]),
});
/** status 1 done · 2 waiting (takeover_time: the automatic time) · 3 refused · 4 successor at limit · 5 no record. */
export const transferResultResponse = z.object({
  customer: z
    .array(
      z.object({
        external_userid: z.string(),
        status: z.number().int().min(1).max(5),
        takeover_time: z.number().int().optional().default(0),
      }),
    )
    .default([]),
  next_cursor: z.string().optional().default(''),
});
export const unassignedListResponse = z.object({
  info: z
    .array(z.object({ handover_userid: z.string(), external_userid: z.string(), dimission_time: z.number().int() }))
    .default([]),
  is_last: z.boolean().optional().default(true),
  next_cursor: z.string().optional().default(''),
});
/** department/list (§9.1): id, name, parent (0 for the root) and order. */
export const department = z.object({
  id: z.number().int().positive(),
  name: z.string().default(''),
  parentid: z.number().int().nonnegative().default(0),
  order: z.number().int().nonnegative().default(0),
});
export const departmentListResponse = z.object({ department: z.array(department).default([]) });

/**
 * A member from user/get or user/list. Apps created after 2022-06-20 do not get avatar, gender,
 * mobile, email and address (§9.2), so nothing here needs them. Status: 1 active, 2 disabled,
 * 4 not activated, 5 exited.
 */
export const member = z.object({
  userid: z.string().min(1).max(64),
  name: z.string().default(''),
  department: z.array(z.number().int()).default([]),
  main_department: z.number().int().optional(),
  position: z.string().optional(),
  status: z.number().int().default(1),
});
export const userListResponse = z.object({ userlist: z.array(member).default([]) });
