/**
 * Customer mass messages (企业群发, protocol §13) and corp moments (客户朋友圈, §14), as WeCom documents
 * them: the API creates tasks, nothing reaches a customer until the member confirms in the client;
 * each customer receives at most the corp's receive limit; reminders at most 3 per 24 h; cancel stops
 * what is still pending.
 */
import express, { type Request, type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { WecomFault, ok } from './errors';
import { newId, type Corp, type GroupMsg, type Moment, type ReceiveLimit, type SandboxState } from './state';

const CST_OFFSET_S = 8 * 3600;
const DAY_S = 86_400;
const REMINDS_PER_DAY = 3;

type Authed = (path: string, handler: (corp: Corp, req: Request) => object) => RequestHandler;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

const attachment = z.discriminatedUnion('msgtype', [
  z.object({
    msgtype: z.literal('image'),
    image: z.object({ media_id: z.string().optional(), pic_url: z.string().optional() }),
  }),
  z.object({
    msgtype: z.literal('link'),
    link: z.object({
      title: z.string().refine((v) => bytes(v) <= 128, 'title over 128 bytes'),
      picurl: z
        .string()
        .refine((v) => bytes(v) <= 2048, 'picurl over 2048 bytes')
        .optional(),
      desc: z
        .string()
        .refine((v) => bytes(v) <= 512, 'desc over 512 bytes')
        .optional(),
      url: z.string().refine((v) => bytes(v) <= 2048, 'url over 2048 bytes'),
      media_id: z.string().optional(),
    }),
  }),
  z.object({
    msgtype: z.literal('miniprogram'),
    miniprogram: z.object({
      title: z.string().refine((v) => bytes(v) <= 64, 'title over 64 bytes'),
      pic_media_id: z.string().min(1),
      appid: z.string().min(1),
      page: z.string().min(1),
    }),
  }),
  z.object({ msgtype: z.literal('video'), video: z.object({ media_id: z.string() }) }),
  z.object({ msgtype: z.literal('file'), file: z.object({ media_id: z.string() }) }),
]);

const addMsgBody = z.object({
  chat_type: z.enum(['single', 'group']).optional(),
  external_userid: z.array(z.string()).max(10_000).optional(),
  sender: z.string().optional(),
  allow_select: z.boolean().optional(),
  text: z.object({ content: z.string().refine((v) => bytes(v) <= 4000, 'content over 4000 bytes') }).optional(),
  attachments: z.array(attachment).max(9).optional(),
});
type Attachment = z.infer<typeof attachment>;

const MEDIA_TTL_S = 3 * DAY_S;

/** A temporary media_id still valid (3 days) and of the kind the attachment needs, else 40007 as WeCom answers. */
function checkMedia(corp: Corp, mediaId: string, type: string, t: number): void {
  const m = corp.media.get(mediaId);
  if (!m || m.type !== type || m.created_at <= t - MEDIA_TTL_S) throw new WecomFault(40007, 'invalid media_id');
}

/**
 * Attachments as add_msg_template checks them (protocol §13.1): an image by a valid media_id or a
 * pic_url from the 上传图片 upload; a mini-program card of a mini program linked to the corp (90206)
 * with a valid cover media; video and file by a valid media_id of their kind.
 */
function checkMsgAttachments(corp: Corp, atts: Attachment[], t: number): void {
  for (const a of atts) {
    if (a.msgtype === 'image') {
      if (a.image.media_id) checkMedia(corp, a.image.media_id, 'image', t);
      else if (!a.image.pic_url) throw new WecomFault(40058, 'image media_id and pic_url both empty');
      else if (corp.media.get(a.image.pic_url)?.type !== 'uploadimg') throw new WecomFault(40058, 'invalid pic_url');
    } else if (a.msgtype === 'miniprogram') {
      if (!corp.miniprograms.includes(a.miniprogram.appid))
        throw new WecomFault(90206, 'miniprogram appid not related to the corp');
      checkMedia(corp, a.miniprogram.pic_media_id, 'image', t);
    } else if (a.msgtype === 'video') checkMedia(corp, a.video.media_id, 'video', t);
    else if (a.msgtype === 'file') checkMedia(corp, a.file.media_id, 'file', t);
  }
}

const pageBody = { limit: z.number().int().min(1).max(1000).optional(), cursor: z.string().optional() };

const cstDay = (t: number) => Math.floor((t + CST_OFFSET_S) / DAY_S) * DAY_S - CST_OFFSET_S;

/** The period a send at `t` counts in, and how many mass messages a customer may receive in it. */
export function receivePeriod(rule: ReceiveLimit, t: number): { start: number; end: number; max: number } {
  const day = cstDay(t);
  if (rule === 'day') return { start: day, end: day + DAY_S, max: 1 };
  if (rule === 'week') {
    const weekday = (new Date((day + CST_OFFSET_S) * 1000).getUTCDay() + 6) % 7; // Monday 0
    const start = day - weekday * DAY_S;
    return { start, end: start + 7 * DAY_S, max: 7 };
  }
  const d = new Date((t + CST_OFFSET_S) * 1000);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000 - CST_OFFSET_S;
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000 - CST_OFFSET_S;
  return { start, end, max: Math.round((end - start) / DAY_S) };
}

/** Cursor pagination over a list: the cursor is the next offset, empty when done. */
function paged<T>(all: T[], cursor: string | undefined, limit: number): { page: T[]; next_cursor: string } {
  const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) || 0 : 0;
  const page = all.slice(start, start + limit);
  return {
    page,
    next_cursor: start + limit < all.length ? Buffer.from(String(start + limit)).toString('base64url') : '',
  };
}

