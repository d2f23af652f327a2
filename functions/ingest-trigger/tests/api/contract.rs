use crate::helpers::spawn_app;
use shared::testing::{check_function_contract, fixture};

#[tokio::test]
async fn ingest_trigger_honours_the_shared_function_contract() {
    let app = spawn_app().await;

    check_function_contract(ingest_trigger::router(app.state.clone()), &fixture("gcs-finalized.binary.valid.json"))
        .await;
}
