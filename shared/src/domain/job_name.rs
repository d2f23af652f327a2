//! Kubernetes Job names derived from the event identity, so a redelivered
//! event maps to the same Job and a second create is a no-op.

use sha2::{Digest, Sha256};

use crate::{Error, Result};

fn check_dns_label(s: &str) -> Result<()> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if !ok {
        return Err(Error::invalid(format!("job name {s:?} is not a DNS-1123 label")));
    }
    Ok(())
}

string_newtype!(
    /// A DNS-1123 label (at most 63 characters: lowercase alphanumerics and `-`).
    JobName,
    check_dns_label
);

impl JobName {
    /// `cv-<readable part of the object name>-<hash of bucket, name and generation>`.
    pub fn for_object(bucket: &str, name: &str, generation: Option<i64>) -> Self {
        let mut h = Sha256::new();
        h.update(bucket.as_bytes());
        h.update(b"\0");
        h.update(name.as_bytes());
        h.update(b"\0");
        h.update(generation.unwrap_or(0).to_le_bytes());
        let digest = hex::encode(&h.finalize()[..8]);
        let stem = name.rsplit('/').next().unwrap_or(name);
        let mut readable: String = stem
            .chars()
            .map(|c| c.to_ascii_lowercase())
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        readable.truncate(63 - 3 - 1 - digest.len());
        let readable = readable.trim_matches('-');
        let name = if readable.is_empty() { format!("cv-{digest}") } else { format!("cv-{readable}-{digest}") };
        let collapsed = name.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
        Self(collapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_names_are_valid_dns_labels_for_awkward_object_names() {
        let long = "Ünïcode Name_With.Dots/".repeat(10) + "IMG 0001.JPG";
        for name in ["photos/dog.jpg", "---", long.as_str(), "a/b/c/"] {
            let job = JobName::for_object("bucket", name, Some(7));
            assert!(JobName::parse(job.as_str()).is_ok(), "{name:?} gave {job}");
        }
    }

    #[test]
    fn the_same_event_identity_gives_the_same_name_and_a_new_generation_another() {
        let a = JobName::for_object("b", "photos/dog.jpg", Some(1));
        assert_eq!(a, JobName::for_object("b", "photos/dog.jpg", Some(1)));
        assert_ne!(a, JobName::for_object("b", "photos/dog.jpg", Some(2)));
        assert!(a.as_str().starts_with("cv-dog-jpg-"), "{a}");
    }
}
