/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** API base URL baked in at build time; empty means same origin. */
  readonly VITE_API_BASE?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}

interface Window {
  /** Runtime override of the API base URL, e.g. set by a `<script>` the server injects. */
  SIGHTGRAPH_API_BASE?: string;
}
