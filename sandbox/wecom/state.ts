/** In-memory state of the sandbox WeCom: several corps, each with apps, members, customers, tags, bills. */
import { randomBytes } from 'node:crypto';

export interface FollowUser {
  userid: string;
  remark: string;
  description: string;
  createtime: number;
  add_way: number;
  state?: string;
  oper_userid: string;
  tag_ids: string[];
  /**
   * The customer deleted the member (del_follow_user). WeCom keeps the one-way relation: get and
   * list go on returning it, so only this flag (never shown through the API) records the deletion.
   */
  deleted_by_customer?: boolean;
}

export interface Contact {
  external_userid: string;
  name: string;
  type: 1 | 2;
  gender: number;
  unionid?: string;
  avatar: string;
  follow_user: FollowUser[];
}

export interface TagGroup {
  group_id: string;
  group_name: string;
  create_time: number;
  order: number;
  tag: { id: string; name: string; create_time: number; order: number }[];
}

export interface Bill {
  transaction_id: string;
  bill_type: 0 | 1;
  trade_state?: number;
  pay_time: number;
  out_trade_no: string;
  out_refund_no?: string;
  external_userid: string;
  total_fee: number;
  payee_userid: string;
  payment_type: number;
  mch_id: string;
  remark?: string;
  total_refund_fee: number;
  commodity_list?: { description: string; amount: number }[];
  payer_info?: { name: string; phone: string; address: string };
  refund_list?: {
    out_refund_no: string;
    refund_userid: string;
    refund_comment: string;
    refund_reqtime: number;
    refund_status: number;
    refund_fee: number;
  }[];
}

export interface GroupChat {
  chat_id: string;
  name: string;
  owner: string;
  create_time: number;
  notice: string;
  status: number;
  member_list: {
    userid: string;
    type: 1 | 2;
    join_time: number;
    join_scene: number;
    unionid?: string;
    name?: string;
  }[];
  admin_list: { userid: string }[];
}

export interface CallbackDelivery {
  event: string;
  /** Whose callback URL it went to: the app's, or the 通讯录同步 assistant's (change_contact). */
  receiver?: 'app' | 'contact_sync';
  change_type: string | null;
  status: 'delivered' | 'failed' | 'pending';
  attempts: number;
  at: number;
  last_error?: string;
}

/** One customer mass message (企业群发) task set: one task per member, one result per customer. */
export interface GroupMsg {
  msgid: string;
  create_time: number;
  /** Absent for tasks created through the API (create_type 0). */
  creator?: string;
  text?: { content: string };
  attachments: unknown[];
  /** Per member: status 0 not sent, 2 sent (after the member confirms in the client). */
  tasks: Map<string, { status: 0 | 2; send_time?: number }>;
  /** Per member, per customer: 0 not sent, 1 sent, 2 not a friend, 3 receive limit. */
  results: Map<string, Map<string, { status: 0 | 1 | 2 | 3; send_time?: number }>>;
  cancelled: boolean;
  /** remind_groupmsg_send calls (seconds): at most 3 within 24 h. */
  reminds: number[];
}

/** A corp moment (企业发表到客户朋友圈): each sender publishes after confirming in the client. */
export interface Moment {
  moment_id: string;
  jobid: string;
  create_time: number;
  text?: { content: string };
  attachments: unknown[];
  /** Per sender: publish_status 0 not yet, 1 published; the customers chosen at creation. */
  tasks: Map<string, { publish_status: 0 | 1; customers: string[]; sent: string[] }>;
  invalid_users: string[];
  invalid_tags: string[];
  cancelled: boolean;
}

/** One customer transfer (在职继承 / 离职继承, protocol §12): waiting until its takeover_time, then final. */
export interface CustomerTransfer {
  kind: 'in_service' | 'resigned';
  handover_userid: string;
  takeover_userid: string;
  external_userid: string;
  /** Seconds. */
  start_time: number;
  /** When the takeover completes (24 h after the start) while waiting; when it completed once done; 0 when refused. */
  takeover_time: number;
  /** 1 接替完毕, 2 等待接替, 3 客户拒绝, 4 接替成员客户达到上限. */
  status: 1 | 2 | 3 | 4;
}

/** Succession state of a corp: resigned members (userid → dimission time, s), transfers, customer limits. */
export interface Succession {
  resigned: Map<string, number>;
  transfers: CustomerTransfer[];
  /** Per member: how many customers she may have (WeCom's limit; absent: no limit reached here). */
  customerLimit: Map<string, number>;
}

/** A department (部门); root id 1. `in_scope: false` keeps it out of the app's visible scope. */
export interface Department {
  id: number;
  name: string;
  name_en?: string;
  parentid: number;
  order: number;
  department_leader: string[];
  in_scope?: boolean;
}

/** A member (成员) as WeCom's contacts hold it. Status 1 active, 2 disabled, 4 not activated, 5 exited. */
export interface Member {
  userid: string;
  name: string;
  /** `in_scope: false`: outside the app's visible scope (the app's API cannot see her). */
  in_scope?: boolean;
  department?: number[];
  main_department?: number;
  position?: string;
  mobile?: string;
  email?: string;
  gender?: string;
  avatar?: string;
  status?: number;
}

/** 群发规则: the receive limit per customer (DOC 92135): days-in-month a month (default), 7 a week or 1 a day. */
export type ReceiveLimit = 'month' | 'week' | 'day';

