/**
 * The corp's contacts (通讯录) as WeCom serves them (protocol §9): departments and members read by
 * the self-built app within its visible scope, with the 2022-06-20 field restrictions; user/list_id
 * only with the 通讯录同步 secret; and the admin's edits in the WeCom admin console, which call
 * back only the 通讯录同步 assistant's event server (change_contact), never the app.
 */
import express, { type Request, type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { deliver, eventXml, type DeliveryOptions } from './callbacks';
import { WecomFault, ok } from './errors';
import type { Corp, Department, Member, SandboxState } from './state';

type Authed = (path: string, handler: (corp: Corp, req: Request) => object) => RequestHandler;

/** Apps created from this moment lose seven member fields in user/get and user/list (§9.2). */
export const FIELD_CUTOFF_MS = Date.parse('2022-06-20T20:00:00+08:00');
/** Sync-assistant URLs configured from this moment get only UserID and Department in member events (§9.3). */
export const SLIM_EVENTS_CUTOFF_MS = Date.parse('2022-08-15T10:00:00+08:00');

/** Which secret the request's token was issued for. */
function secretOf(state: SandboxState, req: Request): string {
  return state.tokens.get(String(req.query.access_token ?? ''))?.secret ?? '';
}
const isSyncToken = (state: SandboxState, corp: Corp, req: Request) =>
  corp.contactSync !== undefined && secretOf(state, req) === corp.contactSync.secret;

const deptVisible = (corp: Corp, d: Department, all: boolean) => all || d.in_scope !== false;
const memberVisible = (m: Member, all: boolean) => all || m.in_scope !== false;
export const departmentsOf = (m: Member) => (m.department?.length ? m.department : [1]);

function subtree(corp: Corp, rootId: number): Department[] {
  const out: Department[] = [];
  const walk = (id: number) => {
    const d = corp.departments.get(id);
    if (!d) return;
    out.push(d);
    for (const c of corp.departments.values()) if (c.parentid === id && c.id !== id) walk(c.id);
  };
  walk(rootId);
  return out;
}

function memberView(corp: Corp, m: Member, full: boolean) {
  const dept = departmentsOf(m);
  const base = {
    userid: m.userid,
    name: m.name,
    department: dept,
    order: dept.map(() => 0),
    position: m.position ?? '',
    is_leader_in_dept: dept.map(() => 0),
    direct_leader: [],
    telephone: '',
    alias: '',
    status: m.status ?? 1,
    main_department: m.main_department ?? dept[0]!,
    open_userid: `wo${Buffer.from(`${corp.corpid}:${m.userid}`).toString('hex').slice(0, 30)}`,
  };
  if (!full) return base;
  return {
    ...base,
    mobile: m.mobile ?? '',
    gender: m.gender ?? '0',
    email: m.email ?? '',
    biz_mail: '',
    avatar: m.avatar ?? '',
    thumb_avatar: m.avatar ?? '',
    qr_code: `https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=${m.userid}`,
    address: '',
  };
}

/** The server API's contacts reads. */
export function orgServerApi(r: Router, authed: Authed, state: SandboxState): void {
  /** Visible to this token: the whole tree for the sync assistant, the app's scope otherwise. */
  const deptOr = (corp: Corp, req: Request, raw: unknown): Department[] => {
    const all = isSyncToken(state, corp, req);
    if (raw === undefined || raw === '') return [...corp.departments.values()].filter((d) => deptVisible(corp, d, all));
    const id = Number(raw);
    const d = Number.isInteger(id) ? corp.departments.get(id) : undefined;
    if (!d) throw new WecomFault(60123, 'invalid party id');
    if (!deptVisible(corp, d, all)) throw new WecomFault(60011, 'no privilege to access/modify contact/party/agent');
    return subtree(corp, id).filter((x) => deptVisible(corp, x, all));
  };
  const fullFields = (corp: Corp, req: Request) => isSyncToken(state, corp, req) || corp.appCreatedAt < FIELD_CUTOFF_MS;
  const byOrder = (a: Department, b: Department) => b.order - a.order || a.id - b.id;

  r.get(
    '/cgi-bin/department/list',
    authed('department/list', (corp, req) =>
      ok({
        department: deptOr(corp, req, req.query.id)
          .sort(byOrder)
          .map((d) => ({
            id: d.id,
            name: d.name,
            name_en: d.name_en ?? '',
            department_leader: d.department_leader,
            parentid: d.parentid,
            order: d.order,
          })),
      }),
    ),
  );
  r.get(
    '/cgi-bin/department/simplelist',
    authed('department/simplelist', (corp, req) =>
      ok({
        department_id: deptOr(corp, req, req.query.id)
          .sort(byOrder)
          .map((d) => ({ id: d.id, parentid: d.parentid, order: d.order })),
      }),
    ),
  );
  r.get(
    '/cgi-bin/department/get',
    authed('department/get', (corp, req) => {
      const d = deptOr(corp, req, req.query.id ?? '-')[0]!;
      return ok({
        department: {
          id: d.id,
          name: d.name,
          name_en: d.name_en ?? '',
          department_leader: d.department_leader,
          parentid: d.parentid,
          order: d.order,
        },
      });
    }),
  );

  /** Members directly in the department (user/list is not recursive). */
  const membersIn = (corp: Corp, req: Request): Member[] => {
    const id = Number(req.query.department_id);
    const d = Number.isInteger(id) ? corp.departments.get(id) : undefined;
    const all = isSyncToken(state, corp, req);
    if (!d) throw new WecomFault(60123, 'invalid party id');
    if (!deptVisible(corp, d, all)) throw new WecomFault(60011, 'no privilege to access/modify contact/party/agent');
    return [...corp.members.values()].filter((m) => memberVisible(m, all) && departmentsOf(m).includes(id));
  };
  r.get(
    '/cgi-bin/user/simplelist',
    authed('user/simplelist', (corp, req) =>
      ok({
        userlist: membersIn(corp, req).map((m) => {
          const v = memberView(corp, m, false);
          return { userid: v.userid, name: v.name, department: v.department, open_userid: v.open_userid };
        }),
      }),
    ),
  );
  r.get(
    '/cgi-bin/user/list',
    authed('user/list', (corp, req) =>
      ok({ userlist: membersIn(corp, req).map((m) => memberView(corp, m, fullFields(corp, req))) }),
    ),
  );
  r.get(
    '/cgi-bin/user/get',
    authed('user/get', (corp, req) => {
      const m = corp.members.get(String(req.query.userid ?? ''));
      if (!m) throw new WecomFault(60111, 'userid not found');
      if (!memberVisible(m, isSyncToken(state, corp, req)))
        throw new WecomFault(60011, 'no privilege to access/modify contact/party/agent');
      return ok(memberView(corp, m, fullFields(corp, req)));
    }),
  );
  r.post(
    '/cgi-bin/user/list_id',
    express.json(),
    authed('user/list_id', (corp, req) => {
      if (!isSyncToken(state, corp, req)) throw new WecomFault(48002, 'api forbidden');
      const b = z
        .object({ cursor: z.string().optional(), limit: z.number().int().min(1).max(10_000).optional() })
        .parse(req.body ?? {});
      const rows = [...corp.members.values()].flatMap((m) =>
        departmentsOf(m).map((department) => ({ userid: m.userid, department })),
      );
      const start = b.cursor ? Number(Buffer.from(b.cursor, 'base64url').toString()) || 0 : 0;
      const limit = b.limit ?? 10_000;
      return ok({
        next_cursor: start + limit < rows.length ? Buffer.from(String(start + limit)).toString('base64url') : '',
        dept_user: rows.slice(start, start + limit),
      });
    }),
  );
}

class OrgError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const memberBody = z.object({
  userid: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/),
  name: z.string().min(1).max(64),
  department: z.array(z.number().int().positive()).min(1).max(100).optional(),
  main_department: z.number().int().positive().optional(),
  position: z.string().max(128).optional(),
  mobile: z.string().optional(),
  email: z.string().optional(),
  in_scope: z.boolean().optional(),
});

