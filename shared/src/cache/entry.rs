//! The cached form of an object (format 2): the object's JSON without its
//! vector, then the vector as raw little-endian f32, in one value.
//!
//! ```text
//! b"SGo2" | u32 LE m | m bytes: Object JSON without "embedding" | u32 LE d | d × f32 LE
//! ```
//!
//! 1280-d objects take ~5.6 KB instead of ~16 KB of JSON float text. Every
//! response encoding is built from the two parts without parsing either:
//! the JSON part is copied, the vector is copied (binary), base64-encoded or
//! formatted as JSON floats ([`CachedObject::write_json`], byte-identical to
//! serde_json's output for the same object). The format is tagged twice: in
//! the key (`sg:v2:…`, see [`super::CacheKey`]) and by the magic bytes here, so
//! a value of another format is never misread (it reads as a miss).

use bytes::{BufMut, Bytes, BytesMut};

use super::CacheKey;
use crate::graph::ObjectFeatures;

/// First bytes of every format-2 value.
pub const MAGIC: &[u8; 4] = b"SGo2";

/// The cache entry of an object: its key and its format-2 value.
pub fn object_entry(o: &ObjectFeatures) -> (CacheKey, Bytes) {
    (CacheKey::object(&o.model_version, &o.id), encode(o))
}

/// Encodes an object as a format-2 value.
pub fn encode(o: &ObjectFeatures) -> Bytes {
    let meta = serde_json::to_vec(&ObjectMeta(o)).expect("ObjectFeatures always serialises");
    let mut out = BytesMut::with_capacity(12 + meta.len() + 4 * o.embedding.len());
    out.put_slice(MAGIC);
    out.put_u32_le(meta.len() as u32);
    out.put_slice(&meta);
    out.put_u32_le(o.embedding.len() as u32);
    for x in &o.embedding {
        out.put_f32_le(*x);
    }
    out.freeze()
}

/// Serialises an object as if its embedding were empty (so the field is left out), without cloning it.
struct ObjectMeta<'a>(&'a ObjectFeatures);

impl serde::Serialize for ObjectMeta<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let o = self.0;
        let mut st = s.serialize_struct("ObjectFeatures", 10)?;
        st.serialize_field("id", &o.id)?;
        st.serialize_field("image_id", &o.image_id)?;
        st.serialize_field("label", &o.label)?;
        st.serialize_field("category_id", &o.category_id)?;
        st.serialize_field("score", &o.score)?;
        st.serialize_field("box", &o.box_px)?;
        st.serialize_field("box_norm", &o.box_norm)?;
        st.serialize_field("color", &o.color)?;
        st.serialize_field("feature_id", &o.feature_id)?;
        st.serialize_field("model_version", &o.model_version)?;
        st.end()
    }
}

/// A format-2 value, checked once; its parts are slices of the value (no copy).
#[derive(Debug, Clone)]
pub struct CachedObject {
    value: Bytes,
    meta_end: usize,
}

impl CachedObject {
    /// Checks the layout; `None` for anything else (another format, a torn value).
    pub fn parse(value: Bytes) -> Option<Self> {
        let rest = value.strip_prefix(MAGIC)?;
        let m = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let meta = rest.get(4..4 + m)?;
        if meta.first() != Some(&b'{') || meta.last() != Some(&b'}') {
            return None;
        }
        let tail = rest.get(4 + m..)?;
        let d = u32::from_le_bytes(tail.get(..4)?.try_into().ok()?) as usize;
        if tail.len() - 4 != d.checked_mul(4)? {
            return None;
        }
        Some(Self { meta_end: MAGIC.len() + 4 + m, value })
    }

    /// The object's JSON without `embedding` (`{…}`).
    pub fn meta_json(&self) -> &[u8] {
        &self.value[MAGIC.len() + 4..self.meta_end]
    }

    /// The vector as little-endian f32 bytes.
    pub fn vector_le(&self) -> &[u8] {
        &self.value[self.meta_end + 4..]
    }

    /// Number of floats in the vector.
    pub fn dim(&self) -> usize {
        self.vector_le().len() / 4
    }

    /// The vector's values.
    pub fn floats(&self) -> impl ExactSizeIterator<Item = f32> + '_ {
        self.vector_le().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// The whole value as stored.
    pub fn as_bytes(&self) -> &Bytes {
        &self.value
    }

    /// Writes the object's JSON with `"embedding"` in `form` (the meta JSON is copied as is).
    pub fn write_object(&self, out: &mut BytesMut, form: VectorForm) {
        let meta = self.meta_json();
        if self.dim() == 0 {
            out.put_slice(meta);
            return;
        }
        out.put_slice(&meta[..meta.len() - 1]);
        out.put_slice(b",\"embedding\":");
        match form {
            VectorForm::Floats => self.write_float_array(out),
            VectorForm::Base64 => {
                out.put_u8(b'"');
                write_base64(out, self.vector_le());
                out.put_u8(b'"');
            }
        }
        out.put_u8(b'}');
    }

