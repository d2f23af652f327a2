"""GCS notification → Pub/Sub push → ingest-trigger → cv-processor → feature-ingestor, once."""
import base64
import json
from collections import Counter

from conftest import ROOT, wait_for

PHOTO = ROOT / "fixtures/gcs/sightgraph-raw/photos/dog.jpg"
REFERENCE = ROOT / "fixtures/reference/detections.json"
# Debug builds on two shared cores: a cold cv-processor run takes a few seconds, rarely more.
PROCESSING_TIMEOUT = 180


def expected_labels() -> Counter:
    ref = json.loads(REFERENCE.read_text())["images"][PHOTO.name]
    return Counter(d["label"] for d in ref["detections"])


def answered(stack, events: int) -> dict | None:
    """ingest-trigger's outcomes once it has answered `events` events."""
    outcomes = stack.outcomes()
    return outcomes if sum(outcomes.values()) >= events else None


def test_an_uploaded_image_is_processed_once_and_a_duplicate_publish_changes_nothing(stack):
    # Arrange
    bucket, name = "e2e-raw-images", "photos/dog.jpg"
    stack.create_bucket(bucket)
    audit = f"e2e-audit-{stack.topic.rsplit('-', 1)[1]}"

    # Act: upload through fake-gcs's own API; it publishes OBJECT_FINALIZE, the push
    # subscription delivers it to ingest-trigger, which runs cv-processor.
    uploaded = stack.upload(bucket, name, PHOTO, "image/jpeg")
    (notice,) = wait_for("the OBJECT_FINALIZE notification", lambda: stack.pull(audit), timeout=30)
    wait_for("ingest-trigger to launch a run", lambda: stack.outcomes().get("launched"), timeout=30)
    uri = f"gs://{bucket}/{name}#{uploaded['generation']}"
    wait_for(f"the graph to record the run of {uri}", lambda: stack.processed(uri), timeout=PROCESSING_TIMEOUT)

    # Assert: the notification is the GCS one, and the graph holds the image with real detections.
    attrs = notice["attributes"]
    assert (attrs["eventType"], attrs["bucketId"], attrs["objectId"]) == ("OBJECT_FINALIZE", bucket, name)
    assert json.loads(base64.b64decode(notice["data"]))["md5Hash"] == uploaded["md5Hash"]
    (image,) = stack.graph("SELECT id, bucket, name, generation, md5_hash FROM images")
    assert image[1:] == (bucket, name, int(uploaded["generation"]), uploaded["md5Hash"])
    labels = Counter(label for (label,) in stack.graph("SELECT label FROM objects WHERE image_id = ?", image[0]))
    assert labels == expected_labels(), f"detections of {PHOTO.name}: {labels}"
    assert stack.graph("SELECT count(*) FROM features")[0][0] == sum(labels.values())
    before = stack.counts()
    assert before["runs"] == 1 and len(stack.job_runs()) == 1, (before, stack.job_runs())

    # Act: the same message published again (a redelivery, or a duplicate notification).
    stack.publish(notice)
    wait_for("the duplicate on the audit subscription", lambda: stack.pull(audit), timeout=30)
    outcomes = wait_for("ingest-trigger to answer the duplicate", lambda: answered(stack, 2), timeout=30)

    # Assert: no second run, and the graph is unchanged.
    assert outcomes.get("launched") == 1, outcomes
    assert outcomes.get("already_launched", 0) + outcomes.get("deduplicated", 0) == 1, outcomes
    assert len(stack.job_runs()) == 1, stack.job_runs()
    assert stack.counts() == before
