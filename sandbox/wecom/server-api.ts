/** The WeCom server API paths (/cgi-bin/...), with the real service's semantics and error codes. */
import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { WecomFault, ok, wecomError } from './errors';
import type { DeliveryOptions } from './callbacks';
import { massMessageApi } from './mass-messages';
import { firer, successionApi } from './succession';
import { orgServerApi } from './org';
import { newId, type Contact, type Corp, type SandboxState } from './state';

const TOKEN_TTL_S = 7200;
const PER_MINUTE_LIMIT = 10_000;
const BILL_WINDOW_S = 31 * 86_400;
const FOLLOW_PAGE = 500;
const CST_OFFSET_S = 8 * 3600;
const TICKETS_PER_HOUR = 100;

type Handler = (corp: Corp, req: Request) => object;

/** Members outside the app's visible scope are invisible to its API (60011 when named). */
const inScope = (corp: Corp, userid: string) => corp.members.get(userid)?.in_scope !== false;

export function serverApiRouter(
  state: SandboxState,
  now: () => number,
  delivery: DeliveryOptions = { retryDelaysMs: [1000, 2000], timeoutMs: 5000 },
): Router {
  const r = express.Router();
  const nowS = () => Math.floor(now() / 1000);

  function send(res: Response, fn: () => object, delayMs = 0): void {
    let body: object;
    try {
      body = fn();
    } catch (err) {
      if (err instanceof WecomFault) body = wecomError(err.errcode, err.text);
      else if (err instanceof z.ZodError)
        body = wecomError(40058, `invalid parameter: ${err.issues[0]?.path.join('.')} ${err.issues[0]?.message}`);
      else throw err;
    }
    if (delayMs <= 0) return void res.json(body);
    // Network latency: the answer reflects the state when the request arrived, however late it lands.
    state.delayedInFlight++;
    setTimeout(() => {
      state.delayedInFlight--;
      res.json(body);
    }, delayMs);
  }

  /** A one-off injected latency for the next call(s) to a path. */
  function takeDelay(corp: Corp | undefined, path: string): number {
    const d = corp?.faults.delays.get(path);
    if (!d || d.count <= 0) return 0;
    d.count--;
    return d.ms;
  }

  /**
   * Resolves the access token to its corp, applying invalidation, expiry and rate limits.
   * `unmetered` marks calls the per-minute limit does not count (auth/getuserinfo with a valid code).
   */
  function authed(path: string, handler: Handler, unmetered?: (corp: Corp, req: Request) => boolean) {
    return (req: Request, res: Response) => {
      const delayMs = takeDelay(
        state.corps.get(state.tokens.get(String(req.query.access_token ?? ''))?.corpid ?? ''),
        path,
      );
      send(
        res,
        () => {
          const token = String(req.query.access_token ?? '');
          if (!token) throw new WecomFault(41001, 'access_token missing');
          const t = state.tokens.get(token);
          if (!t) throw new WecomFault(40014, 'invalid access_token');
          const corp = state.corps.get(t.corpid);
          if (!corp) throw new WecomFault(40014, 'invalid access_token');
          if (corp.faults.expireTokens) {
            for (const v of state.tokens.values()) if (v.corpid === corp.corpid) v.expiresAt = now() - 1;
            for (const k of [...state.liveToken.keys()]) if (k.startsWith(`${corp.corpid}:`)) state.liveToken.delete(k);
            corp.faults.expireTokens = false;
          }
          if (t.expiresAt <= now()) throw new WecomFault(42001, 'access_token expired');
          const busy = corp.faults.busy.get(path);
          if (busy && busy.count > 0) {
            busy.count--;
            throw busy.errcode === -1
              ? new WecomFault(-1, 'system busy')
              : new WecomFault(45033, 'api concurrent out of limit');
          }
          const injected = corp.faults.rateLimits.get(path) ?? 0;
          if (injected > 0) {
            corp.faults.rateLimits.set(path, injected - 1);
            throw new WecomFault(45009, 'api freq out of limit');
          }
          if (unmetered?.(corp, req)) return handler(corp, req);
          const minute = Math.floor(now() / 60_000);
          const c = corp.calls.get(path);
          if (!c || c.minute !== minute) corp.calls.set(path, { minute, count: 1 });
          else if (++c.count > PER_MINUTE_LIMIT) throw new WecomFault(45009, 'api freq out of limit');
          return handler(corp, req);
        },
        delayMs,
      );
    };
  }

  r.get('/cgi-bin/gettoken', (req, res) =>
    send(res, () => {
      state.stats.gettoken++;
      const corp = state.corps.get(String(req.query.corpid ?? ''));
      if (!corp) throw new WecomFault(40013, 'invalid corpid');
      const secret = String(req.query.corpsecret ?? '');
      if (secret !== corp.secret && secret !== corp.contactSecret && secret !== corp.contactSync?.secret)
        throw new WecomFault(40001, 'invalid credential');
      const key = `${corp.corpid}:${secret}`;
      const live = state.liveToken.get(key);
      const current = live ? state.tokens.get(live) : undefined;
      if (current && current.expiresAt > now())
        return ok({ access_token: live!, expires_in: Math.floor((current.expiresAt - now()) / 1000) });
      const token = randomBytes(48).toString('base64url');
      state.tokens.set(token, { corpid: corp.corpid, secret, expiresAt: now() + TOKEN_TTL_S * 1000 });
      state.liveToken.set(key, token);
      return ok({ access_token: token, expires_in: TOKEN_TTL_S });
    }),
  );

  const validCode = (corp: Corp, code: string) => {
    const c = state.oauthCodes.get(code);
    return c && c.corpid === corp.corpid && c.expiresAt > now() ? c : undefined;
  };
  // Sign-in with a valid code is not rate-limited in WeCom; invalid codes count as any other call.
  r.get(
    '/cgi-bin/auth/getuserinfo',
    authed(
      'auth/getuserinfo',
      (corp, req) => {
        const code = String(req.query.code ?? '');
        const c = validCode(corp, code);
        state.oauthCodes.delete(code); // single use, even when expired
        if (!c) throw new WecomFault(40029, 'invalid code');
        return ok({ userid: c.userid });
      },
      (corp, req) => validCode(corp, String(req.query.code ?? '')) !== undefined,
    ),
  );

  const ticket = (kind: string) => (corp: Corp) => {
    state.stats.tickets++;
    const hour = Math.floor(now() / 3_600_000);
    if (corp.ticketCalls.hour !== hour) corp.ticketCalls = { hour, count: 0 };
    if (++corp.ticketCalls.count > TICKETS_PER_HOUR) throw new WecomFault(45009, 'api freq out of limit');
    const key = `${corp.corpid}:${kind}`;
    const t = state.tickets.get(key);
    if (t && t.expiresAt > now()) return ok({ ticket: t.ticket, expires_in: Math.floor((t.expiresAt - now()) / 1000) });
    const fresh = { ticket: randomBytes(40).toString('base64url'), expiresAt: now() + 7200_000 };
    state.tickets.set(key, fresh);
    return ok({ ticket: fresh.ticket, expires_in: 7200 });
  };
  r.get('/cgi-bin/get_jsapi_ticket', authed('get_jsapi_ticket', ticket('corp')));
  r.get(
    '/cgi-bin/ticket/get',
    authed('ticket/get', (corp, req) => {
      if (req.query.type !== 'agent_config') throw new WecomFault(40058, 'invalid type');
      return ticket('agent')(corp);
    }),
  );

  const contactView = (corp: Corp, c: Contact) => ({
    external_userid: c.external_userid,
    name: c.name,
    type: c.type,
    gender: c.gender,
    avatar: c.avatar,
    ...(c.unionid ? { unionid: c.unionid } : {}),
  });
  const tagView = (corp: Corp, ids: string[]) =>
    ids.flatMap((id) => {
      const g = corp.groups.find((gr) => gr.tag.some((t) => t.id === id));
      const t = g?.tag.find((x) => x.id === id);
      return g && t ? [{ group_name: g.group_name, tag_name: t.name, tag_id: t.id, type: 1 }] : [];
    });
  const followView = (corp: Corp, f: Contact['follow_user'][number]) => ({
    userid: f.userid,
    remark: f.remark,
    description: f.description,
    createtime: f.createtime,
    tags: tagView(corp, f.tag_ids),
    oper_userid: f.oper_userid,
    add_way: f.add_way,
    ...(f.state ? { state: f.state } : {}),
  });

  r.get(
    '/cgi-bin/externalcontact/get',
    authed('externalcontact/get', (corp, req) => {
      const c = corp.contacts.get(String(req.query.external_userid ?? ''));
      // The app sees only followers inside its visible scope; a contact none of them follows is none of its business.
      const visible = c ? c.follow_user.filter((f) => inScope(corp, f.userid)) : [];
      if (!c || visible.length === 0) throw new WecomFault(84061, 'not external contact');
      // follow_user comes 500 at a time; next_cursor only while more remain.
      const start = req.query.cursor ? Number(Buffer.from(String(req.query.cursor), 'base64url').toString()) || 0 : 0;
      const page = visible.slice(start, start + FOLLOW_PAGE);
      const more = start + FOLLOW_PAGE < visible.length;
      return ok({
        external_contact: contactView(corp, c),
        follow_user: page.map((f) => followView(corp, f)),
        ...(more ? { next_cursor: Buffer.from(String(start + FOLLOW_PAGE)).toString('base64url') } : {}),
      });
    }),
  );

  r.get(
    '/cgi-bin/externalcontact/list',
    authed('externalcontact/list', (corp, req) => {
      const userid = String(req.query.userid ?? '');
      if (!corp.members.has(userid)) throw new WecomFault(60111, 'invalid string value `userid`');
      if (!inScope(corp, userid)) throw new WecomFault(60011, 'no privilege to access/modify contact/party/agent');
      return ok({
        external_userid: [...corp.contacts.values()]
          .filter((c) => c.follow_user.some((f) => f.userid === userid))
          .map((c) => c.external_userid),
      });
    }),
  );

  const byUserBody = z.object({
    userid_list: z.array(z.string()).min(1).max(100).optional(),
    userid: z.string().optional(),
    cursor: z.string().optional(),
    // WeCom clamps a larger limit to 100 rather than refusing it.
    limit: z
      .number()
      .int()
      .min(1)
      .transform((n) => Math.min(n, 100))
      .optional(),
  });
  r.post(
    '/cgi-bin/externalcontact/batch/get_by_user',
    express.json(),
    authed('externalcontact/batch/get_by_user', (corp, req) => {
      const b = byUserBody.parse(req.body);
      const users = new Set(b.userid_list ?? (b.userid ? [b.userid] : []));
      if (users.size === 0) throw new WecomFault(40058, 'userid_list required');
      for (const u of users)
        if (!inScope(corp, u)) throw new WecomFault(60011, 'no privilege to access/modify contact/party/agent');
      const all = [...corp.contacts.values()].flatMap((c) =>
        c.follow_user.filter((f) => users.has(f.userid)).map((f) => ({ c, f })),
      );
      const start = b.cursor ? Number(Buffer.from(b.cursor, 'base64url').toString()) || 0 : 0;
      const limit = b.limit ?? 50;
      const page = all.slice(start, start + limit);
      const next = start + limit < all.length ? Buffer.from(String(start + limit)).toString('base64url') : '';
      return ok({
        external_contact_list: page.map(({ c, f }) => ({
          external_contact: contactView(corp, c),
          follow_info: {
            userid: f.userid,
            remark: f.remark,
            description: f.description,
            createtime: f.createtime,
            tag_id: f.tag_ids,
            oper_userid: f.oper_userid,
            add_way: f.add_way,
            ...(f.state ? { state: f.state } : {}),
          },
        })),
        next_cursor: next,
      });
    }),
  );

  r.post(
    '/cgi-bin/externalcontact/get_corp_tag_list',
    express.json(),
    authed('externalcontact/get_corp_tag_list', (corp, req) => {
      const b = z
        .object({ tag_id: z.array(z.string()).optional(), group_id: z.array(z.string()).optional() })
        .parse(req.body ?? {});
      let groups = corp.groups;
      // With both filters WeCom ignores tag_id and filters by group_id only.
      if (b.group_id?.length) groups = groups.filter((g) => b.group_id!.includes(g.group_id));
      else if (b.tag_id?.length)
        groups = groups
          .map((g) => ({ ...g, tag: g.tag.filter((t) => b.tag_id!.includes(t.id)) }))
          .filter((g) => g.tag.length);
      return ok({ tag_group: groups });
    }),
  );

  /** Group and tag names: 1–30 characters (counted as characters), WeCom's 40072 otherwise. */
  const tagName = (name: string, what: string) => {
    const n = [...name.trim()].length;
    if (n === 0 || n > 30) throw new WecomFault(40072, `invalid ${what} name length, 1 to 30 characters`);
    return name.trim();
  };
  const order = z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional();
  /** An app edits and deletes only the groups and tags it made itself. */
  const ownTag = (corp: Corp, id: string) => {
    if (corp.tagOwners.get(id) === 'console')
      throw new WecomFault(corp.foreignTagErrcode, 'no privilege to edit a tag created by others');
  };
  const withoutTags = (corp: Corp, ids: Set<string>) => {
    for (const k of corp.contacts.values())
      for (const f of k.follow_user) f.tag_ids = f.tag_ids.filter((x) => !ids.has(x));
  };

  r.post(
    '/cgi-bin/externalcontact/add_corp_tag',
    express.json(),
    authed('externalcontact/add_corp_tag', (corp, req) => {
      const b = z
        .object({
          group_id: z.string().optional(),
          group_name: z.string().optional(),
          order,
          tag: z
            .array(z.object({ name: z.string(), order }))
            .min(1)
            .max(100),
          agentid: z.number().int().optional(),
        })
        .parse(req.body);
      // group_id given: the tags go into that group (group_name and order ignored); otherwise
      // group_name names a new group, or an existing one of that name.
      let g = b.group_id
        ? corp.groups.find((x) => x.group_id === b.group_id)
        : b.group_name !== undefined
          ? corp.groups.find((x) => x.group_name === tagName(b.group_name!, 'group'))
          : undefined;
      if (b.group_id && !g) throw new WecomFault(40068, 'invalid tagid');
      // Duplicate names in one call make one tag; a name the group has already is refused.
      const names = [...new Set(b.tag.map((t) => tagName(t.name, 'tag')))];
      if (g && names.some((n) => g!.tag.some((t) => t.name === n)))
        throw new WecomFault(40071, 'tag name already exists');
      const total = corp.groups.reduce((n, x) => n + x.tag.length, 0);
      if (total + names.length > 3000) throw new WecomFault(40058, 'corp tags exceed the limit of 3000');
      if (!g) {
        g = {
          group_id: newId('et'),
          group_name: b.group_name !== undefined ? tagName(b.group_name, 'group') : '未分组',
          create_time: nowS(),
          order: b.order ?? 0,
          tag: [],
        };
        corp.groups.push(g);
        corp.tagOwners.set(g.group_id, 'app');
      }
      const added = names.map((name) => ({
        id: newId('et'),
        name,
        create_time: nowS(),
        order: b.tag.find((t) => t.name.trim() === name)?.order ?? 0,
      }));
      for (const t of added) corp.tagOwners.set(t.id, 'app');
      g.tag.push(...added);
      // No callback: changes made through the API are not called back (§10.2).
      return ok({
        tag_group: {
          group_id: g.group_id,
          group_name: g.group_name,
          create_time: g.create_time,
          order: g.order,
          tag: added,
        },
      });
    }),
  );

  r.post(
    '/cgi-bin/externalcontact/edit_corp_tag',
    express.json(),
    authed('externalcontact/edit_corp_tag', (corp, req) => {
      const b = z
        .object({ id: z.string(), name: z.string().optional(), order, agentid: z.number().int().optional() })
        .parse(req.body);
      const g = corp.groups.find((x) => x.group_id === b.id);
      const parent = corp.groups.find((x) => x.tag.some((t) => t.id === b.id));
      const t = parent?.tag.find((x) => x.id === b.id);
      if (!g && !t) throw new WecomFault(40068, 'invalid tagid');
      ownTag(corp, b.id);
      if (b.name !== undefined) {
        const name = tagName(b.name, g ? 'group' : 'tag');
        // A group's new name may not clash with another group's, a tag's with a sibling's.
        if (g && corp.groups.some((x) => x !== g && x.group_name === name))
          throw new WecomFault(40071, 'tag group name already exists');
        if (t && parent!.tag.some((x) => x !== t && x.name === name))
          throw new WecomFault(40071, 'tag name already exists');
        if (g) g.group_name = name;
        else t!.name = name;
      }
      if (b.order !== undefined) (g ?? t)!.order = b.order;
      return ok({});
    }),
  );

  r.post(
    '/cgi-bin/externalcontact/del_corp_tag',
    express.json(),
    authed('externalcontact/del_corp_tag', (corp, req) => {
      const b = z
        .object({
          tag_id: z.array(z.string()).optional(),
          group_id: z.array(z.string()).optional(),
          agentid: z.number().int().optional(),
        })
        .parse(req.body);
      if (!b.tag_id?.length && !b.group_id?.length)
        throw new WecomFault(40058, 'tag_id and group_id cannot both be empty');
      const known = new Set(corp.groups.flatMap((g) => [g.group_id, ...g.tag.map((t) => t.id)]));
      const ids = [...(b.tag_id ?? []), ...(b.group_id ?? [])];
      if (!ids.some((id) => known.has(id))) throw new WecomFault(40068, 'invalid tagid');
      for (const id of ids) if (known.has(id)) ownTag(corp, id);
      const gone = new Set<string>();
      corp.groups = corp.groups
        .map((g) => {
          const dropGroup = b.group_id?.includes(g.group_id) ?? false;
          const keep = g.tag.filter((t) => !dropGroup && !b.tag_id?.includes(t.id));
          for (const t of g.tag) if (!keep.includes(t)) gone.add(t.id);
          return { ...g, tag: keep };
        })
        // A group goes with its tags: deleting its last tag deletes it.
        .filter((g) => g.tag.length > 0);
      withoutTags(corp, gone);
      return ok({});
    }),
  );

  r.post(
    '/cgi-bin/externalcontact/mark_tag',
    express.json(),
    authed('externalcontact/mark_tag', (corp, req) => {
      const b = z
        .object({
          userid: z.string(),
          external_userid: z.string(),
          add_tag: z.array(z.string()).optional(),
          remove_tag: z.array(z.string()).optional(),
        })
        .parse(req.body);
      if (!b.add_tag?.length && !b.remove_tag?.length)
        throw new WecomFault(40058, 'add_tag and remove_tag cannot both be empty');
      const c = corp.contacts.get(b.external_userid);
      const f = c?.follow_user.find((x) => x.userid === b.userid);
      if (!c || !f) throw new WecomFault(84061, 'not external contact');
      const known = new Set(corp.groups.flatMap((g) => g.tag.map((t) => t.id)));
      for (const id of [...(b.add_tag ?? []), ...(b.remove_tag ?? [])])
        if (!known.has(id)) throw new WecomFault(40068, 'invalid tagid');
      // Changes made through the API fire no callback.
      f.tag_ids = [...new Set([...f.tag_ids.filter((t) => !(b.remove_tag ?? []).includes(t)), ...(b.add_tag ?? [])])];
      return ok({});
    }),
  );

  const wayBody = z
    .object({
      type: z.union([z.literal(1), z.literal(2)]),
      scene: z.union([z.literal(1), z.literal(2)]),
      state: z.string().max(30).optional(),
      user: z.array(z.string()).max(100).optional(),
      remark: z.string().optional(),
      skip_verify: z.boolean().optional(),
    })
    .passthrough();
  r.post(
    '/cgi-bin/externalcontact/add_contact_way',
    express.json(),
    authed('externalcontact/add_contact_way', (corp, req) => {
      const raw = (req.body ?? {}) as Record<string, unknown>;
      if (raw.type === undefined) throw new WecomFault(41037, 'missing contact way type');
      if (raw.scene === 2 && raw.style !== undefined) throw new WecomFault(41040, 'invalid contact way scene');
      if (typeof raw.remark === 'string' && [...raw.remark].length > 30)
        throw new WecomFault(40058, 'remark exceed max length 30');
      const b = wayBody.parse(req.body);
      const users = b.user ?? [];
      if (b.type === 1 && users.length !== 1) throw new WecomFault(40058, 'type 1 needs exactly one user');
      for (const u of users) if (!corp.members.has(u)) throw new WecomFault(60111, 'invalid string value `user`');
      const config_id = newId('', 16);
      // Served by this sandbox (WeCom's is an image on its CDN), so the console can show and download it.
      const qr_code = `${req.protocol}://${req.get('host') ?? '127.0.0.1'}/sandbox/qr/${config_id}.png`;
      corp.contactWays.set(config_id, {
        config_id,
        type: b.type,
        scene: b.scene,
        state: b.state ?? '',
        user: users,
        remark: b.remark ?? '',
        skip_verify: b.skip_verify ?? true,
        qr_code,
      });
      return ok({ config_id, qr_code });
    }),
  );
  r.post(
    '/cgi-bin/externalcontact/get_contact_way',
    express.json(),
    authed('externalcontact/get_contact_way', (corp, req) => {
      const w = corp.contactWays.get(String((req.body as { config_id?: string }).config_id ?? ''));
      if (!w) throw new WecomFault(41044, 'invalid config_id');
      return ok({ contact_way: w });
    }),
  );
  r.post(
    '/cgi-bin/externalcontact/del_contact_way',
    express.json(),
    authed('externalcontact/del_contact_way', (corp, req) => {
      if (!corp.contactWays.delete(String((req.body as { config_id?: string }).config_id ?? '')))
        throw new WecomFault(41044, 'invalid config_id');
      return ok({});
    }),
  );

  const billBody = z.object({
    begin_time: z.number().int(),
    end_time: z.number().int(),
    payee_userid: z.string().optional(),
    cursor: z.string().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  });
  r.post(
    '/cgi-bin/externalpay/get_bill_list',
    express.json(),
    authed('externalpay/get_bill_list', (corp, req) => {
      const b = billBody.parse(req.body);
      if (b.end_time < b.begin_time) throw new WecomFault(40058, 'end_time before begin_time');
      if (b.end_time - b.begin_time > BILL_WINDOW_S) throw new WecomFault(40058, 'time range exceeds one month');
      const all = corp.bills
        .filter(
          (x) =>
            x.pay_time >= b.begin_time &&
            x.pay_time <= b.end_time &&
            (!b.payee_userid || x.payee_userid === b.payee_userid),
        )
        .sort(
          (x, y) =>
            x.pay_time - y.pay_time || x.transaction_id.localeCompare(y.transaction_id) || x.bill_type - y.bill_type,
        );
      // A cursor belongs to the query that issued it (an assumption: WeCom's cursors are opaque), so a
      // client that changes the window mid-paging is told, not silently served a shifted page.
      const query = `${b.begin_time}:${b.end_time}:${b.payee_userid ?? ''}`;
      let start = 0;
      if (b.cursor) {
        const c = /^(\d+)@(.*)$/.exec(Buffer.from(b.cursor, 'base64url').toString());
        if (!c || c[2] !== query) throw new WecomFault(40058, 'invalid cursor');
        start = Number(c[1]);
      }
      const limit = b.limit ?? 1000;
      const page = all.slice(start, start + limit);
      return ok({
        ...(start + limit < all.length
          ? { next_cursor: Buffer.from(`${start + limit}@${query}`).toString('base64url') }
          : {}),
        bill_list: page,
      });
    }),
  );

  r.post(
    '/cgi-bin/externalcontact/get_user_behavior_data',
    express.json(),
    authed('externalcontact/get_user_behavior_data', (corp, req) => {
      const b = z
        .object({
          userid: z.array(z.string()).max(100).optional(),
          partyid: z.array(z.number().int()).max(100).optional(),
          start_time: z.number().int(),
          end_time: z.number().int(),
        })
        .parse(req.body);
      const users = b.userid ?? [];
      if (users.length === 0 && !b.partyid?.length)
        throw new WecomFault(40058, 'userid and partyid cannot both be empty');
      // Days are China Standard Time days: times are floored to 00:00 CST (UTC+8).
      const cstDay = (t: number) => Math.floor((t + CST_OFFSET_S) / 86_400) * 86_400 - CST_OFFSET_S;
      const first = cstDay(b.start_time);
      if (b.end_time < b.start_time) throw new WecomFault(40058, 'end_time before start_time');
      if (cstDay(b.end_time) - first >= 30 * 86_400) throw new WecomFault(40058, 'time range exceeds 30 days');
      if (first < cstDay(nowS()) - 180 * 86_400) throw new WecomFault(40058, 'start_time older than 180 days');
      const days: object[] = [];
      for (let t = first; t <= b.end_time; t += 86_400) {
        // Several ids are summed into one series, as the real API does.
        const contacts = [...corp.contacts.values()].filter((c) => c.follow_user.some((f) => users.includes(f.userid)));
        // A customer who has since deleted the member (a one-way relation) no longer counts as new.
        const added = contacts.filter((c) =>
          c.follow_user.some(
            (f) => users.includes(f.userid) && !f.deleted_by_customer && f.createtime >= t && f.createtime < t + 86_400,
          ),
        ).length;
        const sent = state.sentMessages.filter(
          (m) => m.corpid === corp.corpid && users.includes(m.userid) && m.at / 1000 >= t && m.at / 1000 < t + 86_400,
        );
        const chats = new Set(sent.map((m) => m.external_userid || m.chat_id)).size;
        days.push({
          stat_time: t,
          chat_cnt: chats,
          message_cnt: sent.length,
          negative_feedback_cnt: 0,
          new_apply_cnt: added,
          new_contact_cnt: added,
          ...(chats ? { reply_percentage: 100, avg_reply_time: 1 } : {}),
        });
      }
      return ok({ behavior_data: days });
    }),
  );

  const groupListBody = z.object({
    status_filter: z.number().int().min(0).max(3).optional(),
    owner_filter: z.object({ userid_list: z.array(z.string()).max(100) }).optional(),
    cursor: z.string().optional(),
    limit: z.number().int().min(1).max(1000),
  });
  r.post(
    '/cgi-bin/externalcontact/groupchat/list',
    express.json(),
    authed('externalcontact/groupchat/list', (corp, req) => {
      const b = groupListBody.parse(req.body);
      const owners = b.owner_filter?.userid_list;
      const all = [...corp.groupChats.values()].filter(
        (g) => (!owners?.length || owners.includes(g.owner)) && (!b.status_filter || g.status === b.status_filter),
      );
      const start = b.cursor ? Number(Buffer.from(b.cursor, 'base64url').toString()) || 0 : 0;
      const page = all.slice(start, start + b.limit);
      return ok({
        group_chat_list: page.map((g) => ({ chat_id: g.chat_id, status: g.status })),
        ...(start + b.limit < all.length
          ? { next_cursor: Buffer.from(String(start + b.limit)).toString('base64url') }
          : {}),
      });
    }),
  );
  r.post(
    '/cgi-bin/externalcontact/groupchat/get',
    express.json(),
    authed('externalcontact/groupchat/get', (corp, req) => {
      const b = z.object({ chat_id: z.string(), need_name: z.number().int().optional() }).parse(req.body);
      const g = corp.groupChats.get(b.chat_id);
      if (!g) throw new WecomFault(701008, 'invalid chat_id');
      const { status: _status, ...chat } = g;
      return ok({
        group_chat: {
          ...chat,
          member_list: chat.member_list.map((m) => (b.need_name ? m : { ...m, name: undefined })),
        },
      });
    }),
  );

  // Temporary media: valid for 3 days. Multipart body with a `media` file part.
  r.post(
    '/cgi-bin/media/upload',
    express.raw({ type: () => true, limit: '20mb' }),
    authed('media/upload', (corp, req) => {
      const type = String(req.query.type ?? '');
      if (!['image', 'voice', 'video', 'file'].includes(type)) throw new WecomFault(40004, 'invalid media type');
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!/^multipart\/form-data/.test(req.get('content-type') ?? '') || !body.includes('filename='))
        throw new WecomFault(41005, 'media data missing');
      // WeCom's limits per type: size (40006, at least 5 bytes) and file format (40005).
      const filename = /filename="([^"]*)"/.exec(body.subarray(0, 4096).toString('latin1'))?.[1] ?? '';
      const ext = filename.toLowerCase().split('.').pop() ?? '';
      const formats: Record<string, string[]> = { image: ['jpg', 'jpeg', 'png'], voice: ['amr'], video: ['mp4'] };
      if (formats[type] && !formats[type].includes(ext)) throw new WecomFault(40005, 'invalid file type');
      const maxBytes = { image: 10, voice: 2, video: 10, file: 20 }[type as 'image'] * 1024 * 1024;
      const headerBytes = body.indexOf('\r\n\r\n') + 4;
      const fileBytes = body.lastIndexOf('\r\n--') - headerBytes;
      if (body.length > maxBytes || fileBytes < 5) throw new WecomFault(40006, 'invalid file size');
      state.stats.mediaUpload++;
      const media_id = `3${randomBytes(24).toString('base64url')}`;
      corp.media.set(media_id, { type, bytes: body.length, created_at: nowS() });
      return ok({ type, media_id, created_at: String(nowS()) });
    }),
  );

  // 上传图片: a permanent image URL (jpg/png, at most 2 MB) for pic_url in mass messages.
  r.post(
    '/cgi-bin/media/uploadimg',
    express.raw({ type: () => true, limit: '20mb' }),
    authed('media/uploadimg', (corp, req) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!/^multipart\/form-data/.test(req.get('content-type') ?? '') || !body.includes('filename='))
        throw new WecomFault(41005, 'media data missing');
      const filename = /filename="([^"]*)"/.exec(body.subarray(0, 4096).toString('latin1'))?.[1] ?? '';
      if (!['jpg', 'jpeg', 'png'].includes(filename.toLowerCase().split('.').pop() ?? ''))
        throw new WecomFault(40005, 'invalid file type');
      if (body.length > 2 * 1024 * 1024) throw new WecomFault(40006, 'invalid file size');
      const url = `https://wework.qpic.cn/wwpic/${randomBytes(12).toString('hex')}/0`;
      corp.media.set(url, { type: 'uploadimg', bytes: body.length, created_at: nowS() });
      return ok({ url });
    }),
  );

  massMessageApi(r, authed, state, nowS);
  successionApi(r, authed, nowS, firer(delivery));
  orgServerApi(r, authed, state);

  return r;
}