/** Whether the member can still reach the customer: a customer who deleted her keeps the one-way relation (§3.4) but gets nothing. */
const follows = (corp: Corp, external: string, userid: string) =>
  corp.contacts.get(external)?.follow_user.some((f) => f.userid === userid && !f.deleted_by_customer) ?? false;

/** The member a customer's mass message goes to when no sender is given: who chatted with them last. */
function lastChatted(state: SandboxState, corp: Corp, external: string): string | undefined {
  const followers = corp.contacts.get(external)?.follow_user ?? [];
  if (followers.length === 0) return undefined;
  const last = state.sentMessages.findLast(
    (m) => m.corpid === corp.corpid && m.external_userid === external && followers.some((f) => f.userid === m.userid),
  );
  return last?.userid ?? [...followers].sort((a, b) => b.createtime - a.createtime)[0]!.userid;
}

export function massMessageApi(r: Router, authed: Authed, state: SandboxState, nowS: () => number): void {
  const msgOf = (corp: Corp, msgid: string): GroupMsg => {
    const m = corp.groupMsgs.get(msgid);
    if (!m) throw new WecomFault(40058, 'invalid msgid');
    return m;
  };

  r.post(
    '/cgi-bin/externalcontact/add_msg_template',
    express.json({ limit: '2mb' }),
    authed('externalcontact/add_msg_template', (corp, req) => {
      const b = addMsgBody.parse(req.body);
      if ((b.chat_type ?? 'single') === 'group') throw new WecomFault(40058, 'group mass messages not simulated');
      if (!b.text?.content && !b.attachments?.length) throw new WecomFault(40058, 'text and attachments both empty');
      if (!b.external_userid?.length && !b.sender) throw new WecomFault(40058, 'external_userid and sender both empty');
      if (b.sender && !corp.members.has(b.sender)) throw new WecomFault(40003, 'invalid userid');
      checkMsgAttachments(corp, b.attachments ?? [], nowS());
      const targets = b.external_userid?.length
        ? b.external_userid
        : [...corp.contacts.values()]
            .filter((c) => follows(corp, c.external_userid, b.sender!))
            .map((c) => c.external_userid);
      const fail_list: string[] = [];
      const byMember = new Map<string, string[]>();
      for (const ext of new Set(targets)) {
        const userid = b.sender ? (follows(corp, ext, b.sender) ? b.sender : undefined) : lastChatted(state, corp, ext);
        if (!userid) {
          fail_list.push(ext);
          continue;
        }
        byMember.set(userid, [...(byMember.get(userid) ?? []), ext]);
      }
      if (byMember.size === 0) throw new WecomFault(40096, 'invalid external userid');
      const msgid = newId('msg');
      corp.groupMsgs.set(msgid, {
        msgid,
        create_time: nowS(),
        ...(b.text ? { text: b.text } : {}),
        attachments: b.attachments ?? [],
        tasks: new Map([...byMember.keys()].map((u) => [u, { status: 0 as const }])),
        results: new Map([...byMember].map(([u, exts]) => [u, new Map(exts.map((e) => [e, { status: 0 as const }]))])),
        cancelled: false,
        reminds: [],
      });
      return ok({ fail_list, msgid });
    }),
  );

  r.post(
    '/cgi-bin/externalcontact/get_groupmsg_task',
    express.json(),
    authed('externalcontact/get_groupmsg_task', (corp, req) => {
      const b = z.object({ msgid: z.string(), ...pageBody }).parse(req.body);
      const m = msgOf(corp, b.msgid);
      const all = [...m.tasks].map(([userid, t]) => ({
        userid,
        status: t.status,
        ...(t.send_time ? { send_time: t.send_time } : {}),
      }));
      const { page, next_cursor } = paged(all, b.cursor, b.limit ?? 500);
      return ok({ task_list: page, next_cursor });
    }),
  );

  r.post(
    '/cgi-bin/externalcontact/get_groupmsg_send_result',
    express.json(),
    authed('externalcontact/get_groupmsg_send_result', (corp, req) => {
      const b = z.object({ msgid: z.string(), userid: z.string(), ...pageBody }).parse(req.body);
      const m = msgOf(corp, b.msgid);
      const all = [...(m.results.get(b.userid) ?? new Map<string, { status: number; send_time?: number }>())].map(
        ([external_userid, x]) => ({
          external_userid,
          userid: b.userid,
          status: x.status,
          ...(x.status === 1 && x.send_time ? { send_time: x.send_time } : {}),
        }),
      );
      const { page, next_cursor } = paged(all, b.cursor, b.limit ?? 500);
      return ok({ send_list: page, next_cursor });
    }),
  );

  r.post(
    '/cgi-bin/externalcontact/remind_groupmsg_send',
    express.json(),
    authed('externalcontact/remind_groupmsg_send', (corp, req) => {
      const m = msgOf(corp, z.object({ msgid: z.string() }).parse(req.body).msgid);
      const t = nowS();
      m.reminds = m.reminds.filter((x) => x > t - DAY_S);
      // The real errcode for a 4th reminder is undocumented (protocol §13.4); a frequency error is the closest.
      if (m.reminds.length >= REMINDS_PER_DAY) throw new WecomFault(45009, 'remind freq out of limit (3 per 24h)');
      m.reminds.push(t);
      return ok({});
    }),
  );

  r.post(
    '/cgi-bin/externalcontact/cancel_groupmsg_send',
    express.json(),
    authed('externalcontact/cancel_groupmsg_send', (corp, req) => {
      msgOf(corp, z.object({ msgid: z.string() }).parse(req.body).msgid).cancelled = true;
      return ok({});
    }),
  );

  // ---- moments (§14) ----
  const momentAttachment = z.discriminatedUnion('msgtype', [
    z.object({ msgtype: z.literal('image'), image: z.object({ media_id: z.string().min(1) }) }),
    z.object({ msgtype: z.literal('video'), video: z.object({ media_id: z.string().min(1) }) }),
    z.object({
      msgtype: z.literal('link'),
      link: z.object({
        title: z
          .string()
          .refine((v) => bytes(v) <= 64, 'title over 64 bytes')
          .optional(),
        url: z.string().min(1),
        media_id: z.string().optional(),
      }),
    }),
    // Any other kind is parsed to be refused below as WeCom does ('invalid attachments msgtype').
    z.object({ msgtype: z.enum(['miniprogram', 'file']) }).loose(),
  ]);
  const momentBody = z.object({
    text: z.object({ content: z.string() }).optional(),
    attachments: z.array(momentAttachment).optional(),
    visible_range: z
      .object({
        sender_list: z
          .object({ user_list: z.array(z.string()).optional(), department_list: z.array(z.number()).optional() })
          .optional(),
        external_contact_list: z.object({ tag_list: z.array(z.string()).optional() }).optional(),
      })
      .optional(),
  });
  r.post(
    '/cgi-bin/externalcontact/add_moment_task',
    express.json({ limit: '2mb' }),
    authed('externalcontact/add_moment_task', (corp, req) => {
      const b = momentBody.parse(req.body);
      const atts = b.attachments ?? [];
      if (!b.text?.content && atts.length === 0) throw new WecomFault(40058, 'invalid msg');
      if ([...(b.text?.content ?? '')].length > 2000) throw new WecomFault(40058, 'invalid text size');
      const kinds = new Set(atts.map((a) => a.msgtype));
      if (kinds.size > 1 || [...kinds].some((k) => !['image', 'video', 'link'].includes(k)))
        throw new WecomFault(40058, 'invalid attachments msgtype');
      if ((kinds.has('image') && atts.length > 9) || ((kinds.has('video') || kinds.has('link')) && atts.length > 1))
        throw new WecomFault(40058, 'invalid attachments size');
      for (const a of atts) {
        if (a.msgtype === 'image') checkMedia(corp, a.image.media_id, 'image', nowS());
        else if (a.msgtype === 'video') checkMedia(corp, a.video.media_id, 'video', nowS());
        else if (a.msgtype === 'link' && a.link.media_id) checkMedia(corp, a.link.media_id, 'image', nowS());
      }
      const asked = b.visible_range?.sender_list?.user_list;
      const senders = asked ? asked.filter((u) => corp.members.has(u)) : [...corp.members.keys()];
      const tags = b.visible_range?.external_contact_list?.tag_list ?? [];
      const known = new Set(corp.groups.flatMap((g) => g.tag.map((t) => t.id)));
      const moment: Moment = {
        moment_id: newId('mom'),
        jobid: newId('job'),
        create_time: nowS(),
        ...(b.text ? { text: b.text } : {}),
        attachments: atts,
        tasks: new Map(
          senders.map((u) => [
            u,
            {
              publish_status: 0 as const,
              sent: [],
              customers: [...corp.contacts.values()]
                .filter((c) =>
                  c.follow_user.some(
                    (f) => f.userid === u && (tags.length === 0 || f.tag_ids.some((t) => tags.includes(t))),
                  ),
                )
                .map((c) => c.external_userid),
            },
          ]),
        ),
        invalid_users: (asked ?? []).filter((u) => !corp.members.has(u)),
        invalid_tags: tags.filter((t) => !known.has(t)),
        cancelled: false,
      };
      corp.moments.set(moment.moment_id, moment);
      return ok({ jobid: moment.jobid });
    }),
  );
  r.get(
    '/cgi-bin/externalcontact/get_moment_task_result',
    authed('externalcontact/get_moment_task_result', (corp, req) => {
      const jobid = String(req.query.jobid ?? '');
      const m = [...corp.moments.values()].find((x) => x.jobid === jobid);
      if (!m || m.create_time < nowS() - DAY_S) throw new WecomFault(40058, 'invalid jobid');
      // The job runs asynchronously (status 1 started, 2 running, 3 done): no result until it is done.
      if (corp.faults.momentJobsRunning > 0) {
        corp.faults.momentJobsRunning--;
        return ok({ status: 2, type: 'add_moment_task' });
      }
      return ok({
        status: 3,
        type: 'add_moment_task',
        result: {
          errcode: 0,
          errmsg: 'ok',
          moment_id: m.moment_id,
          invalid_sender_list: { user_list: m.invalid_users, department_list: [] },
          invalid_external_contact_list: { tag_list: m.invalid_tags },
        },
      });
    }),
  );
  const momentOf = (corp: Corp, id: string) => {
    const m = corp.moments.get(id);
    if (!m) throw new WecomFault(40058, 'invalid moment_id');
    return m;
  };
  r.post(
    '/cgi-bin/externalcontact/get_moment_task',
    express.json(),
    authed('externalcontact/get_moment_task', (corp, req) => {
      const b = z.object({ moment_id: z.string(), ...pageBody }).parse(req.body);
      const all = [...momentOf(corp, b.moment_id).tasks].map(([userid, t]) => ({
        userid,
        publish_status: t.publish_status,
      }));
      const { page, next_cursor } = paged(all, b.cursor, b.limit ?? 500);
      return ok({ task_list: page, next_cursor });
    }),
  );
  r.post(
    '/cgi-bin/externalcontact/get_moment_customer_list',
    express.json(),
    authed('externalcontact/get_moment_customer_list', (corp, req) => {
      const b = z.object({ moment_id: z.string(), userid: z.string(), ...pageBody }).parse(req.body);
      const t = momentOf(corp, b.moment_id).tasks.get(b.userid);
      const { page, next_cursor } = paged(
        (t?.customers ?? []).map((external_userid) => ({ userid: b.userid, external_userid })),
        b.cursor,
        b.limit ?? 500,
      );
      return ok({ customer_list: page, next_cursor });
    }),
  );
  r.post(
    '/cgi-bin/externalcontact/get_moment_send_result',
    express.json(),
    authed('externalcontact/get_moment_send_result', (corp, req) => {
      const b = z
        .object({
          moment_id: z.string(),
          userid: z.string(),
          cursor: z.string().optional(),
          limit: z.number().int().min(1).max(5000).optional(),
        })
        .parse(req.body);
      const t = momentOf(corp, b.moment_id).tasks.get(b.userid);
      const { page, next_cursor } = paged(
        (t?.sent ?? []).map((external_userid) => ({ external_userid })),
        b.cursor,
        b.limit ?? 3000,
      );
      return ok({ customer_list: page, next_cursor });
    }),
  );
  r.post(
    '/cgi-bin/externalcontact/cancel_moment_task',
    express.json(),
    authed('externalcontact/cancel_moment_task', (corp, req) => {
      momentOf(corp, z.object({ moment_id: z.string() }).parse(req.body).moment_id).cancelled = true;
      return ok({});
    }),
  );
}