    /// The object's JSON exactly as `serde_json::to_vec(&object)` writes it.
    pub fn write_json(&self, out: &mut BytesMut) {
        self.write_object(out, VectorForm::Floats)
    }

    /// The vector as a JSON array, each float in its shortest round-trip form.
    pub fn write_float_array(&self, out: &mut BytesMut) {
        // NB: zmij is what serde_json formats floats with, so the text is byte-identical
        // to a serialised ObjectFeatures (~12 bytes per float; reserved up front).
        out.reserve(self.dim() * 16 + 2);
        out.put_u8(b'[');
        let mut buf = zmij::Buffer::new();
        for (i, x) in self.floats().enumerate() {
            if i > 0 {
                out.put_u8(b',');
            }
            if x.is_finite() {
                out.put_slice(buf.format_finite(x).as_bytes());
            } else {
                out.put_slice(b"null");
            }
        }
        out.put_u8(b']');
    }
}

/// How a vector is written inside JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorForm {
    /// A JSON array of numbers (the default).
    Floats,
    /// A string: standard base64 (with padding) of the little-endian f32 bytes.
    Base64,
}

/// Appends standard base64 of `bytes`.
pub fn write_base64(out: &mut BytesMut, bytes: &[u8]) {
    use base64::Engine;
    let start = out.len();
    let n = base64::encoded_len(bytes.len(), true).expect("vector sizes are far from overflow");
    out.resize(start + n, 0);
    let written = base64::engine::general_purpose::STANDARD
        .encode_slice(bytes, &mut out[start..])
        .expect("the slice has the encoded length");
    out.truncate(start + written);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ColorName, FeatureId, ImageId, Label, ModelVersion, ObjectId};
    use crate::schema::{BBox, ColorAttr};

    fn object(embedding: Vec<f32>) -> ObjectFeatures {
        let id = ObjectId::parse(&"ab".repeat(16)).unwrap();
        let version = ModelVersion::parse("det@1+emb@2").unwrap();
        ObjectFeatures {
            feature_id: FeatureId::derive(&id, &version),
            id,
            image_id: ImageId::of_bytes(b"img"),
            label: Label::parse("person").unwrap(),
            category_id: 1,
            score: 0.95,
            box_px: BBox { x_min: 1.5, y_min: 2.0, x_max: 30.25, y_max: 40.0 },
            box_norm: BBox { x_min: 0.1, y_min: 0.2, x_max: 0.3, y_max: 0.4 },
            color: ColorAttr { name: ColorName::Red, fraction: 0.5 },
            model_version: version,
            embedding,
        }
    }

    fn awkward_floats() -> Vec<f32> {
        vec![0.1, -0.0, 1e-39, f32::MIN_POSITIVE, f32::MAX, -3.4028235e38, 0.123_456_79, 1.0, 7e-10, -1e10]
    }

    #[test]
    fn the_float_json_is_byte_identical_to_serde_json() {
        for embedding in [awkward_floats(), vec![], (0..1280).map(|i| (i as f32 * 0.37).sin() / 35.0).collect()] {
            let o = object(embedding);
            let cached = CachedObject::parse(encode(&o)).expect("own format parses");
            let mut out = BytesMut::new();
            cached.write_json(&mut out);
            assert_eq!(
                std::str::from_utf8(&out).unwrap(),
                serde_json::to_string(&o).unwrap(),
                "dim {}",
                o.embedding.len()
            );
        }
    }

    #[test]
    fn the_vector_survives_bit_exactly_in_both_json_forms() {
        let o = object(awkward_floats());
        let cached = CachedObject::parse(encode(&o)).unwrap();
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&cached.floats().collect::<Vec<_>>()), bits(&o.embedding));

        let mut out = BytesMut::new();
        cached.write_object(&mut out, VectorForm::Base64);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD.decode(v["embedding"].as_str().unwrap()).unwrap();
        let decoded: Vec<f32> = raw.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
        assert_eq!(bits(&decoded), bits(&o.embedding));
        assert_eq!(v["label"], "person", "the rest of the object is unchanged");
    }

    #[test]
    fn a_1280_d_object_takes_under_6_kb() {
        let value = encode(&object(vec![0.01; 1280]));
        assert!(value.len() < 6 * 1024, "{} bytes", value.len());
        assert!(value.len() > 1280 * 4);
    }

    #[test]
    fn values_of_other_formats_and_torn_values_do_not_parse() {
        let good = encode(&object(vec![0.5; 4]));
        let json_v1 = Bytes::from(serde_json::to_vec(&object(vec![0.5; 4])).unwrap());
        let cases: Vec<(&str, Bytes)> = vec![
            ("format 1 (plain JSON)", json_v1),
            ("empty", Bytes::new()),
            ("truncated vector", good.slice(..good.len() - 1)),
            ("extra byte", Bytes::from([&good[..], b"x"].concat())),
            ("truncated header", good.slice(..6)),
            ("wrong magic", Bytes::from([b"SGo1", &good[4..]].concat())),
        ];
        for (what, value) in cases {
            assert!(CachedObject::parse(value).is_none(), "{what} must read as a miss");
        }
        assert!(CachedObject::parse(good).is_some());
    }
}
