//! The servers a scenario owns: Redis and Neo4j instances of its own, started,
//! stopped, killed and frozen through `scripts/services/`, and the function
//! binaries run as child processes on free loopback ports.

use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The folder holding the workspace's binaries of the profile this program was built with.
pub fn bin_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("executable has a folder")?;
    // NB: test binaries live one level down, in target/<profile>/deps.
    let dir = if dir.ends_with("deps") { dir.parent().context("target folder")? } else { dir };
    Ok(dir.to_path_buf())
}

/// A workspace binary of this profile; fails with the command that builds it.
pub fn binary(name: &str) -> Result<PathBuf> {
    let path = bin_dir()?.join(name);
    if !path.exists() {
        bail!(
            "{} is missing: build it (`cargo build --workspace --bins`, with --release for the suite)",
            path.display()
        );
    }
    Ok(path)
}

/// A required variable (the test services' `services.env`, `scripts/models/env.sh`).
pub fn var(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| {
        format!("{name} is not set: run `scripts/services/all.sh up`, load $SIGHTGRAPH_RUN/services.env and scripts/models/env.sh (or `just reliability`)")
    })
}

fn run_dir() -> PathBuf {
    match std::env::var("SIGHTGRAPH_RUN") {
        Ok(run) => PathBuf::from(run),
        Err(_) => {
            let cache = std::env::var("SIGHTGRAPH_CACHE")
                .unwrap_or_else(|_| format!("{}/.cache/sightgraph", std::env::var("HOME").unwrap_or_default()));
            PathBuf::from(cache).join("run")
        }
    }
}

/// A Redis or Neo4j of this scenario's own (`redis.sh`/`neo4j.sh` NAME), stopped when dropped.
pub struct Service {
    script: &'static str,
    name: String,
    vars: HashMap<String, String>,
}

fn script(script: &str, cmd: &str, name: &str) -> Result<HashMap<String, String>> {
    let path = repo_root().join("scripts/services").join(script);
    let out = Command::new(&path).args([cmd, name]).output().with_context(|| format!("running {}", path.display()))?;
    if !out.status.success() {
        bail!("{script} {cmd} {name} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect())
}

impl Service {
    /// Starts (or finds running) `script NAME`.
    pub fn start(script_name: &'static str, name: &str) -> Result<Self> {
        let vars = script(script_name, "start", name)?;
        Ok(Self { script: script_name, name: name.to_owned(), vars })
    }

    /// A variable the script printed (`REDIS_URL`, `NEO4J_URI`, …).
    pub fn get(&self, key: &str) -> Result<String> {
        self.vars.get(key).cloned().with_context(|| format!("{} printed no {key}", self.script))
    }

    /// Graceful stop.
    pub fn stop(&self) -> Result<()> {
        script(self.script, "stop", &self.name).map(|_| ())
    }

    /// Starts again on the same port(s).
    pub fn start_again(&self) -> Result<()> {
        script(self.script, "start", &self.name).map(|_| ())
    }

    /// The server's process id.
    pub fn pid(&self) -> Result<u32> {
        let kind = self.script.trim_end_matches(".sh");
        let file = run_dir().join(format!("{kind}-{}", self.name)).join(format!("{kind}.pid"));
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        Ok(text.trim().parse()?)
    }

    /// Sends a signal (`KILL`, `STOP`, `CONT`) to the server process.
    pub fn signal(&self, sig: &str) -> Result<()> {
        let pid = self.pid()?;
        let ok = Command::new("kill").args([format!("-{sig}"), pid.to_string()]).status()?.success();
        if !ok {
            bail!("kill -{sig} {pid} failed");
        }
        Ok(())
    }

    /// Kills the server with SIGKILL (a crash) and waits until its port is closed.
    pub fn kill(&self, port: u16) -> Result<()> {
        self.signal("KILL")?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            if Instant::now() > deadline {
                bail!("port {port} still open 10 s after SIGKILL");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.signal("CONT");
        let _ = script(self.script, "stop", &self.name);
    }
}

/// A free TCP port on loopback.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A function binary running as a child process; killed when dropped.
pub struct Function {
    child: Child,
    /// Where it listens.
    pub port: u16,
    /// Its combined output.
    pub log: PathBuf,
}

impl Function {
    /// Runs `bin` with only `env` (plus PATH/HOME) on a free port and waits for `/healthz`.
    pub async fn spawn(bin: &str, env: &[(&str, String)], log_dir: &Path) -> Result<Self> {
        let port = free_port()?;
        let log = log_dir.join(format!("{bin}-{port}.log"));
        let out = std::fs::File::create(&log)?;
        let mut cmd = Command::new(binary(bin)?);
        // NB: a clean environment: services.env carries REDIS_CLUSTER_URLS, which would win over REDIS_URL.
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", std::env::var("HOME").unwrap_or_default())
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("RUST_LOG", std::env::var("RELIABILITY_RUST_LOG").unwrap_or_else(|_| "warn".into()))
            // NB: the documents' bucket (docs.rs); the scenarios post CloudEvents, never Pub/Sub
            // pushes, so there is no push token to verify (as in development).
            .env("ALLOWED_BUCKETS", "sightgraph-reliability")
            .env("PUSH_AUTH_DISABLED", "true")
            .stdout(Stdio::from(out.try_clone()?))
            .stderr(Stdio::from(out))
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().with_context(|| format!("starting {bin}"))?;
        let mut f = Self { child, port, log };
        f.wait_healthy(Duration::from_secs(60)).await?;
        Ok(f)
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    async fn wait_healthy(&mut self, within: Duration) -> Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait()? {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                bail!("the function exited ({status}) before answering /healthz:\n{log}");
            }
            if client.get(self.url("/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("no answer on /healthz within {within:?}; see {}", self.log.display());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
