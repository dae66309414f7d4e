import * as z from 'zod/mini';
import * as c from '../../../core/contracts/campaigns';
import { http } from './http';

/** The guide's campaign sends and the 断码找人 send-to-all (one file per resource). */
export const campaignsApi = {
  tasks: (signal?: AbortSignal) => http.get(c.guideTasks, '/api/sidebar/campaign-tasks', signal),
  pushStyle: (productId: number) =>
    http.post(z.object({ id: z.number(), recipients: z.number() }), `/api/sidebar/styles/${productId}/push`, {}),
};
