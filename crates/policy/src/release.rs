//! Releases: immutable, content-addressed, signed STIX bundles compiled from a projection.
//!
//! The manifest is a STIX `report` whose `object_refs` list every other object of the release and
//! whose release-manifest extension ([`ids::EXT_RELEASE_MANIFEST`]) carries:
//! - `content_hash`: `sha256:` + hex SHA-256 of the RFC 8785 bytes of the JSON array of those
//!   objects sorted by id;
//! - `key_id`, `signature_alg` (`Ed25519`) and `signature`: base64 of the Ed25519 signature over
//!   `tearline-manifest-v1` NUL + the RFC 8785 bytes of the manifest with `signature` removed.
//!
//! A recipient that only speaks TAXII fetches the manifest and the objects it lists and checks
//! both with [`verify_objects`]. Keys are named by id (`ed25519:` + 16 hex digits of SHA-256 of
//! the public key), so after a rotation old releases still verify against a [`Keyring`] that
//! keeps the old public keys. A correction is a new release whose manifest names the one it
//! `supersedes`; a recall is a signed `note` ([`recall_notice`]).

use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use ed25519_dalek::{Signature, SigningKey, Verifier, VerifyingKey};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tearline_stix::Timestamp;
use tearline_stix::canonical::to_canonical_string;

use crate::ids;
use crate::lints::{self, Finding, LintConfig, Override};
use crate::markings::Tlp;
use crate::project::{Projection, derive_uuid, millis};
use crate::recipient::{Policy, Recipient};

const SIGNING_DOMAIN: &[u8] = b"tearline-manifest-v1\0";

/// Something that signs manifests (a key in memory, or later an HSM).
pub trait Signer {
    /// `ed25519:` + 16 hex digits of SHA-256 of the public key.
    fn key_id(&self) -> String;
    fn sign(&self, message: &[u8]) -> [u8; 64];
}

/// The id of a public key.
pub fn key_id(key: &VerifyingKey) -> String {
    let d = Sha256::digest(key.as_bytes());
    format!("ed25519:{}", hex::encode(&d[..8]))
}

/// An Ed25519 signing key held in memory.
pub struct Ed25519Signer {
    key: SigningKey,
    id: String,
}

impl Ed25519Signer {
    /// A key from 32 secret bytes (the caller draws them from a CSPRNG or a key store).
    pub fn from_seed(seed: &[u8; 32]) -> Ed25519Signer {
        let key = SigningKey::from_bytes(seed);
        let id = key_id(&key.verifying_key());
        Ed25519Signer { key, id }
    }
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }
}

impl Signer for Ed25519Signer {
    fn key_id(&self) -> String {
        self.id.clone()
    }
    fn sign(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.key.sign(message).to_bytes()
    }
}

/// Public keys by key id: every key that ever signed, so old releases keep verifying.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    keys: BTreeMap<String, VerifyingKey>,
}

impl Keyring {
    pub fn new() -> Keyring {
        Keyring::default()
    }
    pub fn add(&mut self, key: VerifyingKey) -> String {
        let id = key_id(&key);
        self.keys.insert(id.clone(), key);
        id
    }
    pub fn get(&self, id: &str) -> Option<&VerifyingKey> {
        self.keys.get(id)
    }
}

impl From<VerifyingKey> for Keyring {
    fn from(k: VerifyingKey) -> Keyring {
        let mut r = Keyring::new();
        r.add(k);
        r
    }
}

/// Per-release choices beyond the policy.
#[derive(Debug, Clone, Default)]
pub struct ReleaseOptions {
    /// Overrides of blocking lint findings.
    pub overrides: Vec<Override>,
    /// The lint vocabulary (the embedded default unless set).
    pub lint: Option<LintConfig>,
    /// The manifest id of the release this one corrects.
    pub supersedes: Option<String>,
    /// The manifest's `name` (default `Release`).
    pub name: Option<String>,
}

