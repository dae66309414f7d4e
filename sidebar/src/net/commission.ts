import * as z from 'zod/mini';
import * as c from '../../../core/contracts/commission';
import { http } from './http';

/** A guide's own commission statement and disputes (申诉). */
export const commissionApi = {
  statement: (month: string) => http.get(c.statement, `/api/sidebar/commission/${month}`),
  disputes: () => http.get(c.disputes, '/api/sidebar/disputes'),
  contest: (lineId: number, claimedFen: number, note: string) =>
    http.post(z.object({ id: z.number() }), '/api/sidebar/disputes', { kind: 'contest', lineId, claimedFen, note }),
};
