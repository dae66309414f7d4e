import * as z from 'zod/mini';
import * as c from '../../../core/contracts/campaigns';
import { BoardError } from './api';
import { router } from './router';

/** The campaign console's API client: JSON with the session cookie, parsed by the campaign contracts. */
async function call<T>(schema: z.core.$ZodType<T>, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    credentials: 'same-origin',
    method: body === undefined ? 'GET' : 'POST',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json: unknown = await res.json().catch(() => null);
  if (res.status === 401) {
    void router.replace({ name: 'signin' });
    throw new BoardError(401, 'UNAUTHENTICATED', 'sign in');
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new BoardError(res.status, e?.code ?? 'HTTP_' + res.status, e?.message ?? res.statusText);
  }
  return z.parse(schema, json);
}

const created = z.object({ id: z.number(), recipients: z.number() });

export const campaignsApi = {
  options: () => call(c.campaignOptions, '/api/campaigns/options'),
  preview: (definition: c.SegmentDefinition) => call(c.segmentPreview, '/api/segments/preview', { definition }),
  saveSegment: (name: string, definition: c.SegmentDefinition) =>
    call(c.segment, '/api/segments', { name, definition }),
  segments: () => call(z.object({ items: z.array(c.segment) }), '/api/segments'),
  list: () => call(z.object({ items: z.array(c.campaignSummary) }), '/api/campaigns'),
  create: (input: c.CampaignInput) => call(created, '/api/campaigns', input),
  progress: (id: number) => call(c.campaignProgress, `/api/campaigns/${id}`),
  roi: (id: number) => call(c.campaignRoi, `/api/campaigns/${id}/roi`),
  remind: (id: number) => call(z.object({ reminded: z.number() }), `/api/campaigns/${id}/remind`, {}),
  cancel: (id: number) => call(z.object({ ok: z.literal(true) }), `/api/campaigns/${id}/cancel`, {}),
};
