//! Reading image objects through `object_store`: GCS in production (or a GCS
//! emulator), a local folder standing in for buckets in development
//! (`<root>/<bucket>/<name>`, never outside the root), or a plain file where the caller allows it.

mod local;
mod reader;

pub use local::LocalFiles;
pub use reader::{Fetched, ObjectReader, Opened, StorageConfig};

/// MIME type from magic bytes; `application/octet-stream` for anything that is not a known image.
pub fn sniff_content_type(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        [b'B', b'M', ..] => "image/bmp",
        [b'I', b'I', 0x2A, 0x00, ..] | [b'M', b'M', 0x00, 0x2A, ..] => "image/tiff",
        _ => "application/octet-stream",
    }
}
