//! `/images/{id}`: only locations the policy allows, never outside the local
//! bucket root, only bytes that are images, streamed with `nosniff`.

use shared::testing::sample_document;

use crate::helpers::{spawn_app, TestApp, VERSION};

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Writes a document whose image lives at `uri` straight to the graph, as an
/// older or forged document would have put it there.
async fn stored_at(app: &TestApp, bytes: &[u8], uri: &str) -> String {
    let doc = sample_document(bytes, uri, VERSION);
    app.graph.write_features(&Default::default(), &doc).await.unwrap();
    doc.image.id.to_string()
}

async fn get_image(app: &TestApp, id: &str) -> reqwest::Response {
    app.server.client.get(app.server.url(&format!("/images/{id}"))).send().await.unwrap()
}

#[tokio::test]
async fn a_served_image_is_streamed_with_its_length_and_nosniff() {
    let app = spawn_app().await;
    let png: Vec<u8> = PNG_MAGIC.iter().copied().chain((0..3_000_000u32).map(|i| i as u8)).collect();
    let doc = app.ingest(&png, "big.png", VERSION).await;

    let r = get_image(&app, doc.image.id.as_str()).await;

    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["content-length"], png.len().to_string().as_str());
    assert!(r.bytes().await.unwrap() == png, "the whole body, in order");
}

#[tokio::test]
async fn a_stored_location_in_a_bucket_outside_the_allow_list_is_not_read() {
    let app = spawn_app().await;
    let png = [PNG_MAGIC, b"other bucket"].concat();
    std::fs::create_dir_all(app.bucket.path().join("other")).unwrap();
    std::fs::write(app.bucket.path().join("other/x.png"), &png).unwrap();
    let id = stored_at(&app, &png, "gs://other/x.png#1").await;

    let r = get_image(&app, &id).await;

    assert_eq!(r.status(), 404);
    let body = r.text().await.unwrap();
    assert!(body.contains("not in ALLOWED_BUCKETS"), "{body}");
}

#[tokio::test]
async fn a_stored_local_path_outside_the_bucket_root_is_not_read() {
    let app = spawn_app().await;
    let elsewhere = tempfile::tempdir().unwrap();
    let secret = elsewhere.path().join("secret.png");
    std::fs::write(&secret, [PNG_MAGIC, b"private"].concat()).unwrap();

    for uri in [format!("file://{}", secret.display()), "/etc/passwd".to_owned()] {
        let id = stored_at(&app, uri.as_bytes(), &uri).await;

        let r = get_image(&app, &id).await;

        assert_eq!(r.status(), 404, "{uri}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("private") && !body.contains("root:"), "{uri} leaked: {body}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn a_symlink_in_a_bucket_pointing_out_of_the_root_is_not_followed() {
    let app = spawn_app().await;
    let elsewhere = tempfile::tempdir().unwrap();
    let secret = elsewhere.path().join("secret.png");
    std::fs::write(&secret, [PNG_MAGIC, b"private"].concat()).unwrap();
    std::fs::create_dir_all(app.bucket.path().join("raw")).unwrap();
    std::os::unix::fs::symlink(&secret, app.bucket.path().join("raw/link.png")).unwrap();
    let id = stored_at(&app, b"link", "gs://raw/link.png#1").await;

    let r = get_image(&app, &id).await;

    assert_eq!(r.status(), 404);
    let body = r.text().await.unwrap();
    assert!(body.contains("outside the local bucket root"), "{body}");
}

#[tokio::test]
async fn bytes_that_are_not_an_image_are_not_served_whatever_type_was_recorded() {
    let app = spawn_app().await;
    let html = b"<html><script>alert(document.cookie)</script></html>";
    let doc = app.ingest(html, "page.jpg", VERSION).await;

    let r = get_image(&app, doc.image.id.as_str()).await;

    assert_eq!(r.status(), 404, "the recorded image/jpeg must not vouch for HTML");
    let body = r.text().await.unwrap();
    assert!(body.contains("not an image type that is served") && !body.contains("<script>"), "{body}");
}
