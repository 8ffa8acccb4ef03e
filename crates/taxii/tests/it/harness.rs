//! The fixture, the request builder and `check`, the one helper every HTTP test goes through.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use base64::Engine;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tearline_store::{NewCollection, Role, Store, secret};
use tearline_store_sqlite::SqliteStore;
use tearline_store_postgres::PgStore;
use tearline_taxii::{AppState, ServerConfig, router};
use tower::ServiceExt;

pub const TAXII: &str = "application/taxii+json;version=2.1";
pub const STIX: &str = "application/stix+json;version=2.1";

/// The accounts of the fixture: (name, role).
pub const ACCOUNTS: &[(&str, Role)] = &[
    ("alice", Role::Analyst),   // reads and writes Alpha, reads Bravo, reads and writes Charlie (root `second`)
    ("bob", Role::Analyst),     // reads Alpha only
    ("wo", Role::Analyst),      // writes Alpha only
    ("eve", Role::Analyst),     // no grants at all
    ("admin", Role::Admin),     // reads and writes Private only
    ("auditor", Role::Auditor), // reads Bravo only
    ("rob", Role::ReleaseOfficer), // reads Alpha only (approves releases drafted from it)
];

/// A temporary database with the accounts above, four collections and a router over it.
pub struct Fx {
    pub _db: TestDb,
    pub store: Arc<dyn Store>,
    pub app: Router,
    /// The producer's policy as egress decides with it for partner members.
    pub decision: Option<Arc<tearline_policy::Policy>>,
    /// Egress decisions stored in the background and kept in memory.
    pub admissions: Arc<tearline_taxii::admissions::Admissions>,
    secrets: HashMap<&'static str, String>,
    /// `default` root: alice rw, bob r, wo w.
    pub alpha: String,
    /// `default` root: alice r, auditor r.
    pub bravo: String,
    /// `default` root: admin rw (alice cannot see it).
    pub private: String,
    /// `second` root: alice rw.
    pub charlie: String,
    /// Holds the release signing key.
    pub _keys: tempfile::TempDir,
}

pub async fn fixture() -> Fx {
    fixture_with(ServerConfig::default()).await
}

/// Where a fixture's data lives, removed when the fixture is dropped.
pub enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    /// A schema of its own in the PostgreSQL database named by `TEARLINE_TEST_DATABASE_URL`.
    Postgres { url: String, schema: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { url, schema } = self {
            // Best effort: psql is where PostgreSQL is.
            let _ = std::process::Command::new("psql")
                .args(["-q", url.as_str(), "-c", &format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")])
                .output();
        }
    }
}

/// A fresh, empty store: on PostgreSQL when `TEARLINE_TEST_DATABASE_URL` is set (and then an
/// unreachable database fails the test loudly), else a temporary SQLite file.
pub async fn fresh_store() -> (TestDb, Arc<dyn Store>) {
    match std::env::var("TEARLINE_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let schema = format!("taxii_it_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
            let store = PgStore::connect_schema(&url, &schema)
                .await
                .unwrap_or_else(|e| panic!("TEARLINE_TEST_DATABASE_URL is set but PostgreSQL is unusable: {e}"));
            (TestDb::Postgres { url, schema }, Arc::new(store))
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let store = SqliteStore::open(dir.path().join("tearline.db")).expect("open store");
            (TestDb::Sqlite(dir), Arc::new(store))
        }
    }
}

pub async fn fixture_with(config: ServerConfig) -> Fx {
    let (db, store) = fresh_store().await;
    let mut secrets = HashMap::new();
    for (name, role) in ACCOUNTS {
        let s = secret::generate();
        store.add_account(name, *role, secret::hash(&s)).await.expect("add account");
        secrets.insert(*name, s);
    }
    let coll = |root: &str, title: &str, readers: &[&str], writers: &[&str]| NewCollection {
        api_root: root.into(),
        title: title.into(),
        description: Some(format!("the {title} collection")),
        alias: None,
        readers: readers.iter().map(|s| s.to_string()).collect(),
        writers: writers.iter().map(|s| s.to_string()).collect(),
    };
    let alpha = store.add_collection(coll("default", "Alpha", &["alice", "bob", "rob"], &["alice", "wo"])).await.unwrap().id;
    let bravo = store.add_collection(coll("default", "Bravo", &["alice", "auditor"], &[])).await.unwrap().id;
    let private = store.add_collection(coll("default", "Private", &["admin"], &["admin"])).await.unwrap().id;
    let mut c = coll("second", "Charlie", &["alice"], &["alice"]);
    c.alias = Some("charlie".into());
    c.description = None;
    let charlie = store.add_collection(c).await.unwrap().id;
    let keys = tempfile::tempdir().expect("temp dir");
    let org = tearline_service::releases::Organisation { name: "Producer Service".into(), identity: None, country: Some("USA".into()) };
    let releaser = tearline_service::releases::Releaser::new(org, Default::default(), keys.path().join("tearline.key")).expect("releaser");
    let state = AppState::new(store.clone(), config).with_releaser(releaser);
    let (decision, admissions) = (state.decision.clone(), state.admissions.clone());
    let app = router(state);
    Fx { _db: db, store, app, decision, admissions, secrets, alpha, bravo, private, charlie, _keys: keys }
}