/// Why a release could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("{} blocking lint finding(s) without an override", .0.len())]
    Blocked(Vec<Finding>),
    #[error("nothing to release to this recipient")]
    Empty,
    #[error("released object {0} is not valid STIX: {1}")]
    Invalid(String, String),
}

/// An immutable, signed release.
#[derive(Debug, Clone)]
pub struct Release {
    manifest_id: String,
    recipient: String,
    objects: Vec<Value>,
    content_hash: String,
    bytes: Vec<u8>,
    findings: Vec<Finding>,
    overrides: Vec<Override>,
    id_map: BTreeMap<String, String>,
}

impl Release {
    /// The manifest report's id: the release's name everywhere.
    pub fn manifest_id(&self) -> &str {
        &self.manifest_id
    }
    pub fn recipient(&self) -> &str {
        &self.recipient
    }
    /// Every object, the manifest first, then by id.
    pub fn objects(&self) -> &[Value] {
        &self.objects
    }
    pub fn manifest(&self) -> &Value {
        &self.objects[0]
    }
    /// `sha256:<hex>` of the content (see the module documentation).
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }
    /// The RFC 8785 bytes of the release as a STIX bundle: what the ledger hashes and stores.
    pub fn bundle_bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// SHA-256 of [`Release::bundle_bytes`], hex.
    pub fn bundle_sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.bytes))
    }
    /// Every lint finding, blocking ones included (they were overridden).
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }
    pub fn overrides(&self) -> &[Override] {
        &self.overrides
    }
    /// Internal: source id -> released id.
    pub fn id_map(&self) -> &BTreeMap<String, String> {
        &self.id_map
    }
}

/// RFC 8785 of a JSON array is `[` + the members' RFC 8785 forms joined by `,` + `]`.
fn canonical_array<S: AsRef<str>>(members: &[S]) -> String {
    let mut out = String::with_capacity(members.iter().map(|m| m.as_ref().len() + 1).sum::<usize>() + 2);
    out.push('[');
    for (i, m) in members.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(m.as_ref());
    }
    out.push(']');
    out
}

fn hash_canonical(canonical: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(canonical.as_bytes())))
}

fn content_hash(objects: &[&Value]) -> String {
    let members: Vec<String> = objects.iter().map(|v| to_canonical_string(v)).collect();
    hash_canonical(&canonical_array(&members))
}

fn signing_bytes(manifest: &Value) -> Vec<u8> {
    let mut m = manifest.clone();
    if let Some(e) = m.get_mut("extensions").and_then(|e| e.get_mut(ids::EXT_RELEASE_MANIFEST)).and_then(Value::as_object_mut) {
        e.remove("signature");
    }
    let mut out = SIGNING_DOMAIN.to_vec();
    out.extend_from_slice(to_canonical_string(&m).as_bytes());
    out
}

fn manifest_ext_def() -> Value {
    ids::extension_definition(ids::EXT_RELEASE_MANIFEST).expect("defined").clone()
}