export class MassMessageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The member confirms a mass message in the client: each of her customers gets it unless they are
 * no longer her customer (2) or already received the corp's limit this period (3). Delivered messages
 * appear in the chat as messages from the member.
 */
export function confirmGroupMsg(state: SandboxState, corp: Corp, msgid: string, userid: string, nowMs: number) {
  const m = corp.groupMsgs.get(msgid);
  const task = m?.tasks.get(userid);
  if (!m || !task) throw new MassMessageError(404, `no mass message ${msgid} for ${userid}`);
  if (m.cancelled) throw new MassMessageError(409, 'the mass message was cancelled');
  if (task.status === 2) throw new MassMessageError(409, 'already sent');
  const t = Math.floor(nowMs / 1000);
  const counts = { sent: 0, not_friend: 0, limit: 0 };
  for (const [ext, r] of m.results.get(userid) ?? []) {
    if (!follows(corp, ext, userid)) {
      r.status = 2;
      counts.not_friend++;
      continue;
    }
    const period = receivePeriod(corp.receiveLimit, t);
    const got = (corp.received.get(ext) ?? []).filter((x) => x >= period.start && x < period.end);
    if (got.length >= period.max) {
      r.status = 3;
      counts.limit++;
      continue;
    }
    r.status = 1;
    r.send_time = t;
    corp.received.set(ext, [...got, t]);
    state.sentMessages.push({
      corpid: corp.corpid,
      userid,
      external_userid: ext,
      at: nowMs,
      message: { msgtype: 'mass', text: m.text, attachments: m.attachments },
    });
    counts.sent++;
  }
  task.status = 2;
  task.send_time = t;
  return counts;
}

