//! Response encodings of lookups, negotiated per request: JSON with the
//! vector as floats (default) or as base64 of little-endian f32
//! (`?vector_encoding=f32le-base64`), or length-prefixed binary frames
//! (`Accept: application/octet-stream`, layout in [`frames`]). Every one is
//! built from a cached value's parts without parsing them.

pub mod frames;

use axum::http::header::ACCEPT;
use axum::http::HeaderMap;
use bytes::{BufMut, Bytes, BytesMut};
use shared::cache::{CachedObject, VectorForm};
use shared::domain::ModelVersion;
use shared::http::ApiError;

use crate::lookup::Source;

/// `?vector_encoding=` value for base64 vectors in JSON.
pub const F32LE_BASE64: &str = "f32le-base64";
/// `?vector_encoding=` value for float arrays (the default).
pub const FLOAT: &str = "float";
/// Media type of binary frames.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// How a lookup's answer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// JSON, vectors in the given form.
    Json(VectorForm),
    /// Binary frames: JSON without vectors, each followed by its raw vector.
    Frames,
}

impl Default for Encoding {
    fn default() -> Self {
        Self::Json(VectorForm::Floats)
    }
}

impl Encoding {
    /// From `?vector_encoding=` and the `Accept` header. Binary frames are chosen when the
    /// client accepts `application/octet-stream` and not JSON before it.
    pub fn negotiate(vector_encoding: Option<&str>, headers: &HeaderMap) -> Result<Self, ApiError> {
        let form = match vector_encoding {
            None | Some(FLOAT) => VectorForm::Floats,
            Some(F32LE_BASE64) => VectorForm::Base64,
            Some(other) => {
                return Err(ApiError::invalid(format!(
                    "vector_encoding must be {FLOAT} or {F32LE_BASE64}, got {other:?}"
                )))
            }
        };
        if wants_frames(headers) {
            if vector_encoding.is_some() {
                return Err(ApiError::invalid(format!(
                    "vector_encoding applies to JSON answers; {OCTET_STREAM} carries raw vectors"
                )));
            }
            return Ok(Self::Frames);
        }
        Ok(Self::Json(form))
    }

    /// The response's content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json(_) => "application/json",
            Self::Frames => OCTET_STREAM,
        }
    }
}

/// Whether the first acceptable media type the client names (in order) is binary.
fn wants_frames(headers: &HeaderMap) -> bool {
    for value in headers.get_all(ACCEPT) {
        let Ok(text) = value.to_str() else { continue };
        for range in text.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let refused = parts.any(|p| p.replace(' ', "").eq_ignore_ascii_case("q=0"));
            if refused {
                continue;
            }
            match media.as_str() {
                OCTET_STREAM => return true,
                "application/json" | "application/*" | "*/*" => return false,
                _ => {}
            }
        }
    }
    false
}

/// `{"source","model_version","object"}` as JSON, or one frame.
pub fn object_body(enc: Encoding, source: Source, version: &ModelVersion, o: &CachedObject) -> Bytes {
    let mut out = BytesMut::with_capacity(o.meta_json().len() + o.dim() * 16 + 128);
    match enc {
        Encoding::Json(form) => {
            envelope_head(&mut out, source, version);
            o.write_object(&mut out, form);
            out.put_u8(b'}');
        }
        Encoding::Frames => frames::write(&mut out, o.vector_le(), |json| {
            envelope_head(json, source, version);
            json.put_slice(o.meta_json());
            json.put_u8(b'}');
        }),
    }
    out.freeze()
}

fn envelope_head(out: &mut BytesMut, source: Source, version: &ModelVersion) {
    out.put_slice(b"{\"source\":\"");
    out.put_slice(source.as_str().as_bytes());
    // NB: ModelVersion's alphabet needs no JSON escaping.
    out.put_slice(b"\",\"model_version\":\"");
    out.put_slice(version.as_str().as_bytes());
    out.put_slice(b"\",\"object\":");
}