/// Compiles the release of `projection` for `recipient`: lints (refusing unresolved blocking
/// findings), content hash, manifest, signature, canonical bundle bytes.
pub fn compile_release(
    projection: Projection,
    recipient: &Recipient,
    policy: &Policy,
    signer: &dyn Signer,
    now: Timestamp,
    opts: &ReleaseOptions,
) -> Result<Release, ReleaseError> {
    if projection.id_map.is_empty() {
        return Err(ReleaseError::Empty);
    }
    let cfg = match &opts.lint {
        Some(c) => c.clone().with_granularity(policy.granularity),
        None => LintConfig::default().with_granularity(policy.granularity),
    };
    let findings = lints::lint_objects(&projection.released, &[policy.org_identity.as_str(), ids::TEARLINE_IDENTITY], &cfg);
    let open: Vec<Finding> = lints::unresolved(&findings, &opts.overrides).into_iter().cloned().collect();
    if !open.is_empty() {
        return Err(ReleaseError::Blocked(open));
    }

    let Projection { released: mut objects, id_map, .. } = projection;
    for extra in [manifest_ext_def(), ids::tearline_identity()] {
        if !objects.iter().any(|o| o["id"] == extra["id"]) {
            objects.push(extra);
        }
    }
    let flagged = recipient.flags.hostile || recipient.flags.not_recognised;
    if flagged && !objects.iter().any(|o| o["id"] == json!(ids::NO_ENDORSEMENT)) {
        objects.push(ids::no_endorsement_definition());
    }
    objects.sort_by_cached_key(|o| o.get("id").and_then(Value::as_str).unwrap_or_default().to_owned());
    let canon: Vec<String> = objects.iter().map(to_canonical_string).collect();
    let hash = hash_canonical(&canonical_array(&canon));

    // The manifest is as restricted as the most restricted object it lists.
    let tlp = objects
        .iter()
        .filter_map(|o| o.get("object_marking_refs").and_then(Value::as_array))
        .flatten()
        .filter_map(|r| r.as_str().and_then(Tlp::from_definition_id))
        .max();
    let mut omr: Vec<&str> = Vec::new();
    if let Some(t) = tlp {
        omr.push(t.definition_id());
    }
    if flagged {
        omr.push(ids::NO_ENDORSEMENT);
    }
    let kind = if opts.supersedes.is_some() { "correction" } else { "release" };
    let t = millis(&now);
    let manifest_id = format!("report--{}", derive_uuid(&policy.seed, &["manifest", &recipient.org_identity]));
    let mut ext = Map::new();
    ext.insert("extension_type".into(), json!("property-extension"));
    ext.insert("kind".into(), json!(kind));
    ext.insert("recipient_ref".into(), json!(recipient.org_identity));
    ext.insert("content_hash".into(), json!(hash));
    ext.insert("canonicalization".into(), json!("RFC8785"));
    ext.insert("key_id".into(), json!(signer.key_id()));
    ext.insert("signature_alg".into(), json!("Ed25519"));
    if let Some(s) = &opts.supersedes {
        ext.insert("supersedes".into(), json!(s));
    }
    let mut manifest = json!({"type":"report","spec_version":"2.1","id":manifest_id,"created":t,"modified":t,
        "created_by_ref":policy.org_identity,"name":opts.name.clone().unwrap_or_else(|| "Release".into()),
        "report_types":["threat-report"],"published":t,
        "object_refs":objects.iter().map(|o| o["id"].clone()).collect::<Vec<_>>(),
        "extensions":{ids::EXT_RELEASE_MANIFEST: ext}});
    if !omr.is_empty() {
        manifest["object_marking_refs"] = json!(omr);
    }
    let sig = signer.sign(&signing_bytes(&manifest));
    manifest["extensions"][ids::EXT_RELEASE_MANIFEST]["signature"] = json!(base64::engine::general_purpose::STANDARD.encode(sig));

    let v = tearline_stix::validate::validate_object(&manifest);
    if !v.is_valid() {
        return Err(ReleaseError::Invalid(manifest_id, format!("{:?}", v.errors)));
    }
    // The bundle's RFC 8785 bytes: keys in order id, objects, type; members already canonical.
    let bundle_id = format!("bundle--{}", derive_uuid(&policy.seed, &["bundle", &recipient.org_identity]));
    let mut members = Vec::with_capacity(canon.len() + 1);
    members.push(to_canonical_string(&manifest));
    members.extend(canon);
    let bytes = format!("{{\"id\":{},\"objects\":{},\"type\":\"bundle\"}}", to_canonical_string(&json!(bundle_id)), canonical_array(&members)).into_bytes();
    let mut all = Vec::with_capacity(objects.len() + 1);
    all.push(manifest);
    all.extend(objects);
    let used_overrides = opts.overrides.iter().filter(|o| findings.iter().any(|f| o.clears(f))).cloned().collect();
    Ok(Release {
        manifest_id,
        recipient: recipient.org_identity.clone(),
        objects: all,
        content_hash: hash,
        bytes,
        findings,
        overrides: used_overrides,
        id_map,
    })
}

