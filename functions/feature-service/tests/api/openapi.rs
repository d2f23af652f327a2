//! The OpenAPI document describes exactly the routes the router serves.

use feature_service::{OPENAPI_JSON, ROUTES};

use crate::helpers::spawn_app;

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
