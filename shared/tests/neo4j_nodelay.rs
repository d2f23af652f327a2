//! neo4rs's connections to Neo4j have TCP_NODELAY set (the one change in `vendor/neo4rs`).
//!
//! Without it, a Bolt message over neo4rs's 8 KiB write buffer leaves in three writes, and Nagle's
//! algorithm holds the later ones until Neo4j's delayed ACK, about 40 ms: every `POST /similar`
//! and every per-object statement with a vector paid that. The stall only shows as time, so this
//! test checks its cause instead: it copies this process's own sockets (`pidfd_getfd`, no unsafe
//! code) and reads the option on each one connected to Neo4j's Bolt port.

use neo4rs::{query, Graph};
use rustix::net::sockopt::tcp_nodelay;
use rustix::process::{getpid, pidfd_getfd, pidfd_open, PidfdFlags, PidfdGetfdFlags};
use std::net::SocketAddr;

/// The Bolt port of a `bolt://host:port` or `neo4j://host:port` URI.
fn bolt_port(uri: &str) -> u16 {
    let port = uri.rsplit(':').next().unwrap_or_default().trim_end_matches('/');
    port.parse().unwrap_or_else(|_| panic!("NEO4J_URI {uri} names no port"))
}

/// TCP_NODELAY of each of this process's sockets whose peer is `port`.
fn nodelay_of_sockets_to(port: u16) -> Vec<bool> {
    let me = pidfd_open(getpid(), PidfdFlags::empty()).expect("pidfd_open of this process");
    let fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    fds.into_iter()
        .filter_map(|fd| {
            // NB: a copy of the descriptor; one closed since the listing (the listing's own) fails here.
            let copy = pidfd_getfd(&me, fd, PidfdGetfdFlags::empty()).ok()?;
            let peer = SocketAddr::try_from(rustix::net::getpeername(&copy).ok()??).ok()?;
            (peer.port() == port).then(|| tcp_nodelay(&copy).expect("TCP_NODELAY of a TCP socket"))
        })
        .collect()
}

#[tokio::test]
async fn every_connection_neo4rs_opens_to_neo4j_has_nagle_off() {
    let Ok(uri) = std::env::var("NEO4J_URI") else {
        if std::env::var("SIGHTGRAPH_SKIP_NEO4J").as_deref() == Ok("1") {
            eprintln!("note: SIGHTGRAPH_SKIP_NEO4J=1, skipping the TCP_NODELAY test");
            return;
        }
        panic!("NEO4J_URI is not set: start the test services (`scripts/services/all.sh up`) or run `just test`");
    };
    let user = std::env::var("NEO4J_USER").unwrap_or_else(|_| "neo4j".into());
    let password = std::env::var("NEO4J_PASSWORD").expect("NEO4J_PASSWORD must be set with NEO4J_URI");
    let graph = Graph::new(&uri, &user, &password).await.expect("connect to Neo4j");
    // NB: two queries at once, so the pool holds (at least) two connections while they are inspected.
    let (a, b) = tokio::join!(graph.run(query("RETURN 1")), graph.run(query("RETURN 2")));
    a.and(b).expect("queries");

    let found = nodelay_of_sockets_to(bolt_port(&uri));
    assert!(!found.is_empty(), "no socket of this process is connected to Neo4j's port");
    assert!(found.iter().all(|&on| on), "TCP_NODELAY per connection to Neo4j: {found:?}");
}
