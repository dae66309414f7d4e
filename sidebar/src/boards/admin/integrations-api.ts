import * as z from 'zod/mini';
import * as c from '../../../../core/contracts/admin';
import { request } from '../http';

/** Integrations (POS secret, WeCom app settings, callback check, WW_verify file): the admin console's client. */
export const integrationsApi = {
  settings: () => request(c.integrationSettings, '/api/admin/integrations'),
  rotatePos: (overlapMinutes: number) =>
    request(c.rotatePosSecretResponse, '/api/admin/integrations/pos-secret', { body: { overlapMinutes } }),
  endOverlap: () =>
    request(z.object({ ok: z.literal(true) }), '/api/admin/integrations/pos-secret/previous', { method: 'DELETE' }),
  checkCallback: () => request(c.callbackCheck, '/api/admin/integrations/callback-check', { body: {} }),
  putVerifyFile: (filename: string, content: string) =>
    request(c.verifyFileResponse, '/api/admin/integrations/wecom-verify-file', {
      method: 'PUT',
      body: { filename, content },
    }),
};
