//! Graph node and relationship types of the exploration routes (docs/api.md "Exploration").

export type NodeKind = 'Image' | 'Object' | 'Feature';

export type PropertyValue = string | number | boolean | null | PropertyValue[] | { [key: string]: PropertyValue };

export interface GraphNode {
  id: string;
  kind: NodeKind;
  labels: string[];
  properties: Record<string, PropertyValue>;
}

export interface GraphRelationship {
  id: string;
  type: string;
  /** Node id. */
  start: string;
  /** Node id. */
  end: string;
  properties: Record<string, PropertyValue>;
}

/** `GET /graph/node/{id}`. */
export interface NodeResponse {
  node: GraphNode;
}

/** `GET /graph/neighbourhood/{id}`. */
export interface Neighbourhood {
  nodes: GraphNode[];
  relationships: GraphRelationship[];
  truncated: boolean;
}

export type Depth = 1 | 2;