export interface Corp {
  corpid: string;
  name: string;
  agentid: number;
  secret: string;
  contactSecret?: string;
  callback?: { url: string; token: string; encodingAESKey: string };
  trustedDomains?: string[];
  members: Map<string, Member>;
  /** The contacts' department tree (root 1, named after the corp). */
  departments: Map<number, Department>;
  /**
   * When the self-built app was created: apps created from 2022-06-20 20:00 (UTC+8) no longer read
   * members' avatar, gender, mobile, email, biz_mail, QR code and address (§9.2).
   */
  appCreatedAt: number;
  /**
   * The 通讯录同步 assistant: its own secret (the only one user/list_id accepts) and its own event
   * server, the one that receives change_contact. URLs configured from 2022-08-15 10:00 (UTC+8) get
   * only UserID and Department in member events.
   */
  contactSync?: { secret: string; callback?: Corp['callback']; configuredAt: number };
  /** Mini programs linked to the corp (关联小程序): a miniprogram attachment with another appid is 90206. */
  miniprograms: string[];
  contacts: Map<string, Contact>;
  groups: TagGroup[];
  contactWays: Map<
    string,
    {
      config_id: string;
      type: number;
      scene: number;
      state: string;
      user: string[];
      remark: string;
      skip_verify: boolean;
      qr_code: string;
    }
  >;
  /** Friend requests from customers who scanned a contact way with skip_verify false, not yet accepted; keyed external_userid:userid. */
  pendingAdds: Map<string, { userid: string; state: string; contact: Omit<Contact, 'follow_user'> }>;
  bills: Bill[];
  groupMsgs: Map<string, GroupMsg>;
  moments: Map<string, Moment>;
  receiveLimit: ReceiveLimit;
  /** Mass messages each customer received (seconds), for the receive limit. */
  received: Map<string, number[]>;
  groupChats: Map<string, GroupChat>;
  media: Map<string, { type: string; bytes: number; created_at: number }>;
  callbacks: CallbackDelivery[];
  faults: {
    expireTokens: boolean;
    rateLimits: Map<string, number>;
    busy: Map<string, { count: number; errcode: 45033 | -1 }>;
    delays: Map<string, { count: number; ms: number }>;
    /** get_moment_task_result calls still answering status 2 (running) before the job is done. */
    momentJobsRunning: number;
  };
  /** Calls per api path in the current minute, for the real 45009 limit. */
  calls: Map<string, { minute: number; count: number }>;
  /** JS-SDK ticket calls in the current hour (at most 100 per app per hour). */
  ticketCalls: { hour: number; count: number };
  /** 离职继承 / 在职继承 (sandbox/wecom/succession.ts); made on first use. */
  succession?: Succession;
  /**
   * Who made each corp tag and group (by id): `app` (this corp's self-built app, through the API)
   * or `console` (WeCom's admin console, a member's client). An app may edit and delete only what
   * it made itself (wecom-protocol.md §10.1); absent means the app's.
   */
  tagOwners: Map<string, 'app' | 'console'>;
  /** The errcode WeCom answers an edit or delete of another's tag with; not documented, so settable (§10.1). */
  foreignTagErrcode: number;
}

export interface Token {
  corpid: string;
  secret: string;
  expiresAt: number;
}

export class SandboxState {
  corps = new Map<string, Corp>();
  tokens = new Map<string, Token>();
  /** The live token per corp + secret: gettoken returns the same one until it expires. */
  liveToken = new Map<string, string>();
  tickets = new Map<string, { ticket: string; expiresAt: number }>();
  oauthCodes = new Map<string, { corpid: string; userid: string; expiresAt: number }>();
  /** Calls per API, for tests that count gettoken. */
  stats = { gettoken: 0, mediaUpload: 0, tickets: 0 };
  /** Responses held back by an injected delay and not yet sent. */
  delayedInFlight = 0;
  sentMessages: {
    corpid: string;
    userid: string;
    external_userid: string;
    chat_id?: string | undefined;
    at: number;
    message: unknown;
  }[] = [];

  reset(): void {
    this.corps.clear();
    this.tokens.clear();
    this.liveToken.clear();
    this.tickets.clear();
    this.oauthCodes.clear();
    this.sentMessages = [];
  }

  upsertCorp(c: {
    corpid: string;
    name: string;
    agentid: number;
    secret: string;
    contactSecret?: string | undefined;
    callback?: Corp['callback'] | undefined;
    trustedDomains?: string[] | undefined;
    appCreatedAt?: number | undefined;
    miniprograms?: string[] | undefined;
  }): Corp {
    const existing = this.corps.get(c.corpid);
    const corp: Corp = existing
      ? {
          ...existing,
          name: c.name,
          agentid: c.agentid,
          secret: c.secret,
          contactSecret: c.contactSecret,
          callback: c.callback,
          trustedDomains: c.trustedDomains,
          appCreatedAt: c.appCreatedAt ?? existing.appCreatedAt,
          miniprograms: c.miniprograms ?? existing.miniprograms,
        }
      : {
          ...c,
          appCreatedAt: c.appCreatedAt ?? Date.now(),
          miniprograms: c.miniprograms ?? [],
          members: new Map(),
          departments: new Map([[1, { id: 1, name: c.name, parentid: 0, order: 100_000_000, department_leader: [] }]]),
          contacts: new Map(),
          groups: [],
          contactWays: new Map(),
          pendingAdds: new Map(),
          bills: [],
          groupMsgs: new Map(),
          moments: new Map(),
          receiveLimit: 'month',
          received: new Map(),
          groupChats: new Map(),
          media: new Map(),
          callbacks: [],
          faults: {
            expireTokens: false,
            rateLimits: new Map(),
            busy: new Map(),
            delays: new Map(),
            momentJobsRunning: 0,
          },
          calls: new Map(),
          ticketCalls: { hour: 0, count: 0 },
          tagOwners: new Map(),
          foreignTagErrcode: 301002,
        };
    this.corps.set(c.corpid, corp);
    return corp;
  }
}

export const newId = (prefix: string, bytes = 12) => `${prefix}${randomBytes(bytes).toString('hex')}`;
