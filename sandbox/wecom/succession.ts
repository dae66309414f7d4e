/**
 * Customer succession (protocol §12) as WeCom documents it: 在职继承 (transfer_customer, the handover
 * member still in service) and 离职继承 (get_unassigned_list, resigned/transfer_customer), each with its
 * transfer_result. A per-customer errcode 0 only means "started": the customer may refuse within 24 h
 * (status 3, a transfer_fail event), else the takeover completes after 24 h (status 1) — or fails when the
 * successor is at her customer limit (status 4, transfer_fail). On completion the relation moves: the
 * handover member's follow_user row goes, the takeover's comes (add_way 202 [inferred]); 在职 fires
 * del_external_contact (Source DELETE_BY_TRANSFER) and add_external_contact (except when she already
 * followed the customer, or the customer was earlier transferred away from her); for 离职 WeCom documents no
 * event, so none is sent — transfer_result is the news. Each customer: at most 2 在职 transfers in 90 days.
 */
import express, { type Request, type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { deliver, eventXml, type DeliveryOptions } from './callbacks';
import { WecomFault, ok } from './errors';
import type { Corp, CustomerTransfer, Succession } from './state';

type Authed = (path: string, handler: (corp: Corp, req: Request) => object) => RequestHandler;
export type Fire = (corp: Corp, fields: Record<string, string | number | undefined>) => void;

export const TAKEOVER_DELAY_S = 24 * 3600;
const REPEAT_WINDOW_S = 90 * 86_400;
const REPEAT_MAX = 2;
const PAGE = 1000;
/** Add way of a relation made by a transfer (WeCom's list names 202 for an admin's assignment [inferred]). */
export const ADD_WAY_TRANSFER = 202;
/**
 * The per-customer errcode WeCom gives the third 在职 transfer in 90 days is not documented [?]; the
 * sandbox answers 40129, the code a vendor's docs show for a transfer WeCom will not start.
 */
export const ERR_REPEAT_LIMIT = 40129;

export function successionOf(corp: Corp): Succession {
  return (corp.succession ??= { resigned: new Map(), transfers: [], customerLimit: new Map() });
}

/** Fires an event in the background, as WeCom does (3 attempts). */
export const firer =
  (delivery: DeliveryOptions): Fire =>
  (corp, fields) =>
    void deliver(
      corp,
      eventXml(corp.corpid, fields),
      { event: String(fields.Event), change_type: fields.ChangeType ? String(fields.ChangeType) : null },
      delivery,
    );

const followerCount = (corp: Corp, userid: string) =>
  [...corp.contacts.values()].filter((c) => c.follow_user.some((f) => f.userid === userid)).length;

/** Completes every waiting transfer whose takeover time has come: done, or limit. */
export function settleTransfers(corp: Corp, nowS: number, fire: Fire): void {
  const s = successionOf(corp);
  for (const t of s.transfers) {
    if (t.status !== 2 || t.takeover_time > nowS) continue;
    const limit = s.customerLimit.get(t.takeover_userid);
    if (limit !== undefined && followerCount(corp, t.takeover_userid) >= limit) {
      t.status = 4;
      fire(corp, {
        Event: 'change_external_contact',
        ChangeType: 'transfer_fail',
        FailReason: 'customer_limit_exceed',
        UserID: t.takeover_userid,
        ExternalUserID: t.external_userid,
      });
      continue;
    }
    t.status = 1;
    const contact = corp.contacts.get(t.external_userid);
    if (!contact) continue;
    const from = contact.follow_user.find((f) => f.userid === t.handover_userid);
    const already = contact.follow_user.some((f) => f.userid === t.takeover_userid && !f.deleted_by_customer);
    contact.follow_user = contact.follow_user.filter((f) => f.userid !== t.handover_userid);
    if (!already) {
      contact.follow_user = contact.follow_user.filter((f) => f.userid !== t.takeover_userid);
      contact.follow_user.push({
        userid: t.takeover_userid,
        remark: from?.remark ?? '',
        description: from?.description ?? '',
        createtime: t.takeover_time,
        add_way: ADD_WAY_TRANSFER,
        oper_userid: t.handover_userid,
        tag_ids: from?.tag_ids ?? [],
      });
    }
    if (t.kind !== 'in_service') continue;
    fire(corp, {
      Event: 'change_external_contact',
      ChangeType: 'del_external_contact',
      UserID: t.handover_userid,
      ExternalUserID: t.external_userid,
      Source: 'DELETE_BY_TRANSFER',
    });
    const awayEarlier = s.transfers.some(
      (x) =>
        x !== t && x.status === 1 && x.external_userid === t.external_userid && x.handover_userid === t.takeover_userid,
    );
    if (!already && !awayEarlier)
      fire(corp, {
        Event: 'change_external_contact',
        ChangeType: 'add_external_contact',
        UserID: t.takeover_userid,
        ExternalUserID: t.external_userid,
      });
  }
}

/** The customer taps 「暂不添加」 within the 24 hours: status 3, takeover_time 0, transfer_fail. */
export function refuseTransfer(corp: Corp, externalUserid: string, nowS: number, fire: Fire): CustomerTransfer {
  settleTransfers(corp, nowS, fire);
  const t = successionOf(corp).transfers.find((x) => x.external_userid === externalUserid && x.status === 2);
  if (!t) throw new Error(`no waiting transfer of ${externalUserid}`);
  t.status = 3;
  t.takeover_time = 0;
  fire(corp, {
    Event: 'change_external_contact',
    ChangeType: 'transfer_fail',
    FailReason: 'customer_refused',
    UserID: t.takeover_userid,
    ExternalUserID: t.external_userid,
  });
  return t;
}

/** The 24 hours pass for these waiting transfers (all when none named): they are due now, then settle. */
export function elapseTransfers(corp: Corp, externalUserids: string[] | undefined, nowS: number, fire: Fire): number {
  let n = 0;
  for (const t of successionOf(corp).transfers) {
    if (t.status !== 2 || (externalUserids && !externalUserids.includes(t.external_userid))) continue;
    t.start_time -= t.takeover_time - nowS;
    t.takeover_time = nowS;
    n++;
  }
  settleTransfers(corp, nowS, fire);
  return n;
}

const transferBody = z.object({
  handover_userid: z.string().min(1),
  takeover_userid: z.string().min(1),
  external_userid: z.array(z.string()).min(1).max(100),
  transfer_success_msg: z.string().max(200).optional(),
});
const resultBody = z.object({
  handover_userid: z.string().min(1),
  takeover_userid: z.string().min(1),
  cursor: z.string().optional(),
});

const offsetOf = (cursor: string | undefined) =>
  cursor ? Number(Buffer.from(cursor, 'base64url').toString()) || 0 : 0;
const cursorAt = (n: number) => Buffer.from(String(n)).toString('base64url');

export function successionApi(r: Router, authed: Authed, nowS: () => number, fire: Fire): void {
  const start = (kind: CustomerTransfer['kind']) => (corp: Corp, req: Request) => {
    const raw = (req.body ?? {}) as { external_userid?: unknown };
    if (Array.isArray(raw.external_userid) && raw.external_userid.length > 100)
      throw new WecomFault(40058, 'external_userid exceeds 100');
    const b = transferBody.parse(req.body);
    if (kind === 'resigned' && b.transfer_success_msg !== undefined)
      throw new WecomFault(40058, 'transfer_success_msg is for in-service transfers');
    const s = successionOf(corp);
    const now = nowS();
    settleTransfers(corp, now, fire);
    const taker = corp.members.get(b.takeover_userid);
    if (!taker || s.resigned.has(b.takeover_userid)) throw new WecomFault(60111, 'invalid takeover_userid');
    if (taker.in_scope === false) throw new WecomFault(60011, 'takeover_userid outside the app’s visible scope');
    if (kind === 'in_service' && (!corp.members.has(b.handover_userid) || s.resigned.has(b.handover_userid)))
      throw new WecomFault(60111, 'invalid handover_userid');
    const customer = [...new Set(b.external_userid)].map((ext) => {
      const contact = corp.contacts.get(ext);
      const errcode = (() => {
        if (!contact) return 40096;
        if (kind === 'resigned' && !s.resigned.has(b.handover_userid)) return 40097;
        if (!contact.follow_user.some((f) => f.userid === b.handover_userid)) return 40131;
        if (s.transfers.some((t) => t.external_userid === ext && t.status === 2)) return 40100;
        if (
          kind === 'in_service' &&
          s.transfers.filter(
            (t) =>
              t.kind === 'in_service' &&
              t.external_userid === ext &&
              t.status !== 3 &&
              t.start_time > now - REPEAT_WINDOW_S,
          ).length >= REPEAT_MAX
        )
          return ERR_REPEAT_LIMIT;
        return 0;
      })();
      if (errcode === 0)
        s.transfers.push({
          kind,
          handover_userid: b.handover_userid,
          takeover_userid: b.takeover_userid,
          external_userid: ext,
          start_time: now,
          takeover_time: now + TAKEOVER_DELAY_S,
          status: 2,
        });
      return { external_userid: ext, errcode };
    });
    // Errors are per customer: the call itself succeeds (clients must read every item).
    return ok({ customer });
  };

  const result = (kind: CustomerTransfer['kind']) => (corp: Corp, req: Request) => {
    const b = resultBody.parse(req.body);
    settleTransfers(corp, nowS(), fire);
    // The latest transfer of each customer between the two.
    const latest = new Map<string, CustomerTransfer>();
    for (const t of successionOf(corp).transfers)
      if (t.kind === kind && t.handover_userid === b.handover_userid && t.takeover_userid === b.takeover_userid)
        latest.set(t.external_userid, t);
    const all = [...latest.values()];
    const from = offsetOf(b.cursor);
    const page = all.slice(from, from + PAGE);
    return ok({
      customer: page.map((t) => ({
        external_userid: t.external_userid,
        status: t.status,
        takeover_time: t.takeover_time,
      })),
      next_cursor: from + PAGE < all.length ? cursorAt(from + PAGE) : '',
    });
  };

  r.post(
    '/cgi-bin/externalcontact/transfer_customer',
    express.json(),
    authed('externalcontact/transfer_customer', start('in_service')),
  );
  r.post(
    '/cgi-bin/externalcontact/transfer_result',
    express.json(),
    authed('externalcontact/transfer_result', result('in_service')),
  );
  r.post(
    '/cgi-bin/externalcontact/resigned/transfer_customer',
    express.json(),
    authed('externalcontact/resigned/transfer_customer', start('resigned')),
  );
  r.post(
    '/cgi-bin/externalcontact/resigned/transfer_result',
    express.json(),
    authed('externalcontact/resigned/transfer_result', result('resigned')),
  );
  r.post(
    '/cgi-bin/externalcontact/get_unassigned_list',
    express.json(),
    authed('externalcontact/get_unassigned_list', (corp, req) => {
      const b = z
        .object({
          page_id: z.number().int().min(0).optional(),
          page_size: z.number().int().min(1).max(1000).optional(),
          cursor: z.string().optional(),
        })
        .parse(req.body ?? {});
      const size = b.page_size ?? 1000;
      if (b.cursor === undefined && (b.page_id ?? 0) * size >= 50_000)
        throw new WecomFault(40058, 'page_id * page_size must stay below 50000');
      const s = successionOf(corp);
      settleTransfers(corp, nowS(), fire);
      // A resigned member's customers not yet handed on (a waiting or finished takeover assigns them).
      const all = [...s.resigned].flatMap(([userid, dimission_time]) =>
        [...corp.contacts.values()]
          .filter(
            (c) =>
              c.follow_user.some((f) => f.userid === userid) &&
              !s.transfers.some(
                (t) =>
                  t.kind === 'resigned' &&
                  t.handover_userid === userid &&
                  t.external_userid === c.external_userid &&
                  (t.status === 1 || t.status === 2),
              ),
          )
          .map((c) => ({ handover_userid: userid, external_userid: c.external_userid, dimission_time })),
      );
      const from = b.cursor !== undefined ? offsetOf(b.cursor) : (b.page_id ?? 0) * size;
      const page = all.slice(from, from + size);
      const last = from + size >= all.length;
      return ok({
        info: page,
        is_last: last,
        ...(b.cursor !== undefined || b.page_id === undefined
          ? { next_cursor: last ? '' : cursorAt(from + size) }
          : {}),
      });
    }),
  );
}

/**
 * Control API (/sandbox/api) for what people do around a succession: a member resigns (the admin deletes
 * her from the address book), a customer refuses, the 24 hours pass, a member reaches her customer limit.
 */
export function successionControl(r: Router, corps: Map<string, Corp>, nowS: () => number, fire: Fire): void {
  const act =
    (fn: (corp: Corp, req: Request) => object) =>
    (req: Request, res: express.Response): void => {
      const corp = corps.get(String(req.params.corpid));
      if (!corp) return void res.status(404).json({ error: `no corp ${req.params.corpid}` });
      try {
        res.json(fn(corp, req));
      } catch (err) {
        const message =
          err instanceof z.ZodError
            ? `${err.issues[0]?.path.join('.') || 'body'}: ${err.issues[0]?.message}`
            : err instanceof Error
              ? err.message
              : String(err);
        res.status(err instanceof z.ZodError ? 400 : 404).json({ error: message });
      }
    };
  r.post(
    '/corps/:corpid/actions/member-resigns',
    act((corp, req) => {
      const b = z.object({ userid: z.string().min(1), dimission_time: z.number().int().optional() }).parse(req.body);
      if (!corp.members.has(b.userid)) throw new Error(`no member ${b.userid}`);
      successionOf(corp).resigned.set(b.userid, b.dimission_time ?? nowS());
      return { userid: b.userid };
    }),
  );
  r.post(
    '/corps/:corpid/actions/customer-refuses-transfer',
    act((corp, req) => {
      const b = z.object({ external_userid: z.string().min(1) }).parse(req.body);
      return refuseTransfer(corp, b.external_userid, nowS(), fire);
    }),
  );
  r.post(
    '/corps/:corpid/actions/transfers-elapse',
    act((corp, req) => {
      const b = z.object({ external_userid: z.array(z.string()).optional() }).parse(req.body ?? {});
      return { elapsed: elapseTransfers(corp, b.external_userid, nowS(), fire) };
    }),
  );
  r.post(
    '/corps/:corpid/members/:userid/customer-limit',
    act((corp, req) => {
      const b = z.object({ limit: z.number().int().min(0) }).parse(req.body);
      successionOf(corp).customerLimit.set(String(req.params.userid), b.limit);
      return { limit: b.limit };
    }),
  );
  r.get(
    '/corps/:corpid/transfers',
    act((corp) => ({ transfers: successionOf(corp).transfers })),
  );
}
