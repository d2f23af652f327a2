//! `projects/<project>/topics/<topic>`, checked against Pub/Sub's naming rules at the edge.

use crate::domain::string_newtype;
use crate::{Error, Result};

/// Checks `projects/P/topics/T`: the project an id (6–30 of `a-z0-9-`) or an emulator
/// project, the topic 3–255 of `A-Za-z0-9-_.~+%` starting with a letter and not `goog`.
fn check_topic(s: &str) -> Result<()> {
    let bad = |why: &str| Error::invalid(format!("{s:?} is not a Pub/Sub topic (projects/P/topics/T): {why}"));
    let rest = s.strip_prefix("projects/").ok_or_else(|| bad("must start with projects/"))?;
    let (project, topic) = rest.split_once("/topics/").ok_or_else(|| bad("missing /topics/"))?;
    let project_ok = !project.is_empty()
        && project.len() <= 30
        && project.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !project_ok {
        return Err(bad("project must be 1-30 of a-z, 0-9 and -"));
    }
    let topic_ok = (3..=255).contains(&topic.len())
        && topic.starts_with(|c: char| c.is_ascii_alphabetic())
        && !topic.starts_with("goog")
        && topic.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~+%".contains(&b));
    if !topic_ok {
        return Err(bad("topic must be 3-255 of A-Za-z0-9-_.~+%, start with a letter, not with goog"));
    }
    Ok(())
}

string_newtype!(
    /// A full Pub/Sub topic name.
    TopicName,
    check_topic
);

impl TopicName {
    /// The project id.
    pub fn project(&self) -> &str {
        self.0["projects/".len()..].split('/').next().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_topics_parse_and_name_their_project() {
        let t = TopicName::parse("projects/sightgraph-prod/topics/sightgraph-prod-features").unwrap();
        assert_eq!(t.project(), "sightgraph-prod");
        assert_eq!(t.to_string(), "projects/sightgraph-prod/topics/sightgraph-prod-features");
    }

    #[test]
    fn malformed_topics_are_rejected_with_the_rule_they_break() {
        let cases = [
            ("sightgraph-features", "projects/"),
            ("projects/p/subscriptions/s", "/topics/"),
            ("projects/Bad_Project/topics/abc", "project"),
            ("projects/p/topics/ab", "3-255"),
            ("projects/p/topics/1abc", "start with a letter"),
            ("projects/p/topics/goog-x", "goog"),
            ("projects/p/topics/a b c", "A-Za-z0-9"),
        ];
        for (text, rule) in cases {
            let err = TopicName::parse(text).expect_err(text).to_string();
            assert!(err.contains(rule), "{text}: {err}");
        }
    }
}
