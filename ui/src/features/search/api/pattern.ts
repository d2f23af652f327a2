//! `POST /query/pattern`.
import { api } from '@/shared/http/client';
import type { PatternQuery, PatternResponse } from '../model/pattern';

export function queryPattern(query: PatternQuery, signal?: AbortSignal): Promise<PatternResponse> {
  return api().post<PatternResponse>('/query/pattern', query, signal);
}
