"""GCS notification → Pub/Sub push → ingest-trigger → cv-processor → feature-ingestor, once."""
import base64
import json
from collections import Counter

from harness import E2E_BUCKET, ROOT, wait_for

PHOTO = ROOT / "fixtures/gcs/sightgraph-raw/photos/dog.jpg"
REFERENCE = ROOT / "fixtures/reference/detections.json"
# Debug builds on two shared cores: a cold cv-processor run takes a few seconds, rarely more.
PROCESSING_TIMEOUT = 180
# What ingest-trigger answers (200) for an object it has seen: the run exists, or the graph
# already holds these bytes for the active model version.
REPEAT_OUTCOMES = {"already_launched", "deduplicated"}


def expected_labels() -> Counter:
    ref = json.loads(REFERENCE.read_text())["images"][PHOTO.name]
    return Counter(d["label"] for d in ref["detections"])


def outcomes_of(stack, message_id: str) -> list[str]:
    return [outcome for mid, outcome in stack.handled() if mid == message_id]


def acknowledged(stack, message_id: str) -> list[str] | None:
    """The outcomes of a message's deliveries; `/pubsub/push` answers 200, which the emulator takes as an ack."""
    return outcomes_of(stack, message_id) or None


def test_an_uploaded_image_is_processed_once_and_a_duplicate_publish_changes_nothing(stack):
    # Arrange
    bucket, name = E2E_BUCKET, "photos/dog.jpg"
    stack.create_bucket(bucket)

    # Act: upload through fake-gcs's own API; it publishes OBJECT_FINALIZE, the push
    # subscription delivers it to ingest-trigger, which runs cv-processor.
    uploaded = stack.upload(bucket, name, PHOTO, "image/jpeg")
    (notice,) = wait_for("the OBJECT_FINALIZE notification", lambda: stack.pull(stack.audit), timeout=30)
    uri = f"gs://{bucket}/{name}#{uploaded['generation']}"
    wait_for(f"the graph to record the run of {uri}", lambda: stack.processed(uri), timeout=PROCESSING_TIMEOUT)
    # NB: the emulator redelivers anything but 200 about once a second, which is why
    # /pubsub/push answers a launch with 200 (real Pub/Sub also acks 202).
    first = wait_for("the notice to be acknowledged", lambda: acknowledged(stack, notice["messageId"]), timeout=30)

    # Assert: the notification is the GCS one, and the graph holds the image with real detections.
    attrs = notice["attributes"]
    assert (attrs["eventType"], attrs["bucketId"], attrs["objectId"]) == ("OBJECT_FINALIZE", bucket, name)
    assert json.loads(base64.b64decode(notice["data"]))["md5Hash"] == uploaded["md5Hash"]
    assert first[0] == "launched" and set(first[1:]) <= REPEAT_OUTCOMES, first
    (image,) = stack.graph("SELECT id, bucket, name, generation, md5_hash FROM images")
    assert image[1:] == (bucket, name, int(uploaded["generation"]), uploaded["md5Hash"])
    labels = Counter(label for (label,) in stack.graph("SELECT label FROM objects WHERE image_id = ?", image[0]))
    assert labels == expected_labels(), f"detections of {PHOTO.name}: {labels}"
    assert stack.graph("SELECT count(*) FROM features")[0][0] == sum(labels.values())
    before = stack.counts()
    assert before["runs"] == 1 and len(stack.job_runs()) == 1, (before, stack.job_runs())

    # Act: the same message published again (a duplicate notification, or a replay).
    duplicate = stack.publish(notice)
    again = wait_for("ingest-trigger to answer the duplicate", lambda: outcomes_of(stack, duplicate), timeout=30)

    # Assert: answered 200 at once, no second run, and the graph is unchanged.
    assert again == ["deduplicated"] or again == ["already_launched"], again
    assert [o for _, o in stack.handled()].count("launched") == 1, stack.handled()
    assert stack.outcomes().get("launched") == 1, stack.outcomes()
    assert len(stack.job_runs()) == 1, stack.job_runs()
    assert stack.counts() == before
