//! `rediss://` as in the cluster (Memorystore with `SERVER_AUTHENTICATION`): a
//! redis-server started here with TLS only, its certificate signed by a CA made
//! in the test; `RedisCache` trusts exactly the CA it is given (`REDIS_CA_CERTS`).
//! Skips with a message only where no `redis-server` is installed.

use bytes::Bytes;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use shared::cache::redis::{RedisCache, RedisTarget};
use shared::cache::{CacheKey, FeatureCache};
use shared::domain::{ModelVersion, ObjectId};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(3);

/// A CA and a server certificate for 127.0.0.1 it signed, as PEM.
struct Pki {
    ca: String,
    cert: String,
    key: String,
}

fn ca() -> (String, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, "sightgraph test CA");
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), Issuer::new(params, key))
}

fn pki() -> Pki {
    let (ca, issuer) = ca();
    let params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    Pki { ca, cert: cert.pem(), key: key.serialize_pem() }
}

/// A TLS-only redis-server on 127.0.0.1, stopped on drop.
struct TlsRedis {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn redis_server() -> Option<&'static str> {
    let found = Command::new("redis-server").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("SKIPPED: redis-server is not installed (scripts/services/redis.sh installs Debian's)");
    }
    found.then_some("redis-server")
}

fn start(pki: &Pki) -> Option<TlsRedis> {
    let bin = redis_server()?;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, pem: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, pem).unwrap();
        path.display().to_string()
    };
    let (cert, key, ca) = (write("server.pem", &pki.cert), write("server.key", &pki.key), write("ca.pem", &pki.ca));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let args = [
        ("--port", "0"), // TLS only, as Memorystore with transit encryption
        ("--bind", "127.0.0.1"),
        ("--tls-port", &port.to_string()),
        ("--tls-cert-file", &cert),
        ("--tls-key-file", &key),
        ("--tls-ca-cert-file", &ca),
        ("--tls-auth-clients", "no"),
        ("--save", ""),
        ("--appendonly", "no"),
        ("--dir", &dir.path().display().to_string()),
    ];
    let mut command = Command::new(bin);
    for (flag, value) in args {
        command.arg(flag).arg(value);
    }
    let child = command.stdout(Stdio::null()).stderr(Stdio::inherit()).spawn().expect("start redis-server");
    let server = TlsRedis { child, port, _dir: dir };
    wait_for_port(port, Path::new(bin));
    Some(server)
}

fn wait_for_port(port: u16, bin: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{} did not listen on {port} within 10 s", bin.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn cache(port: u16, ca: Option<&str>) -> RedisCache {
    RedisCache::new(RedisTarget::Single(format!("rediss://127.0.0.1:{port}")), None, TIMEOUT)
        .with_ca(ca.map(|pem| pem.as_bytes().to_vec()))
}

fn key() -> CacheKey {
    let id = format!("{:032x}", shared::testing::random_u64());
    CacheKey::object(&ModelVersion::parse("tls@1").unwrap(), &ObjectId::parse(&id).unwrap())
}

#[tokio::test]
async fn a_cache_trusting_the_servers_ca_round_trips_over_tls() {
    let pki = pki();
    let Some(server) = start(&pki) else { return };
    let cache = cache(server.port, Some(&pki.ca));
    let (k, v) = (key(), Bytes::from_static(b"{\"over\":\"tls\"}"));

    cache.put_many(&[(k.clone(), v.clone())], Duration::from_secs(60)).await.expect("write over TLS");

    assert_eq!(cache.get(&k).await.expect("read over TLS"), Some(v));
}

#[tokio::test]
async fn a_cache_trusting_another_ca_is_refused_by_the_handshake() {
    let pki = pki();
    let Some(server) = start(&pki) else { return };
    let (other_ca, _) = ca();

    let err = cache(server.port, Some(&other_ca)).get(&key()).await.expect_err("an unknown CA must not be trusted");

    assert!(err.is_transient(), "an unreachable cache is `unavailable`, so lookups fall back: {err}");
}

#[tokio::test]
async fn without_the_ca_the_system_roots_do_not_trust_a_private_server() {
    let pki = pki();
    let Some(server) = start(&pki) else { return };

    let result = cache(server.port, None).get(&key()).await;

    assert!(result.is_err(), "the public roots must not accept a private CA's certificate: {result:?}");
}
