//! Writes extracted feature documents to the graph and the cache.
