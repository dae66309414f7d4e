import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../core/jobs/job';
import { processor } from '../../workers/processor';
import { allProcessors, buildRegistry } from '../../workers/registry';

const a = defineJob({ queue: 'maintenance', name: 'a', schema: z.object({}) });
const b = defineJob({ queue: 'maintenance', name: 'b', schema: z.object({}) });
const noop = async () => undefined;

describe('worker registry', () => {
  it('accepts the real set: every job has exactly one processor', () => {
    expect(() => buildRegistry(allProcessors)).not.toThrow();
  });
  it('fails at boot on a job without a processor', () => {
    expect(() => buildRegistry([processor(a, noop)], [a, b])).toThrowError('job b has no processor');
  });
  it('fails at boot on a job with two processors', () => {
    expect(() => buildRegistry([processor(a, noop), processor(a, noop)], [a])).toThrowError('job a has two processors');
  });
  it('fails on a processor for an undefined job', () => {
    expect(() => buildRegistry([processor(a, noop), processor(b, noop)], [a])).toThrowError(
      /processor for b has no job definition/,
    );
  });
});
