import { describe, expect, it } from 'vitest';
import { type Audience, audienceFits, isBrokenRun, type SizeRunRule } from '../../core/guide/fit';

describe('who a style fits (the audience table in core/guide/fit.ts)', () => {
  const woman = { gender: 2, hasChild: false };
  const man = { gender: 1, hasChild: false };
  const unknown = { gender: 0, hasChild: false };
  const mother = { gender: 2, hasChild: true };
  // [audience, customer, fits]
  const table: [Audience, { gender: number; hasChild: boolean }, boolean][] = [
    ['women', woman, true],
    ['women', man, false],
    ['women', unknown, true],
    ['men', man, true],
    ['men', woman, false],
    ['men', unknown, true],
    ['unisex', woman, true],
    ['unisex', man, true],
    ['kids', mother, true],
    ['kids', woman, false],
    ['kids', man, false],
  ];
  it.each(table)('%s for %o → %s', (audience, customer, fits) => {
    expect(audienceFits(audience, customer)).toBe(fits);
  });
});

describe('broken size runs (the run table in core/guide/fit.ts)', () => {
  const shoes: SizeRunRule = {
    sizes: ['35', '36', '37', '38', '39', '40', '41', '42', '43', '44'],
    brokenMaxLeft: 3,
    coreSizes: ['37', '38', '39', '40'],
  };
  // [case, rule, sizes in stock, broken]
  const table: [string, SizeRunRule, string[], boolean][] = [
    ['nothing left is not a run', shoes, [], false],
    ['one size left', shoes, ['37'], true],
    ['3 of 10 left (the limit)', shoes, ['42', '43', '44'], true],
    ['4 left, every core size there', shoes, ['37', '38', '39', '40'], false],
    ['full run', shoes, shoes.sizes, false],
    ['8 left but core 38 gone', shoes, ['35', '36', '37', '39', '40', '41', '42', '43'], true],
    ['no core sizes set: only the count', { ...shoes, coreSizes: [] }, ['35', '36', '41', '42'], false],
    ['the old default: at most 2 left', { sizes: [], brokenMaxLeft: 2, coreSizes: [] }, ['37', '39'], true],
    ['the old default: 3 left is whole', { sizes: [], brokenMaxLeft: 2, coreSizes: [] }, ['37', '38', '39'], false],
    ['a core size outside the run is ignored', { ...shoes, coreSizes: ['37', '46'] }, ['35', '36', '37', '38'], false],
  ];
  it.each(table)('%s', (_case, rule, stock, broken) => {
    expect(isBrokenRun(rule, stock)).toBe(broken);
  });
});
