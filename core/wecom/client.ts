/**
 * WeCom server API client for one corp and one app secret. Tokens and tickets are cached in
 * Redis (shared by every process) and refreshed single-flight per process; token errors refresh
 * and retry once; rate limits back off without refreshing; every response is parsed by zod.
 */
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Logger } from '../logger';
import { singleFlight } from '../redis';
import * as s from './schemas';
import { BACKOFF_ERRCODES, TOKEN_ERRCODES, WecomError } from './wecom-error';

export interface WecomClientOptions {
  baseUrl: string;
  corpid: string;
  secret: string;
  /** Cache key part naming the app ("agent", "contact"). */
  app: string;
  redis: Redis;
  keyPrefix: string;
  logger?: Logger;
  timeoutMs?: number;
  backoffMs?: number[];
}

/** WeCom's block lengths for a broken per-minute and per-hour limit (protocol §15.2). */
export const RATE_MINUTE_S = 60;
export const RATE_HOUR_S = 3600;

/** At most one forced JS-SDK ticket refetch per app in this many seconds. */
const TICKET_DROP_S = 10;

/** How long one process may hold the cross-process gettoken lock. */
const TOKEN_LOCK_MS = 5_000;

type Query = Record<string, string | number | undefined>;
/** A JSON body, or a factory for a multipart body (rebuilt on every attempt). */
type Body = { json: unknown } | { form: () => FormData } | undefined;

export class WecomClient {
  private readonly inflightTickets = new Map<string, Promise<string>>();
  private readonly timeoutMs: number;
  private readonly backoffMs: number[];

  constructor(private readonly o: WecomClientOptions) {
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.backoffMs = o.backoffMs ?? [200, 800, 2000];
  }

  get corpid(): string {
    return this.o.corpid;
  }

  private key(kind: string): string {
    return `${this.o.keyPrefix}:wecom:${kind}:${this.o.corpid}:${this.o.app}`;
  }

