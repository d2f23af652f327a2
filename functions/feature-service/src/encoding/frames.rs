//! Binary frames (`application/octet-stream`): the JSON answer without its
//! vectors, each JSON part followed by the raw vector that belongs to it.
//!
//! ```text
//! frame := u32 LE n | n bytes of UTF-8 JSON | u32 LE d | d × f32 LE
//! ```
//!
//! A single lookup is one frame (the usual envelope, `object` without
//! `embedding`; the vector is the object's). A batch is a header frame
//! `{"model_version","count"}` with d = 0, then `count` frames, one per id in
//! request order (the usual result item; d = 0 unless `status` is `ok`).
//! Readers take the vector zero-copy, e.g. `numpy.frombuffer(body, "<f4", d, offset)`.

use bytes::{BufMut, BytesMut};

/// Appends one frame: the JSON that `json` writes, then `vector_le` (little-endian f32 bytes).
pub fn write(out: &mut BytesMut, vector_le: &[u8], json: impl FnOnce(&mut BytesMut)) {
    let len_at = out.len();
    out.put_u32_le(0);
    json(out);
    let n = (out.len() - len_at - 4) as u32;
    out[len_at..len_at + 4].copy_from_slice(&n.to_le_bytes());
    out.put_u32_le((vector_le.len() / 4) as u32);
    out.put_slice(vector_le);
}

/// One decoded frame (tests and the benchmark client).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The JSON part.
    pub json: serde_json::Value,
    /// The vector.
    pub vector: Vec<f32>,
}

/// Splits a body into frames; `None` when it is not a well-formed sequence.
pub fn read_all(mut body: &[u8]) -> Option<Vec<Frame>> {
    let mut frames = Vec::new();
    while !body.is_empty() {
        let n = u32::from_le_bytes(body.get(..4)?.try_into().ok()?) as usize;
        let json = serde_json::from_slice(body.get(4..4 + n)?).ok()?;
        let rest = body.get(4 + n..)?;
        let d = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let raw = rest.get(4..4 + d.checked_mul(4)?)?;
        let vector = raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        frames.push(Frame { json, vector });
        body = &rest[4 + 4 * d..];
    }
    Some(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_written_back_to_back_read_back_in_order() {
        let mut out = BytesMut::new();
        write(&mut out, &[], |j| j.put_slice(br#"{"count":2}"#));
        let v: Vec<u8> = [1.5f32, -0.25].iter().flat_map(|x| x.to_le_bytes()).collect();
        write(&mut out, &v, |j| j.put_slice(br#"{"id":"a"}"#));
        let frames = read_all(&out).expect("well-formed");
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].json["count"], 2);
        assert!(frames[0].vector.is_empty());
        assert_eq!(frames[1].vector, vec![1.5, -0.25]);
        assert!(read_all(&out[..out.len() - 1]).is_none(), "a torn body is rejected");
    }
}
