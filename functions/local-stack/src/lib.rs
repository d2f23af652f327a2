//! Runs every function in one process with an in-memory broker for development.
