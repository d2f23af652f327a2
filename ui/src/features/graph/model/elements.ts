//! Turns a neighbourhood answer into Cytoscape elements.
import type { ElementDefinition } from 'cytoscape';
import type { GraphNode, Neighbourhood } from './types';

/** Short caption of a node in the graph. */
export function nodeCaption(node: GraphNode): string {
  const p = node.properties;
  if (node.kind === 'Object' && typeof p.label === 'string') return p.label;
  if (node.kind === 'Image' && typeof p.name === 'string') return p.name.split('/').pop() ?? p.name;
  return `${node.kind} ${node.id.slice(0, 6)}`;
}

/** Nodes and edges; edges whose ends are missing (cut by `limit`) are dropped. */
export function toElements(hood: Neighbourhood, centerId: string): ElementDefinition[] {
  const ids = new Set(hood.nodes.map((n) => n.id));
  const nodes: ElementDefinition[] = hood.nodes.map((n) => ({
    group: 'nodes',
    data: { id: n.id, kind: n.kind, caption: nodeCaption(n) },
    classes: [n.kind.toLowerCase(), n.id === centerId ? 'center' : ''].filter(Boolean).join(' '),
  }));
  const edges: ElementDefinition[] = hood.relationships
    .filter((r) => ids.has(r.start) && ids.has(r.end))
    .map((r) => ({
      group: 'edges',
      data: { id: `e:${r.id}`, source: r.start, target: r.end, type: r.type },
    }));
  return [...nodes, ...edges];
}

/** Hops from `centerId` to each node, following relationships in both directions. */
export function hopsFrom(hood: Neighbourhood, centerId: string): Map<string, number> {
  const adjacent = new Map<string, string[]>();
  for (const r of hood.relationships) {
    adjacent.set(r.start, [...(adjacent.get(r.start) ?? []), r.end]);
    adjacent.set(r.end, [...(adjacent.get(r.end) ?? []), r.start]);
  }
  const hops = new Map([[centerId, 0]]);
  let frontier = [centerId];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const other of adjacent.get(id) ?? []) {
        if (!hops.has(other)) {
          hops.set(other, (hops.get(id) ?? 0) + 1);
          next.push(other);
        }
      }
    }
    frontier = next;
  }
  return hops;
}
