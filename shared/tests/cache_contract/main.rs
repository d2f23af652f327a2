//! One contract for every `FeatureCache`: each `check_*` in `checks.rs` runs against the
//! in-process cache, a Redis node and a 3-master Redis Cluster, and the near cache in front
//! of either (what feature-service serves from) (the test services':
//! `scripts/services/all.sh up`, then load `services.env`, or `just test`). Behaviour only
//! one backend has (SETEX TTLs, slots spread over masters, memory per entry, a stopped or
//! silent server) is in `cache_redis.rs`.

#[macro_use]
mod backends;
mod checks;
