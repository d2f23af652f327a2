// Runtime settings, loaded before the app. This default sets nothing, so the API base comes
// from ?api=, VITE_API_BASE or the page's origin (src/shared/http/config.ts). The container
// image replaces it at start with one setting window.SIGHTGRAPH_API_BASE (docker/ui/).
