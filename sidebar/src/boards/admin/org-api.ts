import * as c from '../../../../core/contracts/org';
import { request } from '../http';

/** The Org & roles page's API client, over the consoles' one fetch (http.ts). */
export const orgApi = {
  overview: () => request(c.orgOverview, '/api/admin/org'),
  syncNow: () => request(c.syncQueued, '/api/admin/org/sync', { method: 'POST', body: {} }),
  setKind: (wecomId: number, kind: (typeof c.DEPARTMENT_KINDS)[number], why: string) =>
    request(c.syncQueued, `/api/admin/org/departments/${wecomId}/kind`, { method: 'PUT', body: { kind, why } }),
  users: () => request(c.orgUserList, '/api/admin/users'),
  assignRole: (userId: number, body: c.AssignRole) =>
    request(c.orgUser, `/api/admin/users/${userId}/role`, { method: 'PUT', body }),
};
