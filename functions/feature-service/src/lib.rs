//! Serves feature lookups (cache-aside) and graph exploration.
