//! `GET /similar/{object_id}?k=`.
import { api } from '@/shared/http/client';
import type { SimilarResponse } from '../model/similar';

export function fetchSimilar(objectId: string, k = 8, version?: string, signal?: AbortSignal): Promise<SimilarResponse> {
  return api().get<SimilarResponse>(`/similar/${encodeURIComponent(objectId)}`, { k, version }, signal);
}
