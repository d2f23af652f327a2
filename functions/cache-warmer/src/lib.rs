//! Keeps the hot cache filled with the newest features on a periodic ping.
