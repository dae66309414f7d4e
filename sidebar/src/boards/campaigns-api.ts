import * as z from 'zod/mini';
import * as c from '../../../core/contracts/campaigns';
import { request } from './http';

/** The campaign console's API client, over the consoles' one fetch (http.ts). */
const call = <T>(schema: z.core.$ZodType<T>, url: string, body?: unknown): Promise<T> =>
  request(schema, url, body === undefined ? {} : { body });

const created = z.object({ id: z.number(), recipients: z.number() });

export const campaignsApi = {
  options: () => call(c.campaignOptions, '/api/campaigns/options'),
  preview: (definition: c.SegmentDefinition) => call(c.segmentPreview, '/api/segments/preview', { definition }),
  saveSegment: (name: string, definition: c.SegmentDefinition) =>
    call(c.segment, '/api/segments', { name, definition }),
  segments: () => call(z.object({ items: z.array(c.segment) }), '/api/segments'),
  deleteSegment: (id: number) =>
    request(z.object({ ok: z.literal(true) }), `/api/segments/${id}`, { method: 'DELETE' }),
  list: () => call(z.object({ items: z.array(c.campaignSummary) }), '/api/campaigns'),
  create: (input: c.CampaignInput) => call(created, '/api/campaigns', input),
  progress: (id: number) => call(c.campaignProgress, `/api/campaigns/${id}`),
  roi: (id: number) => call(c.campaignRoi, `/api/campaigns/${id}/roi`),
  remind: (id: number) => call(z.object({ reminded: z.number() }), `/api/campaigns/${id}/remind`, {}),
  cancel: (id: number) => call(z.object({ ok: z.literal(true) }), `/api/campaigns/${id}/cancel`, {}),
};
