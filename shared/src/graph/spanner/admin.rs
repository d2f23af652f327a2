//! The database admin API: schema changes (long-running operations) and, for tests and
//! local runs on the emulator, creating databases.

use gcloud_gax::conn::Environment;
use gcloud_gax::retry::RetrySetting;
use gcloud_googleapis::spanner::admin::database::v1::{CreateDatabaseRequest, UpdateDatabaseDdlRequest};
use gcloud_spanner::admin::client::Client as AdminClient;
use gcloud_spanner::admin::AdminClientConfig;
use std::time::Duration;

use super::client::map_status;
use super::{DatabaseName, Endpoint, BACKEND};
use crate::{Error, Result};

/// An admin client for one database.
pub(super) struct Admin {
    client: AdminClient,
    database: DatabaseName,
}

pub(super) async fn environment(endpoint: &Endpoint, admin: bool) -> Result<Environment> {
    match endpoint {
        Endpoint::Emulator(host) => Ok(Environment::Emulator(host.clone())),
        Endpoint::Cloud => cloud_environment(admin).await,
    }
}

/// Application Default Credentials: on GKE, Workload Identity's metadata server.
async fn cloud_environment(admin: bool) -> Result<Environment> {
    let auth = |e: gcloud_spanner::client::google_cloud_auth::error::Error| {
        Error::unavailable(BACKEND, e).context("no Google credentials (Workload Identity / ADC)")
    };
    // NB: the two configs ask for different OAuth scopes; each brings its token source.
    // `with_auth` only replaces a GoogleCloud environment, so that is what it is given.
    let unauthenticated = || Environment::GoogleCloud(Box::new(token_source::NoopTokenSourceProvider {}));
    if admin {
        let config = AdminClientConfig { environment: unauthenticated(), ..Default::default() };
        Ok(config.with_auth().await.map_err(auth)?.environment)
    } else {
        let config = gcloud_spanner::client::ClientConfig { environment: unauthenticated(), ..Default::default() };
        Ok(config.with_auth().await.map_err(auth)?.environment)
    }
}

async fn admin_client(endpoint: &Endpoint) -> Result<AdminClient> {
    let config = AdminClientConfig { environment: environment(endpoint, true).await?, ..AdminClientConfig::default() };
    AdminClient::new(config).await.map_err(|e| Error::unavailable(BACKEND, e).context("admin API"))
}

impl Admin {
    pub(super) async fn connect(endpoint: &Endpoint, database: &DatabaseName) -> Result<Self> {
        Ok(Self { client: admin_client(endpoint).await?, database: database.clone() })
    }

    /// Applies `statements` in order as one schema change and waits for it. Index builds
    /// over existing rows can take long (`long`: up to an hour of polling).
    pub(super) async fn update_ddl(&self, statements: Vec<String>, long: bool) -> Result<()> {
        let req =
            UpdateDatabaseDdlRequest { database: self.database.as_str().to_owned(), statements, ..Default::default() };
        let mut op = self.client.database().update_database_ddl(req, None).await.map_err(|s| map_status(&s))?;
        op.wait(Some(polling(long))).await.map_err(|s| map_status(&s))?;
        Ok(())
    }
}

/// How long an operation is polled: about 2 minutes, or an hour when `long`.
fn polling(long: bool) -> RetrySetting {
    RetrySetting {
        from_millis: 50,
        max_delay: Some(Duration::from_secs(if long { 10 } else { 1 })),
        factor: 1,
        take: if long { 400 } else { 150 },
        codes: vec![gcloud_gax::grpc::Code::DeadlineExceeded],
    }
}

/// Creates an empty database `id` under `instance` (`projects/P/instances/I`) and returns
/// its name. For tests and local runs on the emulator; production databases come from
/// Terraform (`terraform/spanner.tf`).
pub async fn create_database(endpoint: &Endpoint, instance: &str, id: &str) -> Result<DatabaseName> {
    let name = DatabaseName::parse(&format!("{instance}/databases/{id}"))?;
    let client = admin_client(endpoint).await?;
    let req = CreateDatabaseRequest {
        parent: instance.to_owned(),
        create_statement: format!("CREATE DATABASE `{id}`"),
        ..Default::default()
    };
    let mut op = client.database().create_database(req, None).await.map_err(|s| map_status(&s))?;
    op.wait(Some(polling(false))).await.map_err(|s| map_status(&s))?;
    Ok(name)
}

/// Creates a database named `<prefix>-<16 random hex>` under `instance`: one per test or
/// local run, so runs sharing an emulator never see each other's data.
pub async fn create_scratch_database(endpoint: &Endpoint, instance: &str, prefix: &str) -> Result<DatabaseName> {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    create_database(endpoint, instance, &format!("{prefix}-{}", &tag[..16])).await
}
