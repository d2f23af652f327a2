//! GCS-style "object finalized" events for files in a local bucket folder.

use base64::Engine;
use cloudevents::{Event, EventBuilder, EventBuilderV10};
use md5::Digest;
use serde_json::json;
use std::path::Path;

/// A binary-mode-equivalent finalize event for `<root>/<bucket>/<name>`,
/// with the real size and `md5Hash`; the generation is the file's mtime in
/// microseconds, as a new upload would change it.
pub fn finalize_event(root: &Path, bucket: &str, name: &str) -> std::io::Result<Event> {
    let path = root.join(bucket).join(name);
    let bytes = std::fs::read(&path)?;
    let meta = std::fs::metadata(&path)?;
    let generation =
        meta.modified()?.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or_default();
    let md5 = base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(&bytes));
    let content_type = match name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        _ => "application/octet-stream",
    };
    let data = json!({
        "bucket": bucket, "name": name, "generation": generation.to_string(), "metageneration": "1",
        "contentType": content_type, "size": bytes.len().to_string(), "md5Hash": md5,
        "id": format!("{bucket}/{name}/{generation}"), "storageClass": "STANDARD",
    });
    EventBuilderV10::new()
        .id(format!("{bucket}/{name}/{generation}"))
        .ty(shared::events::GCS_FINALIZED)
        .source(format!("//storage.googleapis.com/projects/_/buckets/{bucket}"))
        .subject(format!("objects/{name}"))
        .time(chrono::Utc::now())
        .data("application/json", data)
        .build()
        .map_err(|e| std::io::Error::other(e.to_string()))
}
