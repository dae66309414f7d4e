/**
 * Control API (/sandbox/api): makes things happen the way people do them in the WeCom client —
 * a customer scans a channel QR, pays a guide, a guide edits tags — and seeds corps in bulk.
 * Client-side actions fire encrypted callbacks; bulk loads do not.
 */
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { deliver, eventXml, verifyCallbackSettings, type DeliveryOptions } from './callbacks';
import { newId, type Contact, type Corp, type SandboxState } from './state';
import { avatarUrl } from './assets';
import { MassMessageError, confirmGroupMsg, pendingFor, publishMoment } from './mass-messages';
import { firer, successionControl } from './succession';
import { orgControlApi } from './org';

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const corpBody = z.object({
  corpid: z.string().min(1).max(64),
  name: z.string().min(1),
  agentid: z.number().int().positive(),
  secret: z.string().min(1),
  contactSecret: z.string().optional(),
  callback: z.object({ url: z.url(), token: z.string().min(1), encodingAESKey: z.string().length(43) }).optional(),
  /** 网页授权及JS-SDK 可信域名: when set, OAuth redirects elsewhere fail with 50001, as in WeCom. */
  trustedDomains: z.array(z.string().min(1)).optional(),
  /** When the self-built app was created (ms): from 2022-06-20 20:00 (UTC+8) it reads fewer member fields. */
  appCreatedAt: z.number().int().optional(),
  /** Mini-program appids linked to the corp (关联小程序); others are refused in mass messages with 90206. */
  miniprograms: z.array(z.string().min(1)).optional(),
});
const followBody = z.object({
  userid: z.string(),
  remark: z.string().optional(),
  description: z.string().optional(),
  createtime: z.number().int(),
  add_way: z.number().int().optional(),
  state: z.string().max(30).optional(),
  tag_ids: z.array(z.string()).optional(),
});
const contactBody = z.object({
  external_userid: z.string().min(1),
  name: z.string().min(1),
  type: z.union([z.literal(1), z.literal(2)]).optional(),
  gender: z.number().int().min(0).max(2).optional(),
  unionid: z.string().optional(),
  avatar: z.string().optional(),
  follow_user: z.array(followBody),
});