  private async http<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    query: Query,
    body: Body,
    schema: S,
  ): Promise<{ errcode: number; errmsg: string; data?: z.infer<S> }> {
    const url = new URL(path, this.o.baseUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    let json: unknown;
    try {
      const res = await fetch(url, {
        method,
        headers: body && 'json' in body ? { 'content-type': 'application/json' } : {},
        body: body === undefined ? undefined : 'json' in body ? JSON.stringify(body.json) : body.form(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!res.ok) throw new WecomError(-1, `HTTP ${res.status}`, path);
      json = await res.json();
    } catch (err) {
      if (err instanceof WecomError) throw err;
      // Timeouts, refused connections and non-JSON bodies: transient, never retried here (a POST may have landed).
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new WecomError(
        -1,
        timedOut
          ? `timed out after ${this.timeoutMs} ms`
          : `request failed: ${err instanceof Error ? err.message : String(err)}`,
        path,
      );
    }
    const base = s.baseResponse.safeParse(json);
    if (!base.success) throw new WecomError(-2, 'unexpected response shape: no errcode', path);
    if (base.data.errcode !== 0) return { errcode: base.data.errcode, errmsg: base.data.errmsg };
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new WecomError(
        -2,
        `unexpected response shape: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`,
        path,
      );
    return { errcode: 0, errmsg: 'ok', data: parsed.data };
  }

  /**
   * The cached token, or a fresh one, single-flight (core/redis.ts): concurrent callers in this
   * process share one fetch, and processes share a Redis lock, so a burst of 42001s anywhere in
   * the deployment calls gettoken once; the others pick up the token it stored.
   */
  async accessToken(stale?: string): Promise<string> {
    const cached = await this.o.redis.get(this.key('token'));
    if (cached && cached !== stale) return cached;
    // Another process may be fetching: use its token when it lands (or fetch anyway if it died).
    const landed = async () => {
      const t = await this.o.redis.get(this.key('token'));
      return t && t !== stale ? t : null;
    };
    return singleFlight(this.o.redis, this.key('token-lock'), { ttlMs: TOKEN_LOCK_MS, landed }, async () => {
      const r = await this.http(
        'GET',
        '/cgi-bin/gettoken',
        { corpid: this.o.corpid, corpsecret: this.o.secret },
        undefined,
        s.tokenResponse,
      );
      if (!r.data) throw new WecomError(r.errcode, r.errmsg, '/cgi-bin/gettoken');
      // Refresh a minute early, as the reference clients do (never cache past the token's own expiry).
      await this.o.redis.set(this.key('token'), r.data.access_token, 'EX', cacheSeconds(r.data.expires_in, 60));
      return r.data.access_token;
    });
  }

  /** Redis key: WeCom blocks this API for the corp (after a 45009) until the key expires. */
  private blockKey(path: string): string {
    return `${this.o.keyPrefix}:wecom:blocked:${this.o.corpid}:${path}`;
  }

  /**
   * WeCom answered 45009 (or kept answering 45033): it blocks the API for the window that was
   * exceeded — a minute for a per-minute limit, an hour for a per-hour one (protocol §15.2) —
   * and errored calls during a block count toward a longer one. The first block is a minute; a
   * second within the hour after one means the hourly limit, so an hour. Every process sees the
   * block in Redis and fails fast (503, retry after) instead of calling.
   */
  private async block(path: string, errcode: number, errmsg: string): Promise<WecomError> {
    const recent = `${this.blockKey(path)}:recent`;
    const seconds = (await this.o.redis.exists(recent)) ? RATE_HOUR_S : RATE_MINUTE_S;
    await this.o.redis.set(this.blockKey(path), String(errcode), 'EX', seconds);
    await this.o.redis.set(recent, '1', 'EX', seconds + RATE_HOUR_S);
    this.o.logger?.warn({ path, errcode, blockSeconds: seconds }, 'wecom rate limit; calls to this API paused');
    return new WecomError(errcode, errmsg, path, seconds);
  }

  /** Calls an API with the token; token errors refresh and retry once, rate limits back off. */
  async call<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    schema: S,
    opts: { query?: Query; body?: unknown; form?: () => FormData } = {},
  ): Promise<z.infer<S>> {
    const body: Body = opts.form ? { form: opts.form } : opts.body === undefined ? undefined : { json: opts.body };
    const blockedFor = await this.o.redis.ttl(this.blockKey(path));
    if (blockedFor > 0)
      throw new WecomError(45009, `api freq out of limit; paused for ${blockedFor} s more`, path, blockedFor);
    let token = await this.accessToken();
    let refreshed = false;
    for (let backoffs = 0; ;) {
      const r = await this.http(method, path, { ...opts.query, access_token: token }, body, schema);
      if (r.data !== undefined) return r.data;
      if (TOKEN_ERRCODES.has(r.errcode) && !refreshed) {
        refreshed = true;
        this.o.logger?.info({ path, errcode: r.errcode }, 'wecom token rejected; refreshing');
        token = await this.accessToken(token);
        continue;
      }
      // A per-minute or per-hour limit: retrying inside its window only lengthens the block.
      if (r.errcode === 45009) throw await this.block(path, r.errcode, r.errmsg);
      const wait = this.backoffMs[backoffs];
      if (BACKOFF_ERRCODES.has(r.errcode) && wait !== undefined) {
        backoffs++;
        this.o.logger?.warn({ path, errcode: r.errcode, waitMs: wait }, 'wecom busy or rate-limited; backing off');
        await new Promise((res) => setTimeout(res, wait));
        continue;
      }
      // Concurrency (45033) that outlasts the short backoffs: pause the API like a rate limit.
      if (r.errcode === 45033) throw await this.block(path, r.errcode, r.errmsg);
      throw new WecomError(r.errcode, r.errmsg, path);
    }
  }

  private async ticket(kind: 'corp' | 'agent'): Promise<string> {
    const key = this.key(`ticket-${kind}`);
    const cached = await this.o.redis.get(key);
    if (cached) return cached;
    const inflight = this.inflightTickets.get(kind);
    if (inflight) return inflight;
    const p = (async () => {
      try {
        const r =
          kind === 'corp'
            ? await this.call('GET', '/cgi-bin/get_jsapi_ticket', s.ticketResponse)
            : await this.call('GET', '/cgi-bin/ticket/get', s.ticketResponse, { query: { type: 'agent_config' } });
        await this.o.redis.set(key, r.ticket, 'EX', cacheSeconds(r.expires_in, 300));
        return r.ticket;
      } finally {
        this.inflightTickets.delete(kind);
      }
    })();
    this.inflightTickets.set(kind, p);
    return p;
  }

  /**
   * Forgets the cached JS-SDK tickets so the next signature uses fresh ones. WeCom allows about
   * 100 ticket calls an hour per app, so a storm of refused signatures drops them at most once
   * per TICKET_DROP_S across processes.
   */
  async dropTickets(): Promise<boolean> {
    const first = await this.o.redis.set(this.key('ticket-drop'), '1', 'EX', TICKET_DROP_S, 'NX');
    if (!first) return false;
    await this.o.redis.del(this.key('ticket-corp'), this.key('ticket-agent'));
    this.o.logger?.info('JS-SDK tickets refused by the client; fetching fresh ones');
    return true;
  }

  jsapiTicket(): Promise<string> {
    return this.ticket('corp');
  }
  agentTicket(): Promise<string> {
    return this.ticket('agent');
  }

  getUserInfo(code: string) {
    return this.call('GET', '/cgi-bin/auth/getuserinfo', s.userInfoResponse, { query: { code } });
  }
  /** One external contact with all its followers: follow_user pages (500 each) are followed through next_cursor. */
  async getExternalContact(externalUserid: string): Promise<z.infer<typeof s.getContactResponse>> {
    const first = await this.call('GET', '/cgi-bin/externalcontact/get', s.getContactResponse, {
      query: { external_userid: externalUserid },
    });
    const followUser = [...first.follow_user];
    for (let cursor = first.next_cursor; cursor;) {
      const page = await this.call('GET', '/cgi-bin/externalcontact/get', s.getContactResponse, {
        query: { external_userid: externalUserid, cursor },
      });
      followUser.push(...page.follow_user);
      cursor = page.next_cursor;
    }
    return { external_contact: first.external_contact, follow_user: followUser };
  }
  /** Departments in the app's visible scope (§9.1), the whole subtree under `id` when given. */
  listDepartments(id?: number) {
    return this.call('GET', '/cgi-bin/department/list', s.departmentListResponse, {
      query: id === undefined ? {} : { id: String(id) },
    });
  }
  /** Members directly in one department (not recursive: the caller walks the tree). */
  listDepartmentMembers(departmentId: number) {
    return this.call('GET', '/cgi-bin/user/list', s.userListResponse, {
      query: { department_id: String(departmentId) },
    });
  }
  getUser(userid: string) {
    return this.call('GET', '/cgi-bin/user/get', s.member, { query: { userid } });
  }
  listExternalContacts(userid: string) {
    return this.call('GET', '/cgi-bin/externalcontact/list', s.listContactsResponse, { query: { userid } });
  }
  batchGetByUser(userids: string[], cursor = '', limit = 100) {
    return this.call('POST', '/cgi-bin/externalcontact/batch/get_by_user', s.batchByUserResponse, {
      body: { userid_list: userids, cursor, limit },
    });
  }
  getCorpTags() {
    return this.call('POST', '/cgi-bin/externalcontact/get_corp_tag_list', s.corpTagListResponse, { body: {} });
  }
  addCorpTags(body: {
    group_id?: string;
    group_name?: string;
    order?: number;
    tag: { name: string; order?: number }[];
    agentid?: number;
  }) {
    return this.call('POST', '/cgi-bin/externalcontact/add_corp_tag', s.addCorpTagResponse, { body });
  }
  markTag(body: { userid: string; external_userid: string; add_tag?: string[]; remove_tag?: string[] }) {
    return this.call('POST', '/cgi-bin/externalcontact/mark_tag', s.emptyResponse, { body });
  }
  addContactWay(body: { type: 1 | 2; scene: 1 | 2; state: string; user: string[]; remark?: string }) {
    return this.call('POST', '/cgi-bin/externalcontact/add_contact_way', s.contactWayResponse, { body });
  }
  getBillList(body: { begin_time: number; end_time: number; cursor?: string; limit?: number; payee_userid?: string }) {
    return this.call('POST', '/cgi-bin/externalpay/get_bill_list', s.billListResponse, { body });
  }
  editCorpTag(body: { id: string; name?: string; order?: number }) {
    return this.call('POST', '/cgi-bin/externalcontact/edit_corp_tag', s.emptyResponse, { body });
  }
  delCorpTags(body: { tag_id?: string[]; group_id?: string[] }) {
    return this.call('POST', '/cgi-bin/externalcontact/del_corp_tag', s.emptyResponse, { body });
  }
  getContactWay(configId: string) {
    return this.call('POST', '/cgi-bin/externalcontact/get_contact_way', s.getContactWayResponse, {
      body: { config_id: configId },
    });
  }
  delContactWay(configId: string) {
    return this.call('POST', '/cgi-bin/externalcontact/del_contact_way', s.emptyResponse, {
      body: { config_id: configId },
    });
  }
  groupChatList(body: { owner_userids?: string[]; cursor?: string; limit?: number }) {
    return this.call('POST', '/cgi-bin/externalcontact/groupchat/list', s.groupChatListResponse, {
      body: {
        status_filter: 0,
        ...(body.owner_userids ? { owner_filter: { userid_list: body.owner_userids } } : {}),
        cursor: body.cursor ?? '',
        limit: body.limit ?? 100,
      },
    });
  }
  groupChatGet(chatId: string) {
    return this.call('POST', '/cgi-bin/externalcontact/groupchat/get', s.groupChatResponse, {
      body: { chat_id: chatId, need_name: 1 },
    });
  }
  /** Uploads temporary media (valid 3 days) as multipart; only bytes we hold, never a client URL. */
  uploadMedia(type: 'image' | 'file' | 'video', filename: string, contentType: string, content: Buffer) {
    const makeForm = (): FormData => {
      const form = new FormData();
      form.append('media', new Blob([new Uint8Array(content)], { type: contentType }), filename);
      return form;
    };
    return this.call('POST', '/cgi-bin/media/upload', s.mediaUploadResponse, { query: { type }, form: makeForm });
  }

  /** Creates a customer mass-message task (nothing is sent until the member confirms in WeCom). */
  addMsgTemplate(body: MsgTemplateBody) {
    return this.call('POST', '/cgi-bin/externalcontact/add_msg_template', s.addMsgTemplateResponse, {
      body: { chat_type: 'single', ...body },
    });
  }
  getGroupMsgTask(msgid: string, cursor = '', limit = 1000) {
    return this.call('POST', '/cgi-bin/externalcontact/get_groupmsg_task', s.groupMsgTaskResponse, {
      body: { msgid, cursor, limit },
    });
  }
  getGroupMsgSendResult(msgid: string, userid: string, cursor = '', limit = 1000) {
    return this.call('POST', '/cgi-bin/externalcontact/get_groupmsg_send_result', s.groupMsgSendResultResponse, {
      body: { msgid, userid, cursor, limit },
    });
  }
  /** Notifies the members again; WeCom allows at most 3 per message per 24 h. */
  remindGroupMsg(msgid: string) {
    return this.call('POST', '/cgi-bin/externalcontact/remind_groupmsg_send', s.emptyResponse, { body: { msgid } });
  }
  /** Stops the sends still pending; messages already sent stay. */
  cancelGroupMsg(msgid: string) {
    return this.call('POST', '/cgi-bin/externalcontact/cancel_groupmsg_send', s.emptyResponse, { body: { msgid } });
  }
  addMomentTask(body: {
    text?: { content: string };
    attachments?: MsgAttachment[];
    visible_range?: { sender_list?: { user_list?: string[] }; external_contact_list?: { tag_list?: string[] } };
  }) {
    return this.call('POST', '/cgi-bin/externalcontact/add_moment_task', s.addMomentTaskResponse, { body });
  }
  getMomentTaskResult(jobid: string) {
    return this.call('GET', '/cgi-bin/externalcontact/get_moment_task_result', s.momentTaskResultResponse, {
      query: { jobid },
    });
  }
  getMomentTask(momentId: string, cursor = '', limit = 1000) {
    return this.call('POST', '/cgi-bin/externalcontact/get_moment_task', s.momentTaskResponse, {
      body: { moment_id: momentId, cursor, limit },
    });
  }
  /** The customers the member chose as the moment's visible range when publishing (not who received it). */
  getMomentCustomerList(momentId: string, userid: string, cursor = '', limit = 1000) {
    return this.call('POST', '/cgi-bin/externalcontact/get_moment_customer_list', s.momentCustomerListResponse, {
      body: { moment_id: momentId, userid, cursor, limit },
    });
  }
  getMomentSendResult(momentId: string, userid: string, cursor = '', limit = 5000) {
    return this.call('POST', '/cgi-bin/externalcontact/get_moment_send_result', s.momentSendResultResponse, {
      body: { moment_id: momentId, userid, cursor, limit },
    });
  }

  /**
   * Starts transfers of at most 100 customers: 在职继承 (`in_service`) or 离职继承 (`resigned`). Each
   * customer's errcode is its own; 0 only means "started".
   */
  transferCustomers(
    kind: 'in_service' | 'resigned',
    body: {
      handover_userid: string;
      takeover_userid: string;
      external_userid: string[];
      transfer_success_msg?: string;
    },
  ) {
    const path =
      kind === 'resigned'
        ? '/cgi-bin/externalcontact/resigned/transfer_customer'
        : '/cgi-bin/externalcontact/transfer_customer';
    return this.call('POST', path, s.transferCustomerResponse, { body });
  }
  /** One page (at most 1000) of the transfers from one member to another. */
  transferResult(kind: 'in_service' | 'resigned', handoverUserid: string, takeoverUserid: string, cursor = '') {
    const path =
      kind === 'resigned'
        ? '/cgi-bin/externalcontact/resigned/transfer_result'
        : '/cgi-bin/externalcontact/transfer_result';
    return this.call('POST', path, s.transferResultResponse, {
      body: { handover_userid: handoverUserid, takeover_userid: takeoverUserid, cursor },
    });
  }
  /** One page of resigned members' customers not yet handed on (cursor paging, 1000 a page). */
  getUnassignedList(cursor = '') {
    return this.call('POST', '/cgi-bin/externalcontact/get_unassigned_list', s.unassignedListResponse, {
      body: { cursor, page_size: 1000 },
    });
  }

  getUserBehaviorData(userid: string, startTime: number, endTime: number) {
    return this.call('POST', '/cgi-bin/externalcontact/get_user_behavior_data', s.behaviorDataResponse, {
      body: { userid: [userid], start_time: startTime, end_time: endTime },
    });
  }
}

/** How long to cache a token or ticket WeCom says lives `expiresIn` seconds: `early` seconds less, never past its expiry. */
export function cacheSeconds(expiresIn: number, early: number): number {
  if (expiresIn > early * 2) return expiresIn - early;
  return Math.max(1, Math.floor(expiresIn / 2));
}

/** A mass-message or moment attachment (protocol §13.1). */
export type MsgAttachment =
  | { msgtype: 'image'; image: { media_id?: string; pic_url?: string } }
  | { msgtype: 'link'; link: { title: string; url: string; picurl?: string; desc?: string } }
  | { msgtype: 'miniprogram'; miniprogram: { title: string; pic_media_id: string; appid: string; page: string } };
export interface MsgTemplateBody {
  sender: string;
  external_userid: string[];
  text?: { content: string };
  attachments?: MsgAttachment[];
}