/// A signed recall notice for a release: a STIX `note` whose `object_refs` names the recalled
/// manifest, signed like a manifest (its content is empty).
pub fn recall_notice(recalled_manifest_id: &str, reason: &str, recipient: &Recipient, policy: &Policy, signer: &dyn Signer, now: Timestamp) -> Value {
    let t = millis(&now);
    let id = format!("note--{}", derive_uuid(&policy.seed, &["recall", &recipient.org_identity, recalled_manifest_id]));
    let mut note = json!({"type":"note","spec_version":"2.1","id":id,"created":t,"modified":t,
        "created_by_ref":policy.org_identity,"abstract":"Recall","content":reason,
        "object_refs":[recalled_manifest_id],
        "extensions":{ids::EXT_RELEASE_MANIFEST:{"extension_type":"property-extension","kind":"recall",
            "recipient_ref":recipient.org_identity,"recalls":recalled_manifest_id,
            "content_hash":content_hash(&[]),"canonicalization":"RFC8785","key_id":signer.key_id(),"signature_alg":"Ed25519"}}});
    if recipient.flags.hostile || recipient.flags.not_recognised {
        note["object_marking_refs"] = json!([ids::NO_ENDORSEMENT]);
    }
    let sig = signer.sign(&signing_bytes(&note));
    note["extensions"][ids::EXT_RELEASE_MANIFEST]["signature"] = json!(base64::engine::general_purpose::STANDARD.encode(sig));
    note
}

/// What a verified release or notice says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub manifest_id: String,
    /// `release`, `correction` or `recall`.
    pub kind: String,
    pub recipient: String,
    pub key_id: String,
    pub content_hash: String,
    pub supersedes: Option<String>,
    pub recalls: Option<String>,
    /// Ids of the objects the signature covers.
    pub object_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("not JSON, a bundle, an envelope or a list of objects")]
    Format,
    #[error("no release manifest (or more than one)")]
    NoManifest,
    #[error("manifest field '{0}' missing or malformed")]
    Field(&'static str),
    #[error("unknown key id {0}")]
    UnknownKey(String),
    #[error("bad signature")]
    Signature,
    #[error("object {0} listed by the manifest is missing")]
    Missing(String),
    #[error("two different objects with id {0}")]
    Duplicate(String),
    #[error("content hash mismatch")]
    ContentHash,
}

/// Verifies a release given as bytes: a STIX bundle, a TAXII envelope (`objects`) or a JSON
/// array of objects.
pub fn verify_release(bytes: &[u8], keys: &Keyring) -> Result<Verified, VerifyError> {
    let v: Value = serde_json::from_slice(bytes).map_err(|_| VerifyError::Format)?;
    let objects = match v {
        Value::Array(a) => a,
        Value::Object(mut o) => match o.remove("objects") {
            Some(Value::Array(a)) => a,
            _ => return Err(VerifyError::Format),
        },
        _ => return Err(VerifyError::Format),
    };
    verify_objects(&objects, keys)
}

/// Verifies a release (or recall notice) among `objects` (which may hold other objects too,
/// e.g. a whole TAXII collection): exactly one manifest must be present.
pub fn verify_objects(objects: &[Value], keys: &Keyring) -> Result<Verified, VerifyError> {
    let manifests: Vec<&Value> = objects.iter().filter(|o| o.get("extensions").and_then(|e| e.get(ids::EXT_RELEASE_MANIFEST)).is_some()).collect();
    let [manifest] = manifests.as_slice() else { return Err(VerifyError::NoManifest) };
    verify_manifest(manifest, objects, keys)
}

