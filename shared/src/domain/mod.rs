//! Domain newtypes: every identifier is parsed once at the edge and carried typed.

#[macro_use]
mod newtype;

mod ids;
mod job_name;
mod labels;
mod location_policy;
mod object_uri;
mod version;

pub use ids::{FeatureId, ImageId, NodeId, ObjectId};
pub use job_name::JobName;
pub use labels::{ColorName, Label};
pub use location_policy::{BucketAllowList, LocationPolicy};
pub(crate) use newtype::string_newtype;
pub use object_uri::ObjectUri;
pub use version::{FeatureSetName, ModelVersion};
