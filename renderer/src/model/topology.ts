// Lays out an app's processor graph for SVG: one column per sub-topology, nodes in layers by depth
// (sources on top), edges parent → child; a dashed edge joins a sink to the source that reads the
// same (repartition) topic in another sub-topology.
import type { z } from 'zod';
import type { TopologyDescription } from '../api/contract';

export type Topology = z.infer<typeof TopologyDescription>;

export const NODE_W = 190;
export const NODE_H = 56;
const GAP_X = 24;
const GAP_Y = 36;
const COL_GAP = 56;
const PAD = 16;
const HEADER = 28;

export interface LaidNode {
  key: string;
  name: string;
  kind: string;
  detail: string;
  subtopology: number;
  x: number;
  y: number;
}

export interface LaidEdge {
  from: string;
  to: string;
  d: string;
  dashed: boolean;
}

export interface LaidColumn {
  id: number;
  x: number;
  width: number;
  height: number;
  title: string;
}

export interface Layout {
  width: number;
  height: number;
  columns: LaidColumn[];
  nodes: LaidNode[];
  edges: LaidEdge[];
}

function detailOf(node: { kind: string; topics?: string[] | undefined; store?: string | undefined; repartition?: boolean | undefined }): string {
  const parts: string[] = [];
  if (node.topics?.length) parts.push(node.topics.join(', '));
  if (node.store) parts.push(`store ${node.store}`);
  if (node.repartition) parts.push('repartition');
  return parts.join(' · ');
}

function curve(x1: number, y1: number, x2: number, y2: number): string {
  const dy = Math.max(24, Math.abs(y2 - y1) / 2);
  return `M${x1},${y1} C${x1},${y1 + dy} ${x2},${y2 - dy} ${x2},${y2}`;
}

/** Side to side, for a hop between columns. */
function hcurve(x1: number, y1: number, x2: number, y2: number): string {
  const dx = Math.max(30, Math.abs(x2 - x1) / 2) * (x2 >= x1 ? 1 : -1);
  return `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
}

export function layoutTopology(topology: Topology): Layout {
  const nodes: LaidNode[] = [];
  const edges: LaidEdge[] = [];
  const columns: LaidColumn[] = [];
  const byKey = new Map<string, LaidNode>();
  let x = PAD;
  let maxHeight = 0;

  for (const sub of [...topology.subtopologies].sort((a, b) => a.id - b.id)) {
    const names = new Set(sub.nodes.map((n) => n.name));
    const parents = new Map<string, string[]>();
    for (const n of sub.nodes) for (const c of n.children ?? []) if (names.has(c)) parents.set(c, [...(parents.get(c) ?? []), n.name]);
    // Depth = longest path from a root (cycles, which a topology should not have, are cut).
    const depth = new Map<string, number>();
    const visiting = new Set<string>();
    const depthOf = (name: string): number => {
      const known = depth.get(name);
      if (known !== undefined) return known;
      if (visiting.has(name)) return 0;
      visiting.add(name);
      const d = Math.max(-1, ...(parents.get(name) ?? []).map(depthOf)) + 1;
      visiting.delete(name);
      depth.set(name, d);
      return d;
    };
    const layers: string[][] = [];
    for (const n of sub.nodes) (layers[depthOf(n.name)] ??= []).push(n.name);
    const widest = Math.max(1, ...layers.map((l) => l?.length ?? 0));
    const width = widest * NODE_W + (widest - 1) * GAP_X;
    const height = HEADER + layers.length * (NODE_H + GAP_Y);
    columns.push({ id: sub.id, x, width, height, title: `Sub-topology ${sub.id}` });
    layers.forEach((layer, li) => {
      const layerWidth = layer.length * NODE_W + (layer.length - 1) * GAP_X;
      layer.forEach((name, i) => {
        const node = sub.nodes.find((n) => n.name === name)!;
        const laid: LaidNode = {
          key: `${sub.id}:${name}`,
          name,
          kind: node.kind,
          detail: detailOf(node),
          subtopology: sub.id,
          x: x + (width - layerWidth) / 2 + i * (NODE_W + GAP_X),
          y: PAD + HEADER + li * (NODE_H + GAP_Y),
        };
        nodes.push(laid);
        byKey.set(laid.key, laid);
      });
    });
    for (const n of sub.nodes) {
      for (const c of n.children ?? []) {
        const from = byKey.get(`${sub.id}:${n.name}`);
        const to = byKey.get(`${sub.id}:${c}`);
        if (!from || !to) continue;
        edges.push({ from: from.key, to: to.key, d: curve(from.x + NODE_W / 2, from.y + NODE_H, to.x + NODE_W / 2, to.y), dashed: false });
      }
    }
    maxHeight = Math.max(maxHeight, height);
    x += width + COL_GAP;
  }

  // Sinks feeding sources elsewhere through a topic (a repartition topic, usually).
  const isSink = (kind: string) => /sink/i.test(kind);
  const isSource = (kind: string) => /source/i.test(kind);
  for (const sub of topology.subtopologies) {
    for (const sink of sub.nodes.filter((n) => isSink(n.kind))) {
      for (const other of topology.subtopologies) {
        if (other.id === sub.id) continue;
        for (const source of other.nodes.filter((n) => isSource(n.kind))) {
          if (!(sink.topics ?? []).some((t) => (source.topics ?? []).includes(t))) continue;
          const from = byKey.get(`${sub.id}:${sink.name}`)!;
          const to = byKey.get(`${other.id}:${source.name}`)!;
          const rightward = to.x > from.x;
          const x1 = rightward ? from.x + NODE_W : from.x;
          const x2 = rightward ? to.x : to.x + NODE_W;
          edges.push({ from: from.key, to: to.key, d: hcurve(x1, from.y + NODE_H / 2, x2, to.y + NODE_H / 2), dashed: true });
        }
      }
    }
  }

  return { width: Math.max(x - COL_GAP + PAD, 200), height: maxHeight + PAD * 2 + GAP_Y, columns, nodes, edges };
}
