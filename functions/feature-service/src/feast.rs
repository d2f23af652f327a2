//! Sightgraph's objects as one Feast feature view, `objects`, keyed by the
//! entity `object_id`, and the columnar answer Feast's feature server gives
//! (`metadata.feature_names`, then one `{values, statuses, event_timestamps}`
//! per name, the entity column first).

use bytes::{BufMut, Bytes, BytesMut};
use shared::cache::CachedObject;
use shared::graph::ObjectFeatures;

/// The feature view's name.
pub const VIEW: &str = "objects";
/// The entity's join key.
pub const ENTITY: &str = "object_id";
/// Every feature of the view, in the order a feature service lists them.
pub const FEATURES: [&str; 11] = [
    "label",
    "category_id",
    "score",
    "color",
    "color_fraction",
    "box",
    "box_norm",
    "embedding",
    "image_id",
    "feature_id",
    "model_version",
];
/// Feature services: name and features.
pub const SERVICES: [(&str, &[&str]); 2] = [
    ("object_features", &FEATURES),
    (
        "object_attributes",
        &["label", "category_id", "score", "color", "color_fraction", "box", "box_norm", "image_id", "model_version"],
    ),
];

// NB: the hot tier keeps no event time per object, so every timestamp is the Unix epoch
// (what Feast's own server reports for entity columns); the SDK does not read them here.
const EPOCH: &str = "\"1970-01-01T00:00:00Z\"";

/// One entity row's lookup result.
pub enum Row {
    /// Found: the parsed object (without vector) and its cached value (for the vector).
    Present(Box<ObjectFeatures>, CachedObject),
    /// Unknown or malformed id.
    NotFound,
}

impl Row {
    /// Parses the object part of a cached value (a few hundred bytes).
    pub fn present(o: CachedObject) -> Option<Self> {
        let parsed: ObjectFeatures = serde_json::from_slice(o.meta_json()).ok()?;
        Some(Self::Present(Box::new(parsed), o))
    }
}

/// Writes one feature's JSON value of an object.
fn write_value(out: &mut BytesMut, feature: &str, o: &ObjectFeatures, cached: &CachedObject) {
    let mut w = out.writer();
    let r = match feature {
        "label" => serde_json::to_writer(&mut w, &o.label),
        "category_id" => serde_json::to_writer(&mut w, &o.category_id),
        "score" => serde_json::to_writer(&mut w, &o.score),
        "color" => serde_json::to_writer(&mut w, &o.color.name),
        "color_fraction" => serde_json::to_writer(&mut w, &o.color.fraction),
        "box" => serde_json::to_writer(&mut w, &o.box_px.as_array()),
        "box_norm" => serde_json::to_writer(&mut w, &o.box_norm.as_array()),
        "image_id" => serde_json::to_writer(&mut w, &o.image_id),
        "feature_id" => serde_json::to_writer(&mut w, &o.feature_id),
        "model_version" => serde_json::to_writer(&mut w, &o.model_version),
        "embedding" => {
            cached.write_float_array(w.get_mut());
            Ok(())
        }
        _ => unreachable!("feature names are checked against FEATURES before rendering"),
    };
    r.expect("plain values serialise");
}

/// The whole answer. `features` are checked names of [`FEATURES`]; `ids` are the entity
/// values as given (JSON strings), one per row.
pub fn render(features: &[&str], full_names: bool, view_metadata: bool, ids: &[String], rows: &[Row]) -> Bytes {
    let mut out = BytesMut::with_capacity(256 + rows.len() * (features.len() * 48 + 16 * 1280));
    out.put_slice(b"{\"metadata\":{\"feature_names\":[\"");
    out.put_slice(ENTITY.as_bytes());
    out.put_u8(b'"');
    for f in features {
        out.put_slice(if full_names { format!(",\"{VIEW}__{f}\"") } else { format!(",\"{f}\"") }.as_bytes());
    }
    out.put_u8(b']');
    if view_metadata {
        out.put_slice(format!(",\"feature_view_metadata\":[{{\"name\":\"{VIEW}\"}}]").as_bytes());
    }
    out.put_slice(b"},\"results\":[");
    column(&mut out, rows.len(), |out, i| {
        serde_json::to_writer(out.writer(), &ids[i]).expect("strings serialise");
        true
    });
    for f in features {
        out.put_u8(b',');
        column(&mut out, rows.len(), |out, i| match &rows[i] {
            Row::Present(o, cached) => {
                write_value(out, f, o, cached);
                true
            }
            Row::NotFound => {
                out.put_slice(b"null");
                false
            }
        });
    }
    out.put_slice(b"]}");
    out.freeze()
}

/// `{"values":[…],"statuses":[…],"event_timestamps":[…]}`; `value` writes row i's value and
/// says whether it is present.
fn column(out: &mut BytesMut, n: usize, mut value: impl FnMut(&mut BytesMut, usize) -> bool) {
    out.put_slice(b"{\"values\":[");
    let mut present = Vec::with_capacity(n);
    for i in 0..n {
        if i > 0 {
            out.put_u8(b',');
        }
        present.push(value(out, i));
    }
    out.put_slice(b"],\"statuses\":[");
    for (i, p) in present.iter().enumerate() {
        if i > 0 {
            out.put_u8(b',');
        }
        out.put_slice(if *p { b"\"PRESENT\"" as &[u8] } else { b"\"NOT_FOUND\"" });
    }
    out.put_slice(b"],\"event_timestamps\":[");
    for i in 0..n {
        if i > 0 {
            out.put_u8(b',');
        }
        out.put_slice(EPOCH.as_bytes());
    }
    out.put_slice(b"]}");
}
