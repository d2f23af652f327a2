//! `GET /graph/node/{id}` and `GET /graph/neighbourhood/{id}`.
import { api } from '@/shared/http/client';
import type { Depth, Neighbourhood, NodeResponse } from '../model/types';

export function fetchNode(id: string, signal?: AbortSignal): Promise<NodeResponse> {
  return api().get<NodeResponse>(`/graph/node/${encodeURIComponent(id)}`, {}, signal);
}

export function fetchNeighbourhood(id: string, depth: Depth, limit = 200, signal?: AbortSignal): Promise<Neighbourhood> {
  return api().get<Neighbourhood>(`/graph/neighbourhood/${encodeURIComponent(id)}`, { depth, limit }, signal);
}
