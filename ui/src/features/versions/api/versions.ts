//! `GET /versions`, the admin routes `POST /versions/{set}/activate|rollback`, `GET /backfills`
//! and `POST /backfills/compare`; admin calls carry the token as `Authorization: Bearer`.
import { api, bearer } from '@/shared/http/client';
import type { BackfillsResponse, ChangeResponse, CompareResponse, VersionsResponse } from '../model/types';

const setPath = (set: string) => `/versions/${encodeURIComponent(set)}`;

export function fetchVersions(signal?: AbortSignal): Promise<VersionsResponse> {
  return api().get<VersionsResponse>('/versions', undefined, signal);
}

export function activateVersion(token: string, set: string, version: string, force = false): Promise<ChangeResponse> {
  return api().post<ChangeResponse>(`${setPath(set)}/activate`, { version, force }, undefined, bearer(token));
}

export function rollbackVersion(token: string, set: string): Promise<ChangeResponse> {
  return api().post<ChangeResponse>(`${setPath(set)}/rollback`, {}, undefined, bearer(token));
}

export function fetchBackfills(token: string, set: string, signal?: AbortSignal): Promise<BackfillsResponse> {
  return api().get<BackfillsResponse>('/backfills', { feature_set: set }, signal, bearer(token));
}

export interface CompareRequest {
  feature_set: string;
  from: string;
  to: string;
  /** Images compared at most (server default 1000). */
  limit?: number;
}

export function compareVersions(token: string, request: CompareRequest, signal?: AbortSignal): Promise<CompareResponse> {
  return api().post<CompareResponse>('/backfills/compare', request, signal, bearer(token));
}