export function controlApiRouter(state: SandboxState, now: () => number, delivery: DeliveryOptions): Router {
  const r = express.Router();
  r.use(express.json({ limit: '20mb' }));
  const nowS = () => Math.floor(now() / 1000);

  const wrap =
    (fn: (req: Request, res: Response) => Promise<unknown> | unknown) =>
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        const out = await fn(req, res);
        if (!res.headersSent) res.json(out ?? { ok: true });
      } catch (err) {
        if (err instanceof ControlError || err instanceof MassMessageError)
          res.status(err.status).json({ error: err.message });
        else if (err instanceof z.ZodError)
          res.status(400).json({ error: `${err.issues[0]?.path.join('.') || 'body'}: ${err.issues[0]?.message}` });
        else next(err);
      }
    };
  const corpOf = (req: Request): Corp => {
    const c = state.corps.get(String(req.params.corpid));
    if (!c) throw new ControlError(404, `no corp ${req.params.corpid}`);
    return c;
  };
  const member = (corp: Corp, userid: string) => {
    if (!corp.members.has(userid)) throw new ControlError(400, `no member ${userid} in ${corp.corpid}`);
  };
  /** Fires the callback in the background, as WeCom does; the action answers at once. */
  const fire = (corp: Corp, fields: Record<string, string | number | undefined>) => {
    const xml = eventXml(corp.corpid, fields);
    void deliver(
      corp,
      xml,
      { event: String(fields.Event), change_type: fields.ChangeType ? String(fields.ChangeType) : null },
      delivery,
    );
  };

  /** The relation starts (add_way 1, the channel's state) and add_external_contact goes out. */
  const addFollow = (corp: Corp, profile: Omit<Contact, 'follow_user'>, userid: string, wayState: string) => {
    const contact: Contact = corp.contacts.get(profile.external_userid) ?? { ...profile, follow_user: [] };
    contact.follow_user = contact.follow_user.filter((f) => f.userid !== userid);
    contact.follow_user.push({
      userid,
      remark: '',
      description: '',
      createtime: nowS(),
      add_way: 1,
      state: wayState,
      oper_userid: profile.external_userid,
      tag_ids: [],
    });
    corp.contacts.set(profile.external_userid, contact);
    fire(corp, {
      Event: 'change_external_contact',
      ChangeType: 'add_external_contact',
      UserID: userid,
      ExternalUserID: profile.external_userid,
      State: wayState,
      WelcomeCode: randomBytes(16).toString('base64url'),
    });
  };

  r.get(
    '/corps',
    wrap(() =>
      [...state.corps.values()].map((c) => ({
        corpid: c.corpid,
        name: c.name,
        agentid: c.agentid,
        members: c.members.size,
        contacts: c.contacts.size,
      })),
    ),
  );
  r.post(
    '/reset',
    wrap(() => state.reset()),
  );
  r.post(
    '/corps',
    wrap((req) => {
      const b = corpBody.parse(req.body);
      const c = state.upsertCorp(b);
      return { corpid: c.corpid };
    }),
  );
  r.get(
    '/corps/:corpid',
    wrap((req) => {
      const c = corpOf(req);
      return {
        corpid: c.corpid,
        name: c.name,
        agentid: c.agentid,
        members: [...c.members.values()],
        contactWays: [...c.contactWays.values()].map((w) => ({
          config_id: w.config_id,
          state: w.state,
          user: w.user,
          remark: w.remark,
          skip_verify: w.skip_verify,
        })),
        groups: c.groups,
      };
    }),
  );
  r.post(
    '/corps/:corpid/members',
    wrap((req) => {
      const c = corpOf(req);
      const b = z
        .object({
          members: z.array(
            z.object({
              userid: z.string().min(1),
              name: z.string().min(1),
              in_scope: z.boolean().optional(),
              department: z.array(z.number().int().positive()).optional(),
              main_department: z.number().int().positive().optional(),
              position: z.string().optional(),
            }),
          ),
        })
        .parse(req.body);
      for (const m of b.members)
        if (m.department?.some((d) => !c.departments.has(d)))
          throw new ControlError(400, `member ${m.userid}: no such department`);
      for (const m of b.members) c.members.set(m.userid, m);
      return { members: c.members.size };
    }),
  );
  // Bulk load of the department tree (no callbacks), parents before children.
  r.post(
    '/corps/:corpid/departments',
    wrap((req) => {
      const c = corpOf(req);
      const b = z
        .object({
          departments: z.array(
            z.object({
              id: z.number().int().min(2),
              name: z.string().min(1).max(64),
              parentid: z.number().int().positive(),
              order: z.number().int().min(0).optional(),
            }),
          ),
        })
        .parse(req.body);
      for (const d of b.departments) {
        if (!c.departments.has(d.parentid)) throw new ControlError(400, `department ${d.id}: no parent ${d.parentid}`);
        c.departments.set(d.id, { ...d, order: d.order ?? 0, department_leader: [] });
      }
      return { departments: c.departments.size };
    }),
  );
  orgControlApi(r, state, delivery);
  r.post(
    '/corps/:corpid/tags',
    wrap((req) => {
      const c = corpOf(req);
      const b = z
        .object({
          groups: z.array(
            z.object({
              group_id: z.string().optional(),
              group_name: z.string().min(1),
              order: z.number().int().optional(),
              /** Who made it: the app (through the API, the default) or WeCom's admin console (the app may not change it). */
              owner: z.enum(['app', 'console']).optional(),
              tag: z.array(
                z.object({ id: z.string().optional(), name: z.string().min(1), order: z.number().int().optional() }),
              ),
            }),
          ),
        })
        .parse(req.body);
      for (const g of b.groups) {
        const gid = g.group_id ?? newId('et');
        const existing = c.groups.find((x) => x.group_id === gid);
        const tags = g.tag.map((t) => ({
          id: t.id ?? newId('et'),
          name: t.name,
          create_time: nowS(),
          order: t.order ?? 0,
        }));
        if (g.owner) for (const id of [gid, ...tags.map((t) => t.id)]) c.tagOwners.set(id, g.owner);
        if (existing) existing.tag = [...existing.tag.filter((t) => !tags.some((n) => n.id === t.id)), ...tags];
        else
          c.groups.push({
            group_id: gid,
            group_name: g.group_name,
            create_time: nowS(),
            order: g.order ?? 0,
            tag: tags,
          });
      }
      return { groups: c.groups };
    }),
  );
  r.post(
    '/corps/:corpid/contacts',
    wrap((req) => {
      const c = corpOf(req);
      const b = z.object({ contacts: z.array(contactBody) }).parse(req.body);
      for (const k of b.contacts) {
        for (const f of k.follow_user) member(c, f.userid);
        c.contacts.set(k.external_userid, {
          external_userid: k.external_userid,
          name: k.name,
          type: k.type ?? 1,
          gender: k.gender ?? 0,
          ...(k.unionid ? { unionid: k.unionid } : {}),
          avatar: k.avatar ?? '',
          follow_user: k.follow_user.map((f) => ({
            userid: f.userid,
            remark: f.remark ?? '',
            description: f.description ?? '',
            createtime: f.createtime,
            add_way: f.add_way ?? 1,
            ...(f.state ? { state: f.state } : {}),
            oper_userid: k.external_userid,
            tag_ids: f.tag_ids ?? [],
          })),
        });
      }
      return { contacts: c.contacts.size };
    }),
  );
  r.post(
    '/corps/:corpid/contact-ways',
    wrap((req) => {
      const c = corpOf(req);
      const b = z
        .object({
          state: z.string().min(1).max(30),
          userids: z.array(z.string()).min(1).max(100),
          type: z.union([z.literal(1), z.literal(2)]).optional(),
          skip_verify: z.boolean().optional(),
        })
        .parse(req.body);
      b.userids.forEach((u) => member(c, u));
      const existing = [...c.contactWays.values()].find((w) => w.state === b.state);
      const config_id = existing?.config_id ?? newId('', 16);
      const way = {
        config_id,
        type: b.type ?? (b.userids.length > 1 ? 2 : 1),
        scene: 2,
        state: b.state,
        user: b.userids,
        remark: '',
        skip_verify: b.skip_verify ?? true,
        qr_code: `${req.protocol}://${req.get('host') ?? '127.0.0.1'}/sandbox/qr/${config_id}.png`,
      };
      c.contactWays.set(config_id, way);
      return { config_id, qr_code: way.qr_code };
    }),
  );
  r.post(
    '/corps/:corpid/actions/scan-contact-way',
    wrap((req) => {
      const c = corpOf(req);
      const b = z
        .object({
          state: z.string().min(1),
          userid: z.string().optional(),
          customer: z.object({
            name: z.string().min(1),
            external_userid: z.string().optional(),
            unionid: z.string().optional(),
            gender: z.number().int().min(0).max(2).optional(),
          }),
        })
        .parse(req.body);
      const way = [...c.contactWays.values()].find((w) => w.state === b.state);
      if (!way) throw new ControlError(404, `no contact way with state ${b.state}`);
      const userid = b.userid ?? way.user[Math.floor(Math.random() * way.user.length)]!;
      if (!way.user.includes(userid)) throw new ControlError(400, `${userid} is not on the contact way ${b.state}`);
      const external_userid = b.customer.external_userid ?? `wm${randomBytes(13).toString('hex')}`;
      // WeCom hands out an avatar address for every WeChat user; here it is this sandbox's placeholder.
      const avatar = avatarUrl(`${req.protocol}://${req.get('host') ?? '127.0.0.1'}`, b.customer.name);
      const known = c.contacts.get(external_userid);
      const profile = known
        ? {
            external_userid,
            name: known.name,
            type: known.type,
            gender: known.gender,
            ...(known.unionid ? { unionid: known.unionid } : {}),
            avatar: known.avatar,
          }
        : {
            external_userid,
            name: b.customer.name,
            type: 1 as const,
            gender: b.customer.gender ?? 0,
            ...(b.customer.unionid ? { unionid: b.customer.unionid } : {}),
            avatar,
          };
      if (!way.skip_verify) {
        // Verification on: the customer's friend request waits for the guide; WeCom has no relation and sends nothing yet.
        c.pendingAdds.set(`${external_userid}:${userid}`, { userid, state: b.state, contact: profile });
        return { external_userid, userid, pending: true };
      }
      addFollow(c, profile, userid, b.state);
      return { external_userid, userid, pending: false };
    }),
  );
  // The guide accepts a pending friend request (contact way with skip_verify false): add_external_contact.
  r.post(
    '/corps/:corpid/actions/accept-contact',
    wrap((req) => {
      const c = corpOf(req);
      const b = z.object({ userid: z.string().min(1), external_userid: z.string().min(1) }).parse(req.body);
      const key = `${b.external_userid}:${b.userid}`;
      const p = c.pendingAdds.get(key);
      if (!p) throw new ControlError(404, `no pending request from ${b.external_userid} to ${b.userid}`);
      c.pendingAdds.delete(key);
      addFollow(c, p.contact, p.userid, p.state);
      return { external_userid: b.external_userid, userid: b.userid };
    }),
  );
  r.post(
    '/corps/:corpid/actions/edit-tags',
    wrap((req) => {
      const c = corpOf(req);
      const b = z
        .object({
          userid: z.string(),
          external_userid: z.string(),
          add: z.array(z.string()).optional(),
          remove: z.array(z.string()).optional(),
        })
        .parse(req.body);
      const f = c.contacts.get(b.external_userid)?.follow_user.find((x) => x.userid === b.userid);
      if (!f) throw new ControlError(404, `${b.userid} does not follow ${b.external_userid}`);
      f.tag_ids = [...new Set([...f.tag_ids.filter((t) => !(b.remove ?? []).includes(t)), ...(b.add ?? [])])];
      fire(c, {
        Event: 'change_external_contact',
        ChangeType: 'edit_external_contact',
        UserID: b.userid,
        ExternalUserID: b.external_userid,
      });
      return { tag_ids: f.tag_ids };
    }),
  );
  const removeFollow = (changeType: 'del_external_contact' | 'del_follow_user') =>
    wrap((req) => {
      const c = corpOf(req);
      const b = z.object({ userid: z.string(), external_userid: z.string() }).parse(req.body);
      const contact = c.contacts.get(b.external_userid);
      if (!contact?.follow_user.some((f) => f.userid === b.userid))
        throw new ControlError(404, `${b.userid} does not follow ${b.external_userid}`);
      // The customer deleting the member leaves WeCom's one-way relation in place (protocol §3.4).
      if (changeType === 'del_follow_user') {
        for (const f of contact.follow_user) if (f.userid === b.userid) f.deleted_by_customer = true;
      } else {
        contact.follow_user = contact.follow_user.filter((f) => f.userid !== b.userid);
      }
      fire(c, {
        Event: 'change_external_contact',
        ChangeType: changeType,
        UserID: b.userid,
        ExternalUserID: b.external_userid,
      });
      return { ok: true };
    });
  r.post('/corps/:corpid/actions/delete-customer', removeFollow('del_external_contact'));
  r.post('/corps/:corpid/actions/customer-deletes-guide', removeFollow('del_follow_user'));
  // 在职继承 (an admin hands a guide's customer to another guide). On success the handover guide's
  // relation goes with Source DELETE_BY_TRANSFER; whether WeCom also fires add_external_contact for
  // the takeover is unconfirmed, so none is sent (a client re-reading the contact sees both sides).
  r.post(
    '/corps/:corpid/actions/transfer-customer',
    wrap((req) => {
      const c = corpOf(req);
      const b = z
        .object({
          handover_userid: z.string(),
          takeover_userid: z.string(),
          external_userid: z.string(),
          outcome: z.enum(['success', 'customer_refused', 'customer_limit_exceed']).default('success'),
        })
        .parse(req.body);
      member(c, b.takeover_userid);
      const contact = c.contacts.get(b.external_userid);
      const from = contact?.follow_user.find((f) => f.userid === b.handover_userid);
      if (!contact || !from) throw new ControlError(404, `${b.handover_userid} does not follow ${b.external_userid}`);
      if (b.outcome !== 'success') {
        fire(c, {
          Event: 'change_external_contact',
          ChangeType: 'transfer_fail',
          FailReason: b.outcome,
          UserID: b.takeover_userid,
          ExternalUserID: b.external_userid,
        });
        return { transferred: false };
      }
      contact.follow_user = [
        ...contact.follow_user.filter((f) => f.userid !== b.handover_userid && f.userid !== b.takeover_userid),
        { ...from, userid: b.takeover_userid, createtime: nowS(), add_way: 202, oper_userid: b.handover_userid },
      ];
      fire(c, {
        Event: 'change_external_contact',
        ChangeType: 'del_external_contact',
        UserID: b.handover_userid,
        ExternalUserID: b.external_userid,
        Source: 'DELETE_BY_TRANSFER',
      });
      return { transferred: true };
    }),
  );
  // An admin edits the corp tag library in the admin console: change_external_tag.
  r.post(
    '/corps/:corpid/actions/admin-edit-tag',
    wrap((req) => {
      const c = corpOf(req);
      const b = z
        .discriminatedUnion('change', [
          z.object({
            change: z.literal('create'),
            group_name: z.string().min(1).max(30),
            name: z.string().min(1).max(30),
          }),
          z.object({ change: z.literal('update'), tag_id: z.string(), name: z.string().min(1).max(30) }),
          z.object({ change: z.literal('delete'), tag_id: z.string() }),
        ])
        .parse(req.body);
      let id: string;
      if (b.change === 'create') {
        let g = c.groups.find((x) => x.group_name === b.group_name);
        if (!g)
          c.groups.push(
            (g = { group_id: newId('et'), group_name: b.group_name, create_time: nowS(), order: 0, tag: [] }),
          );
        if (!c.tagOwners.has(g.group_id)) c.tagOwners.set(g.group_id, 'console');
        id = newId('et');
        g.tag.push({ id, name: b.name, create_time: nowS(), order: 0 });
        c.tagOwners.set(id, 'console');
      } else {
        const t = c.groups.flatMap((g) => g.tag).find((x) => x.id === b.tag_id);
        if (!t) throw new ControlError(404, `no tag ${b.tag_id}`);
        id = t.id;
        if (b.change === 'update') t.name = b.name;
        else {
          for (const g of c.groups) g.tag = g.tag.filter((x) => x.id !== id);
          // As in WeCom: a group goes with its last tag.
          c.groups = c.groups.filter((g) => g.tag.length > 0);
          for (const k of c.contacts.values())
            for (const f of k.follow_user) f.tag_ids = f.tag_ids.filter((x) => x !== id);
        }
      }
      fire(c, { Event: 'change_external_tag', Id: id, TagType: 'tag', ChangeType: b.change });
      return { tag_id: id };
    }),
  );
  r.post(
    '/corps/:corpid/actions/transfer',
    wrap((req) => {
      const c = corpOf(req);
      const b = z
        .object({
          payee_userid: z.string(),
          external_userid: z.string().optional(),
          amount_fen: z.number().int().min(1).max(5_000_000),
          pay_time: z.number().int().optional(),
          remark: z.string().optional(),
          payment_type: z.number().int().optional(),
          payer: z.object({ name: z.string(), phone: z.string(), address: z.string() }).optional(),
        })
        .parse(req.body);
      member(c, b.payee_userid);
      const transaction_id = `4200${randomBytes(12).toString('hex')}`;
      c.bills.push({
        transaction_id,
        bill_type: 0,
        trade_state: 1,
        pay_time: b.pay_time ?? nowS(),
        out_trade_no: `SB${randomBytes(8).toString('hex')}`,
        external_userid: b.external_userid ?? '',
        total_fee: b.amount_fen,
        payee_userid: b.payee_userid,
        payment_type: b.payment_type ?? 0,
        mch_id: '1900000109',
        remark: b.remark ?? '',
        total_refund_fee: 0,
        commodity_list: [{ description: b.remark || '商品', amount: 1 }],
        refund_list: [],
        ...(b.payer ? { payer_info: b.payer } : {}),
      });
      return { transaction_id };
    }),
  );
  r.post(
    '/corps/:corpid/actions/refund',
    wrap((req) => {
      const c = corpOf(req);
      const b = z
        .object({
          transaction_id: z.string(),
          amount_fen: z.number().int().min(1),
          refund_time: z.number().int().optional(),
          comment: z.string().optional(),
        })
        .parse(req.body);
      const pay = c.bills.find((x) => x.transaction_id === b.transaction_id && x.bill_type === 0);
      if (!pay) throw new ControlError(404, `no payment ${b.transaction_id}`);
      if (pay.total_refund_fee + b.amount_fen > pay.total_fee)
        throw new ControlError(400, 'refund exceeds the amount paid');
      const out_refund_no = `RF${randomBytes(8).toString('hex')}`;
      const at = b.refund_time ?? nowS();
      pay.total_refund_fee += b.amount_fen;
      pay.trade_state = 3;
      pay.refund_list = [
        ...(pay.refund_list ?? []),
        {
          out_refund_no,
          refund_userid: pay.payee_userid,
          refund_comment: b.comment ?? '',
          refund_reqtime: at,
          refund_status: 2,
          refund_fee: b.amount_fen,
        },
      ];
      c.bills.push({
        transaction_id: pay.transaction_id,
        bill_type: 1,
        pay_time: at,
        out_trade_no: pay.out_trade_no,
        out_refund_no,
        external_userid: pay.external_userid,
        total_fee: pay.total_fee,
        payee_userid: pay.payee_userid,
        payment_type: pay.payment_type,
        mch_id: pay.mch_id,
        total_refund_fee: b.amount_fen,
      });
      return { out_refund_no };
    }),
  );
  r.post(
    '/corps/:corpid/oauth-code',
    wrap((req) => {
      const c = corpOf(req);
      const b = z.object({ userid: z.string() }).parse(req.body);
      member(c, b.userid);
      const code = randomBytes(24).toString('base64url');
      state.oauthCodes.set(code, { corpid: c.corpid, userid: b.userid, expiresAt: now() + 300_000 });
      return { code };
    }),
  );
  r.post(
    '/corps/:corpid/faults',
    wrap((req) => {
      const c = corpOf(req);
      const b = z
        .object({
          expireTokens: z.boolean().optional(),
          /** WeCom drops the JS-SDK tickets early: signatures over them are refused (42012), a new fetch gets new ones. */
          dropTickets: z.boolean().optional(),
          rateLimit: z.object({ path: z.string(), count: z.number().int().min(1) }).optional(),
          delay: z
            .object({ path: z.string(), count: z.number().int().min(1), ms: z.number().int().min(1).max(30_000) })
            .optional(),
          /** add_moment_task jobs run this many more get_moment_task_result calls (status 2) before they are done. */
          momentJobsRunning: z.number().int().min(1).max(100).optional(),
          busy: z
            .object({
              path: z.string(),
              count: z.number().int().min(1),
              errcode: z.union([z.literal(45033), z.literal(-1)]),
            })
            .optional(),
          /** The errcode for editing or deleting a tag another app or the console made (undocumented; default 301002). */
          foreignTagErrcode: z.number().int().optional(),
        })
        .parse(req.body);
      if (b.foreignTagErrcode !== undefined) c.foreignTagErrcode = b.foreignTagErrcode;
      const apiPath = (p: string) => p.replace(/^\/?cgi-bin\//, '');
      if (b.expireTokens) c.faults.expireTokens = true;
      if (b.dropTickets) for (const kind of ['corp', 'agent']) state.tickets.delete(`${c.corpid}:${kind}`);
      if (b.rateLimit) c.faults.rateLimits.set(apiPath(b.rateLimit.path), b.rateLimit.count);
      if (b.busy) c.faults.busy.set(apiPath(b.busy.path), { count: b.busy.count, errcode: b.busy.errcode });
      if (b.delay) c.faults.delays.set(apiPath(b.delay.path), { count: b.delay.count, ms: b.delay.ms });
      if (b.momentJobsRunning) c.faults.momentJobsRunning = b.momentJobsRunning;
      return { ok: true };
    }),
  );
  /** 群发规则 (admin console): the per-customer receive limit on mass messages. */
  r.post(
    '/corps/:corpid/mass-message-rule',
    wrap((req) => {
      const c = corpOf(req);
      c.receiveLimit = z.object({ receiveLimit: z.enum(['month', 'week', 'day']) }).parse(req.body).receiveLimit;
      return { receiveLimit: c.receiveLimit };
    }),
  );
  /** The member's pending mass messages and moments, as her client lists them. */
  r.get(
    '/corps/:corpid/members/:userid/pending-mass-messages',
    wrap((req) => pendingFor(corpOf(req), String(req.params.userid))),
  );
  r.post(
    '/corps/:corpid/actions/confirm-mass-message',
    wrap((req) => {
      const c = corpOf(req);
      const b = z.object({ msgid: z.string(), userid: z.string() }).parse(req.body);
      return confirmGroupMsg(state, c, b.msgid, b.userid, now());
    }),
  );
  r.post(
    '/corps/:corpid/actions/publish-moment',
    wrap((req) => {
      const c = corpOf(req);
      const b = z.object({ moment_id: z.string(), userid: z.string() }).parse(req.body);
      return publishMoment(c, b.moment_id, b.userid);
    }),
  );
  /**
   * The admin saves 接收消息 (callback) settings in WeCom's console: WeCom verifies the URL first
   * (GET with an encrypted echostr) and saves the settings only if it passes.
   */
  r.post(
    '/corps/:corpid/actions/save-callback',
    wrap(async (req) => {
      const c = corpOf(req);
      const b = z
        .object({ url: z.url(), token: z.string().min(1).max(32), encodingAESKey: z.string().length(43) })
        .parse(req.body);
      const v = await verifyCallbackSettings(c.corpid, b);
      if (!v.ok) throw new ControlError(400, v.reason);
      c.callback = b;
      return { ok: true };
    }),
  );
  successionControl(r, state.corps, nowS, firer(delivery));
  r.get(
    '/corps/:corpid/callbacks',
    wrap((req) => corpOf(req).callbacks),
  );
  r.post(
    '/corps/:corpid/group-chats',
    wrap((req) => {
      const c = corpOf(req);
      const b = z
        .object({
          chat_id: z.string().optional(),
          name: z.string().min(1),
          owner: z.string(),
          members: z.array(
            z.object({
              userid: z.string().optional(),
              external_userid: z.string().optional(),
              name: z.string().optional(),
            }),
          ),
        })
        .parse(req.body);
      member(c, b.owner);
      const chat_id = b.chat_id ?? `wr${randomBytes(14).toString('hex')}`;
      const t = nowS();
      c.groupChats.set(chat_id, {
        chat_id,
        name: b.name,
        owner: b.owner,
        create_time: t,
        notice: '',
        status: 0,
        admin_list: [],
        member_list: b.members.map((m) =>
          m.external_userid
            ? {
                userid: m.external_userid,
                type: 2 as const,
                join_time: t,
                join_scene: 3,
                ...(m.name ? { name: m.name } : {}),
                ...(c.contacts.get(m.external_userid)?.unionid
                  ? { unionid: c.contacts.get(m.external_userid)!.unionid! }
                  : {}),
              }
            : {
                userid: m.userid ?? b.owner,
                type: 1 as const,
                join_time: t,
                join_scene: 1,
                ...(m.name ? { name: m.name } : {}),
              },
        ),
      });
      return { chat_id };
    }),
  );
  return r;
}
