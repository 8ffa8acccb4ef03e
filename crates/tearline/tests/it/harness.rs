//! A temporary database driven through the real binary, a running server, an HTTP client.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_tearline");
pub const TAXII: &str = "application/taxii+json;version=2.1";

/// The binary with a clean environment (no settings leak in from the caller's).
pub fn tearline() -> Command {
    let mut cmd = Command::new(BIN);
    for var in ["TEARLINE_CONFIG", "TEARLINE_DATABASE", "TEARLINE_LISTEN", "TEARLINE_TLS_CERT", "TEARLINE_TLS_KEY", "TEARLINE_LOG_JSON"] {
        cmd.env_remove(var);
    }
    cmd.env("TEARLINE_LOG", "info").env("NO_COLOR", "1").stdin(Stdio::null());
    cmd
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Out {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    fn from(o: Output) -> Out {
        Out { status: o.status, stdout: String::from_utf8_lossy(&o.stdout).into_owned(), stderr: String::from_utf8_lossy(&o.stderr).into_owned() }
    }

    /// The last line of stdout, which must be alone on it (no surrounding spaces).
    pub fn last_line(&self) -> &str {
        let line = self.stdout.lines().last().unwrap_or_else(|| panic!("nothing on stdout; stderr: {}", self.stderr));
        assert_eq!(line, line.trim(), "the last line holds the value alone");
        assert!(self.stdout.ends_with('\n'), "stdout ends with a newline");
        line
    }
}

/// A temporary SQLite database.
pub struct Db {
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl Db {
    pub fn new() -> Db {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("tearline.db").display());
        Db { dir, url }
    }

    /// `tearline --database URL` (and, for a database that is not an SQLite file, a key file in
    /// this test's directory: the default would be the working directory).
    pub fn command(&self) -> Command {
        let mut cmd = tearline();
        cmd.arg("--database").arg(&self.url);
        if !self.url.starts_with("sqlite") {
            cmd.arg("--key-file").arg(self.dir.path().join("tearline.key"));
        }
        cmd
    }

    /// Runs a command against this database.
    pub fn run(&self, args: &[&str]) -> Out {
        let out = self.command().args(args).output().expect("run tearline");
        Out::from(out)
    }

    /// Runs a command that must succeed.
    pub fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert!(out.status.success(), "tearline {args:?} failed ({}):\n{}", out.status, out.stderr);
        out
    }

    /// Runs a command that must fail: non-zero, a message on stderr, nothing on stdout.
    pub fn fails(&self, args: &[&str], stderr_mentions: &str) -> Out {
        let out = self.run(args);
        assert!(!out.status.success(), "tearline {args:?} succeeded but should fail:\n{}", out.stdout);
        assert!(out.stderr.contains(stderr_mentions), "tearline {args:?}: stderr does not mention {stderr_mentions:?}:\n{}", out.stderr);
        assert!(out.stdout.trim().is_empty(), "tearline {args:?}: a failure printed to stdout:\n{}", out.stdout);
        out
    }

    /// Creates an account; returns its secret.
    pub fn account(&self, name: &str, role: &str) -> String {
        self.ok(&["account", "add", name, "--role", role]).last_line().to_owned()
    }

    /// Creates a collection in API root `default`; returns its id.
    pub fn collection(&self, title: &str, read: &str, write: &str) -> String {
        let mut args = vec!["collection", "add", "--title", title];
        if !read.is_empty() {
            args.extend(["--read", read]);
        }
        if !write.is_empty() {
            args.extend(["--write", write]);
        }
        self.ok(&args).last_line().to_owned()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("tearline {args:?} printed no JSON ({e}):\n{}", out.stdout))
    }
}

/// A running `tearline serve`.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT` or `https://...`.
    pub base: String,
    pub log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `tearline serve --listen 127.0.0.1:0` on the database and waits until it listens.
    pub fn start(db: &Db) -> Server {
        Server::start_with(db, &["--listen", "127.0.0.1:0"]).expect("server starts")
    }

    /// Starts `tearline serve` with these arguments; returns the log if it exits instead.
    pub fn start_with(db: &Db, args: &[&str]) -> Result<Server, (Option<ExitStatus>, String)> {
        let mut child = db
            .command()
            .arg("serve")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn tearline serve");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel::<String>();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&format!("{line}\n"));
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    if let Some(rest) = line.split("listening on ").nth(1) {
                        let base = rest.split("/taxii2/").next().unwrap().trim().to_owned();
                        return Ok(Server { child: Some(child), base, log });
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = child.wait().ok();
                    return Err((status, log.lock().unwrap().clone()));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        std::thread::sleep(Duration::from_millis(200));
                        return Err((Some(status), log.lock().unwrap().clone()));
                    }
                    if Instant::now() > deadline {
                        let _ = child.kill();
                        return Err((None, log.lock().unwrap().clone()));
                    }
                }
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// SIGKILL (what `Child::kill` sends on Unix), then reap.
    pub fn kill(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let ok = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().expect("run kill");
        assert!(ok.success(), "kill -TERM failed");
    }

    /// Waits for the process to exit (at most `limit`).
    pub fn wait(mut self, limit: Duration) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("server did not exit within {limit:?}; log:\n{}", self.log.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// --- HTTP ---

pub fn basic(name: &str, secret: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{name}:{secret}")))
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// A response: status and body text.
pub type Resp = (u16, String);

fn finish(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<Resp, ureq::Error> {
    let mut resp = r?;
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_string()?;
    Ok((status, body))
}

pub fn get(agent: &ureq::Agent, url: &str, auth: &str) -> Result<Resp, ureq::Error> {
    finish(agent.get(url).header("Accept", TAXII).header("Authorization", auth).call())
}

pub fn post(agent: &ureq::Agent, url: &str, auth: &str, body: &str) -> Result<Resp, ureq::Error> {
    finish(agent.post(url).header("Accept", TAXII).header("Content-Type", TAXII).header("Authorization", auth).send(body))
}

/// Every version of every object of a collection, walking all pages.
pub fn all_objects(agent: &ureq::Agent, server: &Server, coll: &str, auth: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut url = server.url(&format!("/taxii2/default/collections/{coll}/objects/?match[version]=all&limit=500"));
        if let Some(n) = &next {
            url.push_str(&format!("&next={n}"));
        }
        let (status, body) = get(agent, &url, auth).expect("GET objects");
        assert_eq!(status, 200, "{body}");
        let page: Value = serde_json::from_str(&body).expect("envelope");
        out.extend(page["objects"].as_array().cloned().unwrap_or_default());
        match page.get("next").and_then(Value::as_str) {
            Some(n) => next = Some(n.to_owned()),
            None => return out,
        }
    }
}

// --- STIX ---

pub const CREATED: &str = "2024-01-01T00:00:00.000Z";

/// An indicator whose id is derived from `key` and whose version is `v` seconds after CREATED.
pub fn indicator(key: &str, v: u32) -> Value {
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, key.as_bytes());
    // A v4-shaped UUID (STIX 2.1 recommends v4 for SDOs).
    let mut bytes = *id.as_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let id = uuid::Uuid::from_bytes(bytes);
    json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{id}"),
        "created": CREATED, "modified": format!("2024-01-01T{:02}:{:02}:{:02}.000Z", v / 3600, (v / 60) % 60, v % 60),
        "name": format!("{key} v{v}"), "pattern": "[domain-name:value = 'example.com']", "pattern_type": "stix",
        "valid_from": CREATED, "x_tearline_test": {"key": key, "v": v, "text": "ünïcødé ✓"},
    })
}

pub fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

pub fn write_file(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write file");
    p
}
