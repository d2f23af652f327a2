//! The OpenAPI document describes exactly the routes the router serves.

use feature_service::{OPENAPI_JSON, ROUTES};

use serde_json::json;

use crate::helpers::{spawn_app, TOKEN, VERSION};

#[tokio::test]
async fn the_document_is_served_and_lists_exactly_the_routes() {
    let app = spawn_app().await;
    let (status, doc) = app.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc, serde_json::from_str::<serde_json::Value>(OPENAPI_JSON).unwrap());
    assert_eq!(doc["openapi"], "3.1.0");

    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    let mut expected: Vec<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    documented.sort();
    expected.sort();
    assert_eq!(documented, expected);
}

#[tokio::test]
async fn every_listed_route_is_served_and_answers_only_a_status_it_documents() {
    let app = spawn_app().await;
    let doc: serde_json::Value = serde_json::from_str(OPENAPI_JSON).unwrap();
    for (method, path) in ROUTES {
        let concrete = path.replace("{id}", &"a".repeat(32)).replace("{feature_set}", "default");
        let req = match method {
            "get" => app.server.client.get(app.server.url(&concrete)),
            _ => app.server.client.post(app.server.url(&concrete)).json(&serde_json::json!({})),
        };
        let status = req.send().await.unwrap().status().as_u16();
        assert!(status != 405 && !(status == 404 && concrete.ends_with("openapi.json")), "{method} {path} → {status}");
        assert!(status < 500, "{method} {path} → {status}");
        let documented = doc["paths"][path][method]["responses"].as_object().unwrap();
        assert!(documented.contains_key(&status.to_string()), "{method} {path} → {status}, documented: {documented:?}");
    }
}

#[tokio::test]
async fn every_listed_route_answers_its_documented_success_status_to_a_valid_request() {
    // Arrange: one image under each of two versions, the first active, so every lookup,
    // switch and comparison has something to act on.
    const NEXT: &str = "det@2+emb@1";
    let app = spawn_app().await;
    let png = b"\x89PNG\r\n\x1a\nopenapi";
    let doc = app.ingest(png, "openapi.png", VERSION).await;
    app.ingest(png, "openapi.png", NEXT).await;
    let (status, _) = app.post("/versions/default/activate", json!({"version": VERSION}), Some(TOKEN)).await;
    assert_eq!(status, 200, "the first version is activated");
    let (object, image) = (doc.objects[0].id.as_str(), doc.image.id.as_str());
    let spec: serde_json::Value = serde_json::from_str(OPENAPI_JSON).unwrap();

    for (method, path) in ROUTES {
        // NB: creating a backfill needs the Kubernetes launcher (LAUNCHER=kubernetes); its
        // 201 is asserted against a mocked API in backfill's launcher tests, not here.
        if (method, path) == ("post", "/backfills") {
            continue;
        }
        let (uri, body, token) = match (method, path) {
            ("get", "/features/object/{id}") => (format!("/features/object/{object}"), None, None),
            ("get", "/features/image") => (format!("/features/image?id={image}"), None, None),
            ("post", "/features/batch") => ("/features/batch".into(), Some(json!({"ids": [object]})), None),
            ("post", "/query/pattern") => {
                let near =
                    json!({"subject": {"label": "person"}, "relation": {"type": "NEAR"}, "object": {"label": "car"}});
                ("/query/pattern".into(), Some(near), None)
            }
            ("get", "/graph/node/{id}") => (format!("/graph/node/{image}"), None, None),
            ("get", "/graph/neighbourhood/{id}") => (format!("/graph/neighbourhood/{image}?depth=1"), None, None),
            ("get", "/similar/{id}") => (format!("/similar/{object}?k=1"), None, None),
            ("post", "/similar") => {
                ("/similar".into(), Some(json!({"vector": doc.objects[0].embedding, "k": 1})), None)
            }
            ("post", "/get-online-features") => {
                let body = json!({"features": ["objects:label"], "entities": {"object_id": [object]}});
                ("/get-online-features".into(), Some(body), None)
            }
            ("get", "/images/{id}") => (format!("/images/{image}"), None, None),
            ("get", "/versions") => ("/versions".into(), None, None),
            ("post", "/versions/{feature_set}/activate") => {
                ("/versions/default/activate".into(), Some(json!({"version": NEXT})), Some(TOKEN))
            }
            ("post", "/versions/{feature_set}/rollback") => {
                ("/versions/default/rollback".into(), Some(json!({})), Some(TOKEN))
            }
            ("get", "/backfills") => ("/backfills?feature_set=default".into(), None, Some(TOKEN)),
            ("post", "/backfills/compare") => {
                ("/backfills/compare".into(), Some(json!({"from": VERSION, "to": NEXT})), Some(TOKEN))
            }
            ("get", "/openapi.json") => ("/openapi.json".into(), None, None),
            other => panic!("{other:?} is listed but this test has no valid request for it: add one"),
        };
        let mut request = match body {
            Some(body) => app.server.client.post(app.server.url(&uri)).json(&body),
            None => app.server.client.get(app.server.url(&uri)),
        };
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }

        let response = request.send().await.unwrap();

        let status = response.status().as_u16();
        let responses = spec["paths"][path][method]["responses"].as_object().unwrap();
        let success = responses.keys().filter(|s| s.starts_with('2')).min().expect("a documented success status");
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status.to_string(), *success, "{method} {path} ({uri}) must answer {success}: {text}");
    }
}
