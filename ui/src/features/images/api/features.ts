//! Feature lookups: `GET /features/image`, `GET /features/object/{id}`, and image bytes.
import { api } from '@/shared/http/client';
import type { ImageFeatures, ObjectFeatures } from '../model/types';

export function fetchImageFeatures(imageId: string, version?: string, signal?: AbortSignal): Promise<ImageFeatures> {
  return api().get<ImageFeatures>('/features/image', { id: imageId, version }, signal);
}

export function fetchObjectFeatures(objectId: string, version?: string, signal?: AbortSignal): Promise<ObjectFeatures> {
  return api().get<ObjectFeatures>(`/features/object/${encodeURIComponent(objectId)}`, { version }, signal);
}

/** URL of the image bytes, for `<img src>`. */
export function imageUrl(imageId: string): string {
  return api().url(`/images/${encodeURIComponent(imageId)}`);
}