impl Fx {
    pub fn secret(&self, account: &str) -> &str {
        &self.secrets[account]
    }

    /// Replaces a secret the fixture knows (after a rotation through the store).
    pub fn set_secret(&mut self, account: &'static str, secret: String) {
        self.secrets.insert(account, secret);
    }

    pub async fn send(&self, req: Req) -> Resp {
        let mut builder = Request::builder().method(req.method.clone()).uri(&req.path);
        match &req.auth {
            Auth::Anonymous => {}
            Auth::As(name) => builder = builder.header(header::AUTHORIZATION, basic(name, self.secret(name))),
            Auth::Header(v) => builder = builder.header(header::AUTHORIZATION, v),
        }
        for (k, v) in &req.headers {
            builder = builder.header(*k, v);
        }
        let request = builder.body(Body::from(req.body.clone())).expect("request");
        let resp = self.app.clone().oneshot(request).await.expect("router is infallible");
        let (parts, body) = resp.into_parts();
        let egressed = parts.extensions.get::<tearline_taxii::egress::Egressed>().is_some();
        let decided = parts.extensions.get::<tearline_taxii::egress::Decided>().copied();
        let body = body.collect().await.expect("body").to_bytes().to_vec();
        Resp { status: parts.status, headers: parts.headers, body, egressed, decided }
    }

    /// Alice POSTs these objects to a collection; returns the status resource.
    pub async fn post(&self, coll: &str, objects: &[Value]) -> Value {
        let req = Req::post(&objects_url("default", coll), &envelope(objects)).by("alice");
        check(self, req, 202).await.json()
    }

    /// Every manifest record of a collection (as alice), in date_added order.
    pub async fn manifest(&self, coll: &str, query: &str) -> Vec<Value> {
        let resp = check(self, Req::get(&format!("{}manifest/?{query}", coll_url("default", coll))).by("alice"), 200).await;
        resp.json()["objects"].as_array().cloned().unwrap_or_default()
    }
}

pub fn basic(name: &str, secret: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{name}:{secret}")))
}

#[derive(Clone, Debug)]
pub enum Auth {
    Anonymous,
    /// HTTP Basic with the fixture account's current secret.
    As(&'static str),
    /// A literal Authorization header.
    Header(String),
}

/// A request; by default anonymous, accepting TAXII 2.1.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: Method,
    pub path: String,
    pub auth: Auth,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn new(method: Method, path: &str) -> Req {
        Req { method, path: path.into(), auth: Auth::Anonymous, headers: vec![("accept", TAXII.into())], body: Vec::new() }
    }

    pub fn get(path: &str) -> Req {
        Req::new(Method::GET, path)
    }

    pub fn delete(path: &str) -> Req {
        Req::new(Method::DELETE, path)
    }

    /// A POST of this JSON as a TAXII 2.1 envelope.
    pub fn post(path: &str, body: &Value) -> Req {
        Req::new(Method::POST, path).header("content-type", TAXII).body(body.to_string().into_bytes())
    }

    pub fn by(mut self, account: &'static str) -> Req {
        self.auth = Auth::As(account);
        self
    }

    pub fn auth(mut self, value: impl Into<String>) -> Req {
        self.auth = Auth::Header(value.into());
        self
    }

    /// Sets (replaces) a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Req {
        self.headers.retain(|(k, _)| *k != name);
        self.headers.push((name, value.into()));
        self
    }

    pub fn without(mut self, name: &'static str) -> Req {
        self.headers.retain(|(k, _)| *k != name);
        self
    }

    pub fn body(mut self, body: Vec<u8>) -> Req {
        self.body = body;
        self
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Whether the response left through `egress` (its test-only tag).
    pub egressed: bool,
    /// For a partner member's object-bearing response: the policy decision's tally.
    pub decided: Option<tearline_taxii::egress::Decided>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().expect("ASCII header"))
    }
}

