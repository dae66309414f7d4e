/** The department mapping of core/admin/org-sync.ts, row by row as README "Org sync" states it. */
import { describe, expect, it } from 'vitest';
import { classifyDepartments, type DepartmentKind, type DepartmentNode } from '../../core/admin/org-sync';

const node = (wecomId: number, parent: number | null, kind: DepartmentKind = 'auto'): DepartmentNode => ({
  wecomId,
  parentWecomId: parent,
  name: `d${wecomId}`,
  order: 0,
  kind,
});
const roles = (nodes: DepartmentNode[]) => {
  const { byId, problems } = classifyDepartments(nodes);
  return { map: Object.fromEntries([...byId].map(([id, c]) => [id, [c.role, c.regionDept, c.storeDept]])), problems };
};

describe('department mapping', () => {
  it('by default: depth 1 a region, depth 2 a store, deeper part of the store', () => {
    expect(roles([node(1, 0), node(10, 1), node(101, 10), node(1011, 101)]).map).toEqual({
      1: ['root', null, null],
      10: ['region', 10, null],
      101: ['store', 10, 101],
      1011: ['in_store', 10, 101],
    });
  });

  it('`none` leaves a department out with its subtree', () => {
    expect(roles([node(1, 0), node(20, 1, 'none'), node(201, 20), node(2011, 201)]).map).toEqual({
      1: ['root', null, null],
      20: ['none', null, null],
      201: ['none', null, null],
      2011: ['none', null, null],
    });
  });

  it('a `region` inside a region is reported and made a store of the outer one', () => {
    // 30 is marked a region; 31, marked a region inside it, becomes its store.
    const r = roles([node(1, 0), node(30, 1, 'region'), node(31, 30, 'region'), node(311, 31)]);
    expect(r.map[31]).toEqual(['store', 30, 31]);
    expect(r.map[311]).toEqual(['in_store', 30, 31]);
    expect(r.problems).toHaveLength(1);
  });

  it('regions marked one level down make the department above them a grouping (总部 → 大区 → 区域 → 门店)', () => {
    const r = roles([node(1, 0), node(50, 1), node(51, 50, 'region'), node(511, 51), node(52, 50, 'region')]);
    expect(r.map).toMatchObject({
      50: ['above', null, null],
      51: ['region', 51, null],
      511: ['store', 51, 511],
      52: ['region', 52, null],
    });
    expect(r.problems).toEqual([]);
  });

  it('a `store` with no region above it is left out and reported', () => {
    const r = roles([node(1, 0), node(40, 1, 'store'), node(401, 40)]);
    expect(r.map[40]).toEqual(['none', null, null]);
    expect(r.map[401]).toEqual(['none', null, null]);
    expect(r.problems[0]).toContain('needs a region');
  });

  it('an explicit `store` under a region, and departments whose parent the app cannot see start a walk of their own', () => {
    const r = roles([node(1, 0), node(10, 1), node(102, 10, 'store'), node(55, 99)]);
    expect(r.map[102]).toEqual(['store', 10, 102]);
    expect(r.map[55]).toEqual(['region', 55, null]);
  });
});
