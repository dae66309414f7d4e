/**
 * WeCom server API client for one corp and one app secret. Tokens and tickets are cached in
 * Redis (shared by every process) and refreshed single-flight per process; token errors refresh
 * and retry once; rate limits back off without refreshing; every response is parsed by zod.
 */
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Logger } from '../logger';
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

type Query = Record<string, string | number | undefined>;

export class WecomClient {
  private inflightToken: Promise<string> | null = null;
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

  private async http<S extends z.ZodType>(method: 'GET' | 'POST', path: string, query: Query, body: unknown, schema: S): Promise<{ errcode: number; errmsg: string; data?: z.infer<S> }> {
    const url = new URL(path, this.o.baseUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new WecomError(-1, `HTTP ${res.status}`, path);
    const json: unknown = await res.json();
    const base = s.baseResponse.parse(json);
    if (base.errcode !== 0) return { errcode: base.errcode, errmsg: base.errmsg };
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new WecomError(-2, `unexpected response shape: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`, path);
    return { errcode: 0, errmsg: 'ok', data: parsed.data };
  }

  /** The cached token, or a fresh one (single-flight: concurrent callers share one gettoken). */
  async accessToken(stale?: string): Promise<string> {
    const cached = await this.o.redis.get(this.key('token'));
    if (cached && cached !== stale) return cached;
    if (this.inflightToken) return this.inflightToken;
    this.inflightToken = (async () => {
      try {
        const r = await this.http('GET', '/cgi-bin/gettoken', { corpid: this.o.corpid, corpsecret: this.o.secret }, undefined, s.tokenResponse);
        if (!r.data) throw new WecomError(r.errcode, r.errmsg, '/cgi-bin/gettoken');
        // Refresh a minute early, as the reference clients do.
        await this.o.redis.set(this.key('token'), r.data.access_token, 'EX', Math.max(60, r.data.expires_in - 60));
        return r.data.access_token;
      } finally {
        this.inflightToken = null;
      }
    })();
    return this.inflightToken;
  }

  /** Calls an API with the token; token errors refresh and retry once, rate limits back off. */
  async call<S extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: S, opts: { query?: Query; body?: unknown } = {}): Promise<z.infer<S>> {
    let token = await this.accessToken();
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const r = await this.http(method, path, { ...opts.query, access_token: token }, opts.body, schema);
      if (r.data !== undefined) return r.data;
      if (TOKEN_ERRCODES.has(r.errcode) && !refreshed) {
        refreshed = true;
        this.o.logger?.info({ path, errcode: r.errcode }, 'wecom token rejected; refreshing');
        token = await this.accessToken(token);
        continue;
      }
      const wait = this.backoffMs[attempt];
      if (BACKOFF_ERRCODES.has(r.errcode) && wait !== undefined) {
        this.o.logger?.warn({ path, errcode: r.errcode, waitMs: wait }, 'wecom busy or rate-limited; backing off');
        await new Promise((res) => setTimeout(res, wait));
        continue;
      }
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
        const r = kind === 'corp'
          ? await this.call('GET', '/cgi-bin/get_jsapi_ticket', s.ticketResponse)
          : await this.call('GET', '/cgi-bin/ticket/get', s.ticketResponse, { query: { type: 'agent_config' } });
        await this.o.redis.set(key, r.ticket, 'EX', Math.max(60, r.expires_in - 300));
        return r.ticket;
      } finally {
        this.inflightTickets.delete(kind);
      }
    })();
    this.inflightTickets.set(kind, p);
    return p;
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
  getExternalContact(externalUserid: string) {
    return this.call('GET', '/cgi-bin/externalcontact/get', s.getContactResponse, { query: { external_userid: externalUserid } });
  }
  listExternalContacts(userid: string) {
    return this.call('GET', '/cgi-bin/externalcontact/list', s.listContactsResponse, { query: { userid } });
  }
  batchGetByUser(userids: string[], cursor = '', limit = 100) {
    return this.call('POST', '/cgi-bin/externalcontact/batch/get_by_user', s.batchByUserResponse, { body: { userid_list: userids, cursor, limit } });
  }
  getCorpTags() {
    return this.call('POST', '/cgi-bin/externalcontact/get_corp_tag_list', s.corpTagListResponse, { body: {} });
  }
  addCorpTags(body: { group_id?: string; group_name?: string; tag: { name: string; order?: number }[] }) {
    return this.call('POST', '/cgi-bin/externalcontact/add_corp_tag', s.baseResponse, { body });
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
    return this.call('POST', '/cgi-bin/externalcontact/get_contact_way', s.getContactWayResponse, { body: { config_id: configId } });
  }
  delContactWay(configId: string) {
    return this.call('POST', '/cgi-bin/externalcontact/del_contact_way', s.emptyResponse, { body: { config_id: configId } });
  }
  groupChatList(body: { owner_userids?: string[]; cursor?: string; limit?: number }) {
    return this.call('POST', '/cgi-bin/externalcontact/groupchat/list', s.groupChatListResponse, {
      body: { status_filter: 0, ...(body.owner_userids ? { owner_filter: { userid_list: body.owner_userids } } : {}), cursor: body.cursor ?? '', limit: body.limit ?? 100 },
    });
  }
  groupChatGet(chatId: string) {
    return this.call('POST', '/cgi-bin/externalcontact/groupchat/get', s.groupChatResponse, { body: { chat_id: chatId, need_name: 1 } });
  }
  /** Uploads temporary media (valid 3 days) as multipart; only bytes we hold, never a client URL. */
  uploadMedia(type: 'image' | 'file' | 'video', filename: string, contentType: string, content: Buffer) {
    return this.callRaw('/cgi-bin/media/upload', s.mediaUploadResponse, { type }, () => {
      const form = new FormData();
      form.append('media', new Blob([new Uint8Array(content)], { type: contentType }), filename);
      return form;
    });
  }

  private async callRaw<S extends z.ZodType>(path: string, schema: S, query: Query, makeBody: () => FormData): Promise<z.infer<S>> {
    let token = await this.accessToken();
    for (let attempt = 0; attempt < 2; attempt++) {
      const url = new URL(path, this.o.baseUrl);
      for (const [k, v] of Object.entries({ ...query, access_token: token })) if (v !== undefined) url.searchParams.set(k, String(v));
      const res = await fetch(url, { method: 'POST', body: makeBody(), signal: AbortSignal.timeout(this.timeoutMs) });
      const json: unknown = await res.json();
      const base = s.baseResponse.parse(json);
      if (base.errcode === 0) return schema.parse(json);
      if (!TOKEN_ERRCODES.has(base.errcode) || attempt > 0) throw new WecomError(base.errcode, base.errmsg, path);
      token = await this.accessToken(token);
    }
    throw new WecomError(-1, 'unreachable', path);
  }

  getUserBehaviorData(userid: string, startTime: number, endTime: number) {
    return this.call('POST', '/cgi-bin/externalcontact/get_user_behavior_data', s.behaviorDataResponse, { body: { userid: [userid], start_time: startTime, end_time: endTime } });
  }
}