/// Verifies one manifest against the objects available.
pub fn verify_manifest(manifest: &Value, objects: &[Value], keys: &Keyring) -> Result<Verified, VerifyError> {
    let ext = manifest.get("extensions").and_then(|e| e.get(ids::EXT_RELEASE_MANIFEST)).ok_or(VerifyError::NoManifest)?;
    let s = |k: &'static str| ext.get(k).and_then(Value::as_str).ok_or(VerifyError::Field(k));
    let kind = s("kind")?;
    let key_id = s("key_id")?;
    if s("signature_alg")? != "Ed25519" {
        return Err(VerifyError::Field("signature_alg"));
    }
    let sig_b = base64::engine::general_purpose::STANDARD.decode(s("signature")?).map_err(|_| VerifyError::Field("signature"))?;
    let sig = Signature::from_slice(&sig_b).map_err(|_| VerifyError::Field("signature"))?;
    let key = keys.get(key_id).ok_or_else(|| VerifyError::UnknownKey(key_id.to_owned()))?;
    key.verify(&signing_bytes(manifest), &sig).map_err(|_| VerifyError::Signature)?;

    let refs: Vec<String> = manifest
        .get("object_refs")
        .and_then(Value::as_array)
        .ok_or(VerifyError::Field("object_refs"))?
        .iter()
        .map(|r| r.as_str().map(str::to_owned).ok_or(VerifyError::Field("object_refs")))
        .collect::<Result<_, _>>()?;
    let hash = s("content_hash")?;
    let covered: Vec<String> = if kind == "recall" {
        if hash != content_hash(&[]) || refs.len() != 1 || ext.get("recalls").and_then(Value::as_str) != Some(refs[0].as_str()) {
            return Err(VerifyError::ContentHash);
        }
        Vec::new()
    } else {
        let mut by_id: HashMap<&str, &Value> = HashMap::new();
        for o in objects {
            if let Some(id) = o.get("id").and_then(Value::as_str)
                && let Some(prev) = by_id.insert(id, o)
                && prev != o
                && refs.iter().any(|r| r == id)
            {
                return Err(VerifyError::Duplicate(id.to_owned()));
            }
        }
        let mut listed: Vec<&Value> = Vec::with_capacity(refs.len());
        for r in &refs {
            listed.push(by_id.get(r.as_str()).copied().ok_or_else(|| VerifyError::Missing(r.clone()))?);
        }
        listed.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        if content_hash(&listed) != hash {
            return Err(VerifyError::ContentHash);
        }
        refs.clone()
    };
    Ok(Verified {
        manifest_id: manifest.get("id").and_then(Value::as_str).unwrap_or_default().to_owned(),
        kind: kind.to_owned(),
        recipient: s("recipient_ref")?.to_owned(),
        key_id: key_id.to_owned(),
        content_hash: hash.to_owned(),
        supersedes: ext.get("supersedes").and_then(Value::as_str).map(str::to_owned),
        recalls: ext.get("recalls").and_then(Value::as_str).map(str::to_owned),
        object_ids: covered,
    })
}

/// Projects `sources` and compiles a release for each (recipient, policy) pair, spreading the
/// work over up to `threads` threads (0: the machine's parallelism). Results come back in the
/// order of `targets`; each is what [`crate::project()`] then [`compile_release`] would give.
pub fn compile_many(
    sources: &[Value],
    targets: &[(Recipient, Policy)],
    signer: &(dyn Signer + Sync),
    now: Timestamp,
    opts: &ReleaseOptions,
    threads: usize,
) -> Vec<Result<Release, ReleaseError>> {
    let threads = if threads == 0 { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) } else { threads };
    let threads = threads.clamp(1, targets.len().max(1));
    let one = |(r, p): &(Recipient, Policy)| compile_release(crate::project::project(sources, r, p), r, p, signer, now, opts);
    if threads == 1 {
        return targets.iter().map(one).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut slots: Vec<Option<Result<Release, ReleaseError>>> = (0..targets.len()).map(|_| None).collect();
    let results = std::sync::Mutex::new(&mut slots);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(t) = targets.get(i) else { break };
                    let r = one(t);
                    results.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(r);
                }
            });
        }
    });
    slots.into_iter().map(|r| r.unwrap_or(Err(ReleaseError::Empty))).collect()
}
