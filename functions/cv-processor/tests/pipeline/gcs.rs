//! Reading through `object_store` from a local fake-gcs-server preloaded with `fixtures/gcs`.

use cv_processor::{Error, Processor};
use std::process::Command;

use crate::helpers::{config, process, root};

/// A fake-gcs-server started with `scripts/services/fake-gcs.sh`, its run folder (pid, port,
/// log) in a temporary directory of its own; stopped and removed on drop.
struct FakeGcs {
    run_dir: tempfile::TempDir,
    url: String,
}

impl FakeGcs {
    fn script(&self) -> Command {
        let mut command = Command::new(root().join("scripts/services/fake-gcs.sh"));
        command.env("SIGHTGRAPH_RUN", self.run_dir.path());
        command
    }

    fn start() -> Self {
        let mut gcs = Self { run_dir: tempfile::tempdir().unwrap(), url: String::new() };
        let script = root().join("scripts/services/fake-gcs.sh");
        let out = gcs
            .script()
            .args(["start", "cv-processor-test"])
            .env("FAKE_GCS_DATA", root().join("fixtures/gcs"))
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let url = stdout.lines().find_map(|l| l.strip_prefix("FAKE_GCS_URL=")).map(str::to_owned);
        let url = url.unwrap_or_else(|| {
            panic!("fake-gcs did not start ({}): {}{stdout}", out.status, String::from_utf8_lossy(&out.stderr))
        });
        gcs.url = url;
        gcs
    }
}

impl Drop for FakeGcs {
    fn drop(&mut self) {
        let _ = self.script().args(["stop", "cv-processor-test"]).status();
    }
}

#[tokio::test]
async fn an_object_read_from_fake_gcs_gives_the_same_detections_as_the_local_file() {
    let gcs = FakeGcs::start();
    let mut settings = config();
    settings.storage.gcs_base_url = Some(gcs.url.clone());
    let processor = Processor::new(settings).unwrap();

    let remote = processor.process("gs://sightgraph-raw/photos/dog.jpg").await.unwrap();
    let local = process("dog.jpg").await;

    assert_eq!(remote.image.id, local.image.id);
    assert_eq!(remote.image.bucket.as_deref(), Some("sightgraph-raw"));
    assert_eq!(remote.image.name, "photos/dog.jpg");
    let generation = remote.image.generation.expect("fake-gcs reports the generation it served");
    assert_eq!(remote.image.uri, format!("gs://sightgraph-raw/photos/dog.jpg#{generation}"));
    let summary = |d: &shared::schema::FeatureDocument| {
        d.objects.iter().map(|o| (o.id.clone(), o.label.clone(), o.score)).collect::<Vec<_>>()
    };
    assert_eq!(summary(&remote), summary(&local));

    let pinned = processor.process(&remote.image.uri).await.unwrap();
    assert_eq!(pinned.image.generation, Some(generation), "the pinned generation is read");
    let gone = processor.process(&format!("gs://sightgraph-raw/photos/dog.jpg#{}", generation + 1)).await.unwrap_err();
    assert!(matches!(gone, Error::BadInput { .. }), "another generation does not exist: {gone}");
    let missing = processor.process("gs://sightgraph-raw/photos/missing.jpg").await.unwrap_err();
    assert!(missing.to_string().contains("not found"), "{missing}");
}