/**
 * What an admin does in the WeCom admin console's 通讯录: creates, moves and removes members and
 * departments. Each change goes to the 通讯录同步 assistant's event server as change_contact.
 */
export function orgControlApi(r: Router, state: SandboxState, delivery: DeliveryOptions): void {
  const corpOf = (req: Request): Corp => {
    const c = state.corps.get(String(req.params.corpid));
    if (!c) throw new OrgError(404, `no corp ${req.params.corpid}`);
    return c;
  };
  const wrap =
    (fn: (req: Request) => object): RequestHandler =>
    (req, res, next) => {
      try {
        res.json(fn(req));
      } catch (err) {
        if (err instanceof OrgError) res.status(err.status).json({ error: err.message });
        else if (err instanceof z.ZodError)
          res.status(400).json({ error: `${err.issues[0]?.path.join('.') || 'body'}: ${err.issues[0]?.message}` });
        else next(err);
      }
    };
  const fire = (corp: Corp, fields: Record<string, string | number | undefined>) =>
    void deliver(
      corp,
      eventXml(corp.corpid, { Event: 'change_contact', ...fields }),
      { event: 'change_contact', change_type: String(fields.ChangeType) },
      delivery,
      'contact_sync',
    );
  /** Member events: everything for old event servers, UserID and Department only for newer ones. */
  const fireMember = (corp: Corp, changeType: string, m: Member, extra: Record<string, string> = {}) => {
    const slim = (corp.contactSync?.configuredAt ?? 0) >= SLIM_EVENTS_CUTOFF_MS;
    const dept = departmentsOf(m).join(',');
    fire(
      corp,
      slim
        ? { ChangeType: changeType, UserID: m.userid, Department: dept, ...extra }
        : {
            ChangeType: changeType,
            UserID: m.userid,
            Name: m.name,
            Department: dept,
            MainDepartment: m.main_department ?? departmentsOf(m)[0],
            Position: m.position ?? '',
            Status: m.status ?? 1,
            ...extra,
          },
    );
  };
  const dept = (corp: Corp, id: number) => {
    const d = corp.departments.get(id);
    if (!d) throw new OrgError(400, `no department ${id} in ${corp.corpid}`);
    return d;
  };
  const checkDepartments = (corp: Corp, ids: number[] | undefined) => {
    for (const id of ids ?? []) dept(corp, id);
  };

  r.post(
    '/corps/:corpid/contact-sync',
    wrap((req) => {
      const corp = corpOf(req);
      const b = z
        .object({
          secret: z.string().min(1),
          callback: z
            .object({ url: z.url(), token: z.string().min(1), encodingAESKey: z.string().length(43) })
            .optional(),
          /** When the event server URL was saved (ms); decides how much member events carry. */
          configuredAt: z.number().int().optional(),
        })
        .parse(req.body);
      corp.contactSync = { secret: b.secret, callback: b.callback, configuredAt: b.configuredAt ?? Date.now() };
      return { ok: true };
    }),
  );

  r.post(
    '/corps/:corpid/org/departments',
    wrap((req) => {
      const corp = corpOf(req);
      const b = z
        .object({
          id: z
            .number()
            .int()
            .min(2)
            .max(2 ** 31 - 1)
            .optional(),
          name: z.string().min(1).max(64),
          parentid: z.number().int().positive(),
          order: z.number().int().min(0).optional(),
          in_scope: z.boolean().optional(),
        })
        .parse(req.body);
      dept(corp, b.parentid);
      const id = b.id ?? Math.max(...corp.departments.keys()) + 1;
      if (corp.departments.has(id)) throw new OrgError(400, `department ${id} exists`);
      const d: Department = {
        id,
        name: b.name,
        parentid: b.parentid,
        order: b.order ?? 0,
        department_leader: [],
        ...(b.in_scope === undefined ? {} : { in_scope: b.in_scope }),
      };
      corp.departments.set(id, d);
      fire(corp, { ChangeType: 'create_party', Id: id, Name: d.name, ParentId: String(d.parentid), Order: d.order });
      return { id };
    }),
  );
  r.patch(
    '/corps/:corpid/org/departments/:id',
    wrap((req) => {
      const corp = corpOf(req);
      const d = dept(corp, Number(req.params.id));
      const b = z
        .object({ name: z.string().min(1).max(64).optional(), parentid: z.number().int().positive().optional() })
        .parse(req.body);
      if (b.parentid !== undefined) {
        dept(corp, b.parentid);
        if (d.id === 1 || subtree(corp, d.id).some((x) => x.id === b.parentid))
          throw new OrgError(400, 'a department cannot move under itself');
        d.parentid = b.parentid;
      }
      if (b.name) d.name = b.name;
      fire(corp, {
        ChangeType: 'update_party',
        Id: d.id,
        ...(b.name ? { Name: d.name } : {}),
        ...(b.parentid !== undefined ? { ParentId: String(d.parentid) } : {}),
      });
      return { ok: true };
    }),
  );
  r.delete(
    '/corps/:corpid/org/departments/:id',
    wrap((req) => {
      const corp = corpOf(req);
      const d = dept(corp, Number(req.params.id));
      // WeCom refuses to delete the root, a department with sub-departments or with members.
      if (d.id === 1) throw new OrgError(400, 'the root department cannot be deleted');
      if ([...corp.departments.values()].some((x) => x.parentid === d.id))
        throw new OrgError(400, 'errcode 60006: the department has sub-departments');
      if ([...corp.members.values()].some((m) => departmentsOf(m).includes(d.id)))
        throw new OrgError(400, 'errcode 60005: the department has members');
      corp.departments.delete(d.id);
      fire(corp, { ChangeType: 'delete_party', Id: d.id });
      return { ok: true };
    }),
  );

  r.post(
    '/corps/:corpid/org/members',
    wrap((req) => {
      const corp = corpOf(req);
      const b = memberBody.parse(req.body);
      if (corp.members.has(b.userid)) throw new OrgError(400, `errcode 60102: userid ${b.userid} exists`);
      checkDepartments(corp, b.department);
      const m: Member = { ...b, status: 1 };
      corp.members.set(m.userid, m);
      fireMember(corp, 'create_user', m);
      return { userid: m.userid };
    }),
  );
  r.patch(
    '/corps/:corpid/org/members/:userid',
    wrap((req) => {
      const corp = corpOf(req);
      const m = corp.members.get(String(req.params.userid));
      if (!m) throw new OrgError(400, `errcode 60111: no member ${req.params.userid}`);
      const b = memberBody
        .omit({ userid: true })
        .partial()
        .extend({ status: z.union([z.literal(1), z.literal(2)]).optional() })
        .parse(req.body);
      checkDepartments(corp, b.department);
      Object.assign(m, b);
      if (b.department && m.main_department !== undefined && !b.department.includes(m.main_department))
        m.main_department = b.department[0]!;
      fireMember(corp, 'update_user', m);
      return { ok: true };
    }),
  );
  r.delete(
    '/corps/:corpid/org/members/:userid',
    wrap((req) => {
      const corp = corpOf(req);
      const m = corp.members.get(String(req.params.userid));
      if (!m) throw new OrgError(400, `errcode 60111: no member ${req.params.userid}`);
      corp.members.delete(m.userid);
      fire(corp, { ChangeType: 'delete_user', UserID: m.userid });
      // One deletion can also bring an update_user, in no guaranteed order (an operator's word, §9.3).
      if (req.query.alsoUpdate === '1') fireMember(corp, 'update_user', m);
      return { ok: true };
    }),
  );
}
