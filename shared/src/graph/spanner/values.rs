//! The Spanner value types the client crate lacks: `ARRAY<FLOAT32>` vectors and
//! nanosecond `TIMESTAMP`s, as statement parameters, mutation values and row columns.

use chrono::{DateTime, SecondsFormat, Utc};
use gcloud_googleapis::spanner::v1::struct_type::Field;
use gcloud_googleapis::spanner::v1::{Type, TypeAnnotationCode, TypeCode};
use gcloud_spanner::row::{Error as RowError, TryFromValue};
use gcloud_spanner::statement::ToKind;
use prost_types::value::Kind;
use prost_types::{ListValue, Value};

/// Dimension of the `Embedding` column (the embedder's); other vectors go to `OtherEmbedding`.
pub(super) const VECTOR_DIMENSIONS: usize = 1280;

fn scalar(code: TypeCode) -> Type {
    Type { code: code.into(), type_annotation: TypeAnnotationCode::Unspecified.into(), ..Default::default() }
}

/// An `ARRAY<FLOAT32>` value.
// NB: the client crate binds f64 only; an f32 widened to f64 and narrowed back is exact,
// so vectors read back bit for bit as written.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Vector(pub Vec<f32>);

impl ToKind for Vector {
    fn to_kind(&self) -> Kind {
        let values = self.0.iter().map(|x| Value { kind: Some(Kind::NumberValue(f64::from(*x))) }).collect();
        Kind::ListValue(ListValue { values })
    }

    fn get_type() -> Type {
        Type { array_element_type: Some(Box::new(scalar(TypeCode::Float32))), ..scalar(TypeCode::Array) }
    }
}

impl TryFromValue for Vector {
    fn try_from(value: &Value, field: &Field) -> Result<Self, RowError> {
        let bad = |what: &str| RowError::CustomParseError(format!("{}: {what}", field.name));
        match &value.kind {
            Some(Kind::ListValue(list)) => list
                .values
                .iter()
                .map(|v| match v.kind {
                    Some(Kind::NumberValue(x)) => Ok(x as f32),
                    _ => Err(bad("a vector element is not a number")),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Vector),
            _ => Err(bad("not an array")),
        }
    }
}

/// A `TIMESTAMP` value, kept to the nanosecond.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Timestamp(pub DateTime<Utc>);

impl ToKind for Timestamp {
    fn to_kind(&self) -> Kind {
        Kind::StringValue(self.0.to_rfc3339_opts(SecondsFormat::Nanos, true))
    }

    fn get_type() -> Type {
        scalar(TypeCode::Timestamp)
    }
}

impl TryFromValue for Timestamp {
    fn try_from(value: &Value, field: &Field) -> Result<Self, RowError> {
        match &value.kind {
            Some(Kind::StringValue(s)) => DateTime::parse_from_rfc3339(s)
                .map(|t| Timestamp(t.with_timezone(&Utc)))
                .map_err(|e| RowError::CustomParseError(format!("{}: {e}", field.name))),
            _ => Err(RowError::CustomParseError(format!("{}: not a timestamp", field.name))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> Field {
        Field { name: name.into(), r#type: Some(Vector::get_type()) }
    }

    #[test]
    fn vectors_survive_the_wire_format_bit_for_bit() {
        let v = Vector(vec![0.1, -0.333_333_34, f32::MIN_POSITIVE, 1e-38, 0.0]);
        let back = <Vector as TryFromValue>::try_from(&Value { kind: Some(v.to_kind()) }, &field("Embedding")).unwrap();
        let bits = |v: &Vector| v.0.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&v));
        assert_eq!(Vector::get_type().array_element_type.unwrap().code, i32::from(TypeCode::Float32));
    }

    #[test]
    fn timestamps_keep_their_nanoseconds() {
        let t = DateTime::parse_from_rfc3339("2026-11-30T10:11:12.123456789+00:00").unwrap().with_timezone(&Utc);
        let kind = Timestamp(t).to_kind();
        assert_eq!(kind, Kind::StringValue("2026-11-30T10:11:12.123456789Z".into()));
        let back = <Timestamp as TryFromValue>::try_from(&Value { kind: Some(kind) }, &field("At")).unwrap();
        assert_eq!(back.0, t);
    }
}
