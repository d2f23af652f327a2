"""Feast's own SDK reads Sightgraph's objects through the `remote` online store and
gets what `GET /features/object/{id}` returns."""
import json

from conftest import http

FEATURES = ["label", "category_id", "score", "color", "color_fraction", "box", "box_norm", "embedding",
            "image_id", "feature_id", "model_version"]
UNKNOWN = "0" * 32


def lookup(url: str, object_id: str) -> dict:
    status, body = http("GET", f"{url}/features/object/{object_id}")
    assert status == 200, body
    return json.loads(body)["object"]


def expected(o: dict) -> dict:
    """The Feast value of each feature of an object as the native API returns it."""
    b, n = o["box"], o["box_norm"]
    return {
        "label": o["label"], "category_id": o["category_id"], "score": o["score"], "color": o["color"]["name"],
        "color_fraction": o["color"]["fraction"], "box": [b["x_min"], b["y_min"], b["x_max"], b["y_max"]],
        "box_norm": [n["x_min"], n["y_min"], n["x_max"], n["y_max"]], "embedding": o["embedding"],
        "image_id": o["image_id"], "feature_id": o["feature_id"], "model_version": o["model_version"],
    }


def test_feature_references_read_through_feasts_sdk_match_the_native_lookup(sightgraph, store):
    url, doc = sightgraph
    ids = [o["id"] for o in doc["objects"]]
    assert len(ids) >= 2, "the fixture has several objects"

    got = store.get_online_features(
        features=[f"objects:{f}" for f in FEATURES],
        entity_rows=[{"object_id": i} for i in ids + [UNKNOWN]],
    ).to_dict()

    assert got["object_id"] == ids + [UNKNOWN]
    for row, object_id in enumerate(ids):
        want = expected(lookup(url, object_id))
        for f in FEATURES:
            assert got[f][row] == want[f], f"{object_id} {f}: Feast {got[f][row]!r:.80} vs API {want[f]!r:.80}"
        assert len(got["embedding"][row]) == len(doc["objects"][0]["embedding"])
    for f in FEATURES:
        assert got[f][-1] is None, f"an unknown id has no {f}"


def test_a_feature_service_and_full_feature_names_give_the_same_values(sightgraph, store):
    url, doc = sightgraph
    object_id = doc["objects"][0]["id"]

    got = store.get_online_features(
        features=store.get_feature_service("object_features"),
        entity_rows=[{"object_id": object_id}],
        full_feature_names=True,
    ).to_dict()

    want = expected(lookup(url, object_id))
    assert sorted(k for k in got if k != "object_id") == sorted(f"objects__{f}" for f in FEATURES)
    for f in FEATURES:
        assert got[f"objects__{f}"] == [want[f]], f


def test_the_wire_format_is_feasts_columnar_answer_with_statuses(sightgraph):
    url, doc = sightgraph
    object_id = doc["objects"][0]["id"]
    body = {"features": ["objects:label", "objects:score"], "entities": {"object_id": [object_id, UNKNOWN]}}

    status, raw = http("POST", f"{url}/get-online-features", json.dumps(body).encode(),
                       {"content-type": "application/json"})

    assert status == 200, raw
    answer = json.loads(raw)
    assert answer["metadata"]["feature_names"] == ["object_id", "label", "score"]
    entity, label, score = answer["results"]
    assert entity["values"] == [object_id, UNKNOWN] and entity["statuses"] == ["PRESENT", "PRESENT"]
    assert label["statuses"] == ["PRESENT", "NOT_FOUND"] and label["values"][1] is None
    assert score["values"][0] == lookup(url, object_id)["score"]
    assert all(len(c["event_timestamps"]) == 2 for c in answer["results"])


def test_unknown_views_features_and_services_are_refused_with_the_name(sightgraph):
    url, _ = sightgraph
    cases = [
        ({"features": ["cars:label"], "entities": {"object_id": [UNKNOWN]}}, 400, "cars"),
        ({"features": ["objects:speed"], "entities": {"object_id": [UNKNOWN]}}, 400, "speed"),
        ({"feature_service": "nope", "entities": {"object_id": [UNKNOWN]}}, 404, "nope"),
        ({"features": ["objects:label"], "entities": {"driver_id": [1]}}, 400, "driver_id"),
    ]
    for body, want_status, word in cases:
        status, raw = http("POST", f"{url}/get-online-features", json.dumps(body).encode(),
                           {"content-type": "application/json"})
        assert status == want_status and word in raw.decode(), (body, status, raw)
