//! Turns GCS object-finalized events into one cv-processor run per image.