/// Writes a batch answer item by item, in the negotiated encoding.
pub struct BatchWriter {
    enc: Encoding,
    out: BytesMut,
    items: usize,
    embeddings: bool,
}

impl BatchWriter {
    /// Starts `{"model_version":…,"results":[` (JSON) or the header frame `{"model_version","count"}`.
    /// With `embeddings: false` objects go out without their vectors.
    pub fn new(enc: Encoding, version: Option<&ModelVersion>, count: usize, embeddings: bool) -> Self {
        let version_json = serde_json::to_string(&version).expect("serialises");
        let mut out = BytesMut::with_capacity(256 + count * 64);
        match enc {
            Encoding::Json(_) => {
                out.put_slice(b"{\"model_version\":");
                out.put_slice(version_json.as_bytes());
                out.put_slice(b",\"results\":[");
            }
            Encoding::Frames => frames::write(&mut out, &[], |json| {
                json.put_slice(format!("{{\"model_version\":{version_json},\"count\":{count}}}").as_bytes());
            }),
        }
        Self { enc, out, items: 0, embeddings }
    }

    fn separate(&mut self) {
        if self.items > 0 && matches!(self.enc, Encoding::Json(_)) {
            self.out.put_u8(b',');
        }
        self.items += 1;
    }

    /// `{"id","status":"ok","source","object"}`.
    pub fn found(&mut self, id_json: &str, source: Source, o: &CachedObject) {
        self.separate();
        let head = |json: &mut BytesMut| {
            json.put_slice(b"{\"id\":");
            json.put_slice(id_json.as_bytes());
            json.put_slice(b",\"status\":\"ok\",\"source\":\"");
            json.put_slice(source.as_str().as_bytes());
            json.put_slice(b"\",\"object\":");
        };
        match self.enc {
            Encoding::Json(form) => {
                head(&mut self.out);
                if self.embeddings {
                    o.write_object(&mut self.out, form);
                } else {
                    self.out.put_slice(o.meta_json());
                }
                self.out.put_u8(b'}');
            }
            Encoding::Frames => {
                frames::write(&mut self.out, if self.embeddings { o.vector_le() } else { &[] }, |json| {
                    head(json);
                    json.put_slice(o.meta_json());
                    json.put_u8(b'}');
                })
            }
        }
    }

    /// An item without an object (`not_found`, `invalid`, `unavailable`), already JSON.
    pub fn other(&mut self, item_json: &[u8]) {
        self.separate();
        match self.enc {
            Encoding::Json(_) => self.out.put_slice(item_json),
            Encoding::Frames => frames::write(&mut self.out, &[], |json| json.put_slice(item_json)),
        }
    }

    /// The whole body.
    pub fn finish(mut self) -> Bytes {
        if matches!(self.enc, Encoding::Json(_)) {
            self.out.put_slice(b"]}");
        }
        self.out.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, v.parse().unwrap());
        h
    }

    #[test]
    fn negotiation_follows_the_query_and_the_first_acceptable_media_type() {
        let cases: [(Option<&str>, &str, Option<Encoding>); 9] = [
            (None, "", Some(Encoding::Json(VectorForm::Floats))),
            (Some("float"), "", Some(Encoding::Json(VectorForm::Floats))),
            (Some("f32le-base64"), "application/json", Some(Encoding::Json(VectorForm::Base64))),
            (None, "application/octet-stream", Some(Encoding::Frames)),
            (None, "application/json, application/octet-stream", Some(Encoding::Json(VectorForm::Floats))),
            (None, "application/octet-stream;q=0, */*", Some(Encoding::Json(VectorForm::Floats))),
            (None, "text/html, application/octet-stream;q=0.9", Some(Encoding::Frames)),
            (Some("f16"), "", None),
            (Some("f32le-base64"), "application/octet-stream", None),
        ];
        for (query, accept_header, expected) in cases {
            let got = Encoding::negotiate(query, &accept(accept_header)).ok();
            assert_eq!(got, expected, "vector_encoding={query:?}, Accept: {accept_header}");
        }
    }
}
