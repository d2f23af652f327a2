//! `GET /similar/{object_id}` answer.
import type { DetectedObject } from '@/features/images/model/types';

export interface SimilarResult {
  /** Cosine similarity, best first. */
  score: number;
  /** Without `embedding`. */
  object: DetectedObject;
}

export interface SimilarResponse {
  object_id: string;
  model_version: string;
  results: SimilarResult[];
}