/** The member publishes a corp moment: it reaches her chosen customers who are still her customers. */
export function publishMoment(corp: Corp, momentId: string, userid: string): { sent: number } {
  const m = corp.moments.get(momentId);
  const task = m?.tasks.get(userid);
  if (!m || !task) throw new MassMessageError(404, `no moment ${momentId} for ${userid}`);
  if (m.cancelled) throw new MassMessageError(409, 'the moment was cancelled');
  if (task.publish_status === 1) throw new MassMessageError(409, 'already published');
  task.publish_status = 1;
  task.sent = task.customers.filter((ext) => follows(corp, ext, userid));
  return { sent: task.sent.length };
}

/** What the client shows a member: her mass messages and moments still waiting for her. */
export function pendingFor(corp: Corp, userid: string) {
  const groupMsgs = [...corp.groupMsgs.values()]
    .filter((m) => !m.cancelled && m.tasks.get(userid)?.status === 0)
    .map((m) => ({
      msgid: m.msgid,
      create_time: m.create_time,
      text: m.text?.content ?? '',
      attachments: m.attachments,
      customers: m.results.get(userid)?.size ?? 0,
      reminded: m.reminds.length,
    }));
  const moments = [...corp.moments.values()]
    .filter((m) => !m.cancelled && m.tasks.get(userid)?.publish_status === 0)
    .map((m) => ({
      moment_id: m.moment_id,
      create_time: m.create_time,
      text: m.text?.content ?? '',
      attachments: m.attachments,
      customers: m.tasks.get(userid)?.customers.length ?? 0,
    }));
  return { groupMsgs, moments };
}
