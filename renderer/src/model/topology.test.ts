import { describe, expect, it } from 'vitest';
import { layoutTopology, NODE_H } from './topology';

describe('topology layout', () => {
  const topology = {
    applicationId: 'word-count',
    subtopologies: [
      {
        id: 1,
        nodes: [
          { name: 'SOURCE-REPART', kind: 'source', topics: ['wc-repartition'], children: ['COUNT'] },
          { name: 'COUNT', kind: 'processor', store: 'counts', children: ['SINK-OUT'] },
          { name: 'SINK-OUT', kind: 'sink', topics: ['word-counts'] },
        ],
      },
      {
        id: 0,
        nodes: [
          { name: 'SOURCE', kind: 'source', topics: ['sentences'], children: ['SPLIT'] },
          { name: 'SPLIT', kind: 'processor', children: ['SINK-REPART', 'PEEK'] },
          { name: 'SINK-REPART', kind: 'sink', topics: ['wc-repartition'], repartition: true },
          { name: 'PEEK', kind: 'processor' },
        ],
      },
    ],
    stores: [{ name: 'counts', changelogTopic: 'wc-counts-changelog', subtopology: 1 }],
  };

  it('puts sub-topologies in columns by id and nodes in layers by depth', () => {
    const l = layoutTopology(topology);
    expect(l.columns.map((c) => c.id)).toEqual([0, 1]);
    const at = (name: string) => l.nodes.find((n) => n.name === name)!;
    expect(at('SOURCE').y).toBeLessThan(at('SPLIT').y);
    expect(at('SINK-REPART').y).toBe(at('PEEK').y);
    expect(at('SINK-REPART').x).not.toBe(at('PEEK').x);
    expect(at('SOURCE-REPART').x).toBeGreaterThan(at('SOURCE').x);
    expect(at('COUNT').detail).toBe('store counts');
    expect(at('SINK-REPART').detail).toBe('wc-repartition · repartition');
    expect(l.height).toBeGreaterThan(3 * NODE_H);
  });

  it('draws child edges solid and repartition hops dashed', () => {
    const l = layoutTopology(topology);
    expect(l.edges.filter((e) => !e.dashed).map((e) => `${e.from}>${e.to}`).sort()).toEqual(
      ['0:SOURCE>0:SPLIT', '0:SPLIT>0:PEEK', '0:SPLIT>0:SINK-REPART', '1:COUNT>1:SINK-OUT', '1:SOURCE-REPART>1:COUNT'].sort(),
    );
    expect(l.edges.filter((e) => e.dashed).map((e) => `${e.from}>${e.to}`)).toEqual(['0:SINK-REPART>1:SOURCE-REPART']);
    for (const e of l.edges) expect(e.d).toMatch(/^M[\d.]+,[\d.]+ C/);
  });

  it('survives an empty or cyclic description', () => {
    expect(layoutTopology({ applicationId: null, subtopologies: [], stores: [] }).nodes).toEqual([]);
    const cyclic = layoutTopology({ applicationId: null, subtopologies: [{ id: 0, nodes: [{ name: 'a', kind: 'p', children: ['b'] }, { name: 'b', kind: 'p', children: ['a'] }] }], stores: [] });
    expect(cyclic.nodes).toHaveLength(2);
  });
});
