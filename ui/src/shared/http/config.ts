//! Where the API lives: `?api=` query parameter, then `window.SIGHTGRAPH_API_BASE`, then
//! `VITE_API_BASE` baked in at build time, else the page's own origin.

export interface ApiBaseSources {
  /** `location.search` of the page, e.g. `?api=http://localhost:8080`. */
  search?: string;
  /** `window.SIGHTGRAPH_API_BASE`. */
  runtime?: string;
  /** `import.meta.env.VITE_API_BASE`. */
  buildTime?: string;
}

/** Picks the first non-empty source and strips trailing slashes; `''` means same origin. */
export function resolveApiBase(sources: ApiBaseSources): string {
  const fromQuery = new URLSearchParams(sources.search ?? '').get('api');
  const candidates = [fromQuery, sources.runtime, sources.buildTime];
  const base = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '') ?? '';
  return base.trim().replace(/\/+$/, '');
}

/** The API base of the running page. */
export function apiBaseFromPage(): string {
  if (typeof window === 'undefined') return import.meta.env.VITE_API_BASE ?? '';
  return resolveApiBase({
    search: window.location.search,
    runtime: window.SIGHTGRAPH_API_BASE,
    buildTime: import.meta.env.VITE_API_BASE,
  });
}