/// Sends `req` and asserts the status. Every response under `/taxii2/` is
/// `application/taxii+json;version=2.1`; every error is a TAXII error resource whose
/// `http_status` is the status as a string, and a 401 carries `WWW-Authenticate`.
/// A management API call: its status and JSON body (`Null` when empty or not JSON).
pub async fn api(fx: &Fx, method: Method, path: &str, by: Auth, body: Option<Value>) -> (u16, Value) {
    let mut req = Req::new(method, path).header("accept", "application/json");
    req.auth = by;
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b.to_string().into_bytes());
    }
    let resp = fx.send(req).await;
    let v = if resp.body.is_empty() { Value::Null } else { serde_json::from_slice(&resp.body).unwrap_or(Value::Null) };
    (resp.status.as_u16(), v)
}

pub async fn check(fx: &Fx, req: Req, expect: u16) -> Resp {
    let what = format!("{} {} as {:?}", req.method, req.path, req.auth);
    let resp = fx.send(req).await;
    assert_eq!(resp.status.as_u16(), expect, "{what}: unexpected status; body: {}", resp.text());
    if resp.status.is_client_error() || resp.status.is_server_error() {
        assert_eq!(resp.header("content-type"), Some(TAXII), "{what}: error media type");
        let err = resp.json();
        assert!(err["title"].as_str().is_some_and(|t| !t.is_empty()), "{what}: error resource without title: {err}");
        assert_eq!(err["http_status"], json!(expect.to_string()), "{what}: error resource http_status");
        if expect == 401 {
            let challenge = resp.header("www-authenticate").unwrap_or_else(|| panic!("{what}: 401 without WWW-Authenticate"));
            assert!(challenge.starts_with("Basic "), "{what}: challenge {challenge}");
        }
    } else if what.contains(" /taxii2/") {
        assert_eq!(resp.header("content-type"), Some(TAXII), "{what}: media type");
    }
    resp
}

pub fn root_url(root: &str) -> String {
    format!("/taxii2/{root}/")
}

pub fn coll_url(root: &str, coll: &str) -> String {
    format!("/taxii2/{root}/collections/{coll}/")
}

pub fn objects_url(root: &str, coll: &str) -> String {
    format!("{}objects/", coll_url(root, coll))
}

pub fn object_url(root: &str, coll: &str, id: &str) -> String {
    format!("{}objects/{id}/", coll_url(root, coll))
}

// --- STIX objects ---

pub const CREATED: &str = "2024-01-01T00:00:00.000Z";

/// A STIX identifier, distinct per (type, n).
pub fn sid(ty: &str, n: u32) -> String {
    format!("{ty}--8e2e2d2b-17d4-4cbf-938f-{n:012x}")
}

/// A version timestamp: `v` minutes after CREATED.
pub fn ver(v: u32) -> String {
    format!("2024-01-01T{:02}:{:02}:00.000Z", v / 60, v % 60)
}

fn sdo(ty: &str, n: u32, v: u32, props: Value) -> Value {
    let mut o = json!({"type": ty, "spec_version": "2.1", "id": sid(ty, n), "created": CREATED, "modified": ver(v)});
    o.as_object_mut().unwrap().extend(props.as_object().unwrap().clone());
    o
}

pub fn indicator(n: u32, v: u32) -> Value {
    sdo(
        "indicator",
        n,
        v,
        json!({"name": format!("indicator {n} v{v}"), "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", n % 250),
               "pattern_type": "stix", "valid_from": CREATED, "indicator_types": ["malicious-activity"]}),
    )
}

pub fn malware(n: u32, v: u32) -> Value {
    sdo("malware", n, v, json!({"name": format!("malware {n}"), "is_family": true, "malware_types": ["ransomware"]}))
}

pub fn identity(n: u32, v: u32) -> Value {
    sdo("identity", n, v, json!({"name": format!("identity {n}"), "identity_class": "organization"}))
}

pub fn envelope(objects: &[Value]) -> Value {
    json!({ "objects": objects })
}

/// `(id, version)` pairs of a list of objects or manifest records.
pub fn keys(items: &[Value]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|o| {
            let v = o.get("version").or_else(|| o.get("modified")).and_then(Value::as_str).unwrap_or_default();
            (o["id"].as_str().unwrap().to_owned(), v.to_owned())
        })
        .collect()
}

/// Canonical text of a JSON value (keys kept in their order): equal text means equal content
/// and equal key order.
pub fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

/// Seals the ledger with the fixture's signing key (what `tearline ledger checkpoint` and the
/// server's periodic task do).
pub async fn seal(fx: &Fx) -> tearline_store::Checkpoint {
    let keys = tearline_service::keys::SigningKeys::load_or_create(&fx._keys.path().join("tearline.key")).expect("signing key");
    tearline_service::ledger::checkpoint(&*fx.store, &keys).await.expect("checkpoint").0
}
