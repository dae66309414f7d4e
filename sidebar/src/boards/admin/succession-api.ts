import * as c from '../../../../core/contracts/succession';
import { request } from '../http';

/** The succession page's API client (离职继承 / 在职继承), over the consoles' one fetch. */
export const successionApi = {
  overview: () => request(c.successionOverview, '/api/admin/succession'),
  customers: (guideId: number) => request(c.handoverCustomers, `/api/admin/succession/guides/${guideId}/customers`),
  markLeft: (guideId: number, reason: string) =>
    request(c.markLeftResponse, `/api/admin/succession/guides/${guideId}/leave`, { body: { reason } }),
  start: (body: c.StartTransfers) => request(c.startTransfersResponse, '/api/admin/succession/transfers', { body }),
  refresh: () => request(c.refreshResponse, '/api/admin/succession/refresh', { body: {} }),
};
