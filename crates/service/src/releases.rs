//! Releases: preview, approve (two-person rule, lint overrides), correct, recall, read. The
//! same functions behind `tearline release ...` and `/api/v1/releases`.
//!
//! A preview projects the sources (object ids, latest versions, looked up in the collections
//! the actor may read) for one partner and lints the result; it returns a *draft token* that
//! binds the author, the partner and the sources under a MAC keyed by the signing key. Approving
//! with that token recompiles the same release (the same released ids: the release seed comes
//! from the token), refuses unresolved blocking lints (each override needs a written
//! justification), enforces that the approver is not the author when the two-person rule
//! applies, signs, and stores and publishes the release in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tearline_policy::markings::{Classification, Country};
use tearline_policy::{Granularity, LintConfig, Override, Policy, Projection, Recipient, RelationshipFlags, ReleaseError, ReleaseOptions, TrustTier, ids, lints, project};
use tearline_stix::Timestamp;
use tearline_store::{Collection, ObjectFilter, PARTNER_API_ROOT, Partner, RelationshipFlag, ReleaseRecord, ReleaseState, Role, Store, Submission, VersionFilter};

use crate::keys::SigningKeys;
use crate::variants::{self, VariantSummary, VariantsInput};
use crate::{Action, Actor, ServiceError, ServiceResult, ingest};

/// The producing organisation, from the settings file (`[organisation]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    #[serde(default = "default_org_name")]
    pub name: String,
    /// The organisation's STIX identity id (default: derived from the name).
    #[serde(default)]
    pub identity: Option<String>,
    /// ISO 3166-1 alpha-3; required to release (it decides what is foreign release).
    #[serde(default)]
    pub country: Option<String>,
}

fn default_org_name() -> String {
    "tearline".into()
}

impl Default for Organisation {
    fn default() -> Self {
        Organisation { name: default_org_name(), identity: None, country: None }
    }
}

impl Organisation {
    pub fn identity_id(&self) -> String {
        self.identity.clone().unwrap_or_else(|| {
            let ns = uuid::Uuid::from_u128(0x6abac6d4_2396_4e74_ba74_5f94f19c8203);
            format!("identity--{}", uuid::Uuid::new_v5(&ns, self.name.as_bytes()))
        })
    }
}

/// When a release needs a second person to approve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TwoPerson {
    /// For partners flagged hostile or not recognised (the default).
    #[default]
    Flagged,
    Always,
    Never,
}

/// Release settings (`[releases]`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseSettings {
    #[serde(default)]
    pub two_person: TwoPerson,
    /// Granularity of released times (default: day).
    #[serde(default)]
    pub granularity: Granularity,
    /// The producer's communities (TLP:GREEN scope) and clients (TLP:AMBER scope, identity ids).
    #[serde(default)]
    pub communities: Vec<String>,
    #[serde(default)]
    pub clients: Vec<String>,
    /// A lint vocabulary file (TOML) replacing the embedded default.
    #[serde(default)]
    pub lint_vocabulary: Option<PathBuf>,
}

/// Everything releasing needs beyond the store: who the producer is, its settings, its key.
#[derive(Debug)]
pub struct Releaser {
    pub organisation: Organisation,
    pub settings: ReleaseSettings,
    pub key_file: PathBuf,
    /// The lint vocabulary (the organisation's, or the embedded default), its model reading
    /// leak tracing's interchangeable phrases as one.
    lint: LintConfig,
}

impl Releaser {
    /// Reads the lint vocabulary and checks the settings; the signing key is created in
    /// `key_file` on first use.
    pub fn new(organisation: Organisation, settings: ReleaseSettings, key_file: PathBuf) -> ServiceResult<Releaser> {
        let lint = match &settings.lint_vocabulary {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| ServiceError::Invalid(format!("cannot read lint vocabulary {}: {e}", p.display())))?;
                LintConfig::from_toml(&text).map_err(|e| ServiceError::Invalid(format!("lint vocabulary {}: {e}", p.display())))?
            }
            None => LintConfig::default(),
        };
        // A partner's variant (leak tracing) then gets the findings every other partner's gets.
        let phrases = tearline_trace::PhraseTable::default();
        let lint = lint.with_equivalent_phrases(phrases.groups().iter().map(|g| g.phrases.iter().map(String::as_str)));
        if let Some(id) = &organisation.identity {
            let ok = tearline_stix::Identifier::parse(id).is_ok_and(|i| i.object_type() == "identity");
            if !ok {
                return Err(ServiceError::Invalid(format!("[organisation] identity '{id}' must be an identity--<uuid> id")));
            }
        }
        Ok(Releaser { organisation, settings, key_file, lint })
    }

    /// The signing keys, read from the key file on each use (a rotation applies at once),
    /// created on first use.
    pub fn keys(&self) -> ServiceResult<SigningKeys> {
        SigningKeys::load_or_create(&self.key_file)
    }

    fn country(&self) -> ServiceResult<Country> {
        let c = self.organisation.country.as_deref().ok_or_else(|| {
            ServiceError::Invalid("the producer's country is not set: add 'country = \"ISO3\"' under [organisation] in the settings file".into())
        })?;
        Country::parse(c).ok_or_else(|| ServiceError::Invalid(format!("[organisation] country '{c}' is not an ISO 3166-1 alpha-3 code")))
    }

    /// The producer's STIX identity, carrying every public key that ever signed a release
    /// (`x_tearline_signing_keys`), so a recipient can verify from its collection alone.
    pub fn identity_object(&self, keys: &SigningKeys) -> Value {
        let all = keys.public_keys();
        let first = all.first().map(|k| k.created.clone()).unwrap_or_else(|| keys.current().created.clone());
        let last = all.iter().map(|k| k.created.clone()).max().unwrap_or_else(|| first.clone());
        let mut o = json!({"type": "identity", "spec_version": "2.1", "id": self.organisation.identity_id(),
            "created": first, "modified": last, "name": self.organisation.name, "identity_class": "organization",
            "x_tearline_signing_keys": all.iter().map(|k| json!({"key_id": k.key_id, "alg": "Ed25519", "public_key": k.public_key, "created": k.created})).collect::<Vec<_>>()});
        if let Some(c) = &self.organisation.country {
            o["x_tearline_country"] = json!(c);
        }
        o
    }

    fn policy(&self, keys: &SigningKeys, seed: [u8; 32], now: Timestamp) -> ServiceResult<Policy> {
        let mut p = Policy::new(self.identity_object(keys), self.country()?, seed, now);
        p.granularity = self.settings.granularity;
        p.communities = self.settings.communities.iter().cloned().collect();
        p.clients = self.settings.clients.iter().cloned().collect();
        Ok(p)
    }

    fn options(&self) -> ReleaseOptions {
        ReleaseOptions { lint: Some(self.lint.clone()), ..Default::default() }
    }

    fn lint_config(&self) -> LintConfig {
        self.lint.clone().with_granularity(self.settings.granularity)
    }

    /// Whether releases to this partner need a second person.
    pub fn two_person_for(&self, partner: &Partner) -> bool {
        match self.settings.two_person {
            TwoPerson::Always => true,
            TwoPerson::Never => false,
            TwoPerson::Flagged => partner.profile.flags.iter().any(|f| matches!(f, RelationshipFlag::Hostile | RelationshipFlag::NotRecognised)),
        }
    }
}

/// The policy's view of a partner.
pub fn recipient_of(partner: &Partner) -> ServiceResult<Recipient> {
    recipient_for(&partner.profile)
}

/// The recipient a partner profile describes (see [`recipient_of`]).
pub fn recipient_for(p: &tearline_store::PartnerProfile) -> ServiceResult<Recipient> {
    let country = Country::parse(&p.country).ok_or_else(|| ServiceError::Invalid(format!("partner '{}' has country '{}', not an ISO 3166-1 alpha-3 code", p.name, p.country)))?;
    let has = |f: RelationshipFlag| p.flags.contains(&f);
    Ok(Recipient {
        org_identity: p.identity_id.clone(),
        country,
        sectors: p.sectors.clone(),
        trust_tier: match p.trust_tier {
            1 => TrustTier::Close,
            2 => TrustTier::Partner,
            3 => TrustTier::Limited,
            _ => TrustTier::Untrusted,
        },
        flags: RelationshipFlags {
            hostile: has(RelationshipFlag::Hostile),
            not_recognised: has(RelationshipFlag::NotRecognised),
            designated: has(RelationshipFlag::Designated) || has(RelationshipFlag::Sanctioned),
            no_relations: has(RelationshipFlag::NoDiplomaticRelations),
        },
        is_own_org: false,
        clients: p.clients.clone(),
        communities: p.communities.iter().cloned().collect::<BTreeSet<_>>(),
        clearance: Classification::Unclassified,
        max_source_level: 0,
    })
}

// --- sources ---

async fn readable_collections(store: &dyn Store, actor: &Actor) -> ServiceResult<Vec<Collection>> {
    let mut out = Vec::new();
    for c in store.collections().await? {
        if c.api_root == PARTNER_API_ROOT {
            continue;
        }
        match actor {
            Actor::Operator => out.push(c),
            Actor::Account(a) => {
                if store.collection_for(a.id, &c.api_root, &c.id).await?.is_some_and(|(_, acc)| acc.can_read) {
                    out.push(c);
                }
            }
        }
    }
    Ok(out)
}

/// The latest version of each id found in the collections (latest by `modified`).
async fn fetch(store: &dyn Store, colls: &[Collection], ids: &[String], found: &mut HashMap<String, Value>) -> ServiceResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    for chunk in ids.chunks(200) {
        for c in colls {
            let mut filter = ObjectFilter { ids: chunk.to_vec(), versions: VersionFilter::last(), limit: 1000, ..Default::default() };
            loop {
                let page = store.objects(&c.id, &filter, true).await?;
                for o in &page.items {
                    let Some(v) = o.body.as_deref().and_then(|b| serde_json::from_str::<Value>(b).ok()) else { continue };
                    let newer = match found.get(&o.id) {
                        Some(prev) => version_of(&v) > version_of(prev),
                        None => true,
                    };
                    if newer {
                        found.insert(o.id.clone(), v);
                    }
                }
                match page.next() {
                    Some(n) => filter.after = Some(n),
                    None => break,
                }
            }
        }
    }
    Ok(())
}

fn version_of(v: &Value) -> Option<Timestamp> {
    v.get("modified").or_else(|| v.get("created")).and_then(Value::as_str).and_then(|s| Timestamp::parse(s).ok())
}

/// The sources as objects: each named id (a report's or grouping's `object_refs` one level
/// down too) and the marking- and extension-definitions they use.
pub async fn gather_sources(store: &dyn Store, actor: &Actor, source_ids: &[String]) -> ServiceResult<Vec<Value>> {
    if source_ids.is_empty() {
        return Err(ServiceError::Invalid("name at least one source object id".into()));
    }
    if source_ids.len() > 10_000 {
        return Err(ServiceError::Invalid("at most 10000 source ids per release".into()));
    }
    for id in source_ids {
        tearline_stix::Identifier::parse(id).map_err(|_| ServiceError::Invalid(format!("'{id}' is not a STIX id")))?;
    }
    let colls = readable_collections(store, actor).await?;
    let mut found = HashMap::new();
    fetch(store, &colls, source_ids, &mut found).await?;
    // A source the actor cannot read answers like one that does not exist.
    if let Some(missing) = source_ids.iter().find(|id| !found.contains_key(*id)) {
        return Err(ServiceError::NotFound(format!("source object '{missing}' (in the collections this account may read)")));
    }
    let mut more: BTreeSet<String> = BTreeSet::new();
    for id in source_ids {
        let o = &found[id];
        if matches!(o.get("type").and_then(Value::as_str), Some("report" | "grouping"))
            && let Some(refs) = o.get("object_refs").and_then(Value::as_array)
        {
            more.extend(refs.iter().filter_map(Value::as_str).filter(|r| !found.contains_key(*r)).map(str::to_owned));
        }
    }
    fetch(store, &colls, &more.into_iter().collect::<Vec<_>>(), &mut found).await?;
    let mut defs: BTreeSet<String> = BTreeSet::new();
    for o in found.values() {
        for r in o.get("object_marking_refs").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            defs.insert(r.to_owned());
        }
        for g in o.get("granular_markings").and_then(Value::as_array).into_iter().flatten() {
            if let Some(r) = g.get("marking_ref").and_then(Value::as_str) {
                defs.insert(r.to_owned());
            }
        }
        if let Some(Value::Object(e)) = o.get("extensions") {
            defs.extend(e.keys().filter(|k| k.starts_with("extension-definition--")).cloned());
        }
    }
    defs.retain(|d| !found.contains_key(d) && ids::tlp2_definition(d).is_none());
    fetch(store, &colls, &defs.into_iter().collect::<Vec<_>>(), &mut found).await?;
    // Named sources first, in the order given, then the rest by id: a deterministic input.
    let mut out: Vec<Value> = source_ids.iter().filter_map(|id| found.remove(id)).collect();
    let mut rest: Vec<(String, Value)> = found.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    out.extend(rest.into_iter().map(|(_, v)| v));
    Ok(out)
}

// --- draft tokens ---

const DRAFT_MAX_AGE_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;

fn draft_mac(keys: &SigningKeys, nonce: &[u8], author: &str, issued: i64, partner: &str, sources: &[String]) -> [u8; 32] {
    let mut sorted: Vec<&str> = sources.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let msg = format!("{author}\0{issued}\0{partner}\0{}", sorted.join("\n"));
    keys.derive("draft-token", &[nonce, msg.as_bytes()])
}

fn new_draft(keys: &SigningKeys, author: &str, partner: &str, sources: &[String]) -> (String, [u8; 16]) {
    let nonce: [u8; 16] = rand::random();
    let issued = Timestamp::now().as_micros();
    let mac = draft_mac(keys, &nonce, author, issued, partner, sources);
    (format!("d1.{}.{}.{issued}.{}", hex::encode(nonce), hex::encode(author.as_bytes()), hex::encode(mac)), nonce)
}

/// Checks a draft token; returns its author and nonce.
fn open_draft(keys: &SigningKeys, token: &str, partner: &str, sources: &[String]) -> ServiceResult<(String, Vec<u8>)> {
    let bad = || ServiceError::Invalid("the draft token does not match this partner and these sources (or the signing key was rotated since): preview again".into());
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [v, nonce, author, issued, mac] = parts.as_slice() else { return Err(bad()) };
    if *v != "d1" {
        return Err(bad());
    }
    let nonce = hex::decode(nonce).map_err(|_| bad())?;
    let author = String::from_utf8(hex::decode(author).map_err(|_| bad())?).map_err(|_| bad())?;
    let issued: i64 = issued.parse().map_err(|_| bad())?;
    let mac = hex::decode(mac).map_err(|_| bad())?;
    let expect = draft_mac(keys, &nonce, &author, issued, partner, sources);
    // Constant-time enough for a 32-byte MAC compared once: fold every byte.
    if mac.len() != 32 || mac.iter().zip(expect.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0 {
        return Err(bad());
    }
    if Timestamp::now().as_micros() - issued > DRAFT_MAX_AGE_MICROS {
        return Err(ServiceError::Invalid("the draft is older than 7 days: preview again".into()));
    }
    Ok((author, nonce))
}

// --- preview ---

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewInput {
    pub partner: String,
    pub sources: Vec<String>,
    /// Preview this partner's meaning-preserving variant (leak tracing); the draft token then
    /// binds the whole cohort of partners, so one draft approves each of them.
    #[serde(default)]
    pub variants: Option<VariantsInput>,
}

/// Something withheld, explained for the release officer (never sent to the partner).
#[derive(Debug, Clone, Serialize)]
pub struct RemovalView {
    pub source_id: String,
    /// The field (selector form); none: the whole object.
    pub path: Option<String>,
    pub span: Option<(usize, usize)>,
    /// The text removed, when a span or a text field was cut.
    pub removed_text: Option<String>,
    pub reason: tearline_policy::Reason,
    pub explanation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    #[serde(flatten)]
    pub finding: tearline_policy::Finding,
    /// The source object the finding's released object comes from.
    pub source_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub partner: String,
    /// Pass to approve: binds this author, partner and sources, and fixes the released ids.
    pub draft: String,
    pub author: String,
    /// What the partner would get (the signed manifest is added on approval).
    pub released: Vec<Value>,
    pub removals: Vec<RemovalView>,
    pub findings: Vec<FindingView>,
    /// Blocking findings an approval must override (with a justification each).
    pub blocking: usize,
    /// Whether a second person must approve.
    pub two_person: bool,
    /// Internal: source id -> released id.
    pub id_map: BTreeMap<String, String>,
    /// Whether the no-endorsement statement is attached (partner flagged hostile / not recognised).
    pub no_endorsement: bool,
    /// With `variants`: how the partner's variant came out (never the variant map itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<VariantSummary>,
}

fn removal_views(p: &Projection, sources: &[Value]) -> Vec<RemovalView> {
    let by_id: HashMap<&str, &Value> = sources.iter().filter_map(|s| Some((s.get("id")?.as_str()?, s))).collect();
    p.removals
        .iter()
        .map(|r| {
            let text = r.path.as_deref().and_then(|path| by_id.get(r.source_id.as_str()).and_then(|s| tearline_policy::path::resolve(s, path))).and_then(Value::as_str);
            let removed_text = match (text, r.span) {
                (Some(t), Some((a, b))) => t.get(a..b).map(str::to_owned),
                (Some(t), None) => Some(t.to_owned()),
                _ => None,
            };
            RemovalView { source_id: r.source_id.clone(), path: r.path.clone(), span: r.span, removed_text, reason: r.reason.clone(), explanation: r.reason.to_string() }
        })
        .collect()
}

/// The author a draft records. The local operator is no person: its drafts carry a name no
/// account can have, so they never count as a second person's.
const OPERATOR_AUTHOR: &str = "\u{0}operator";

fn account_name(actor: &Actor) -> String {
    match actor {
        Actor::Account(a) => a.name.clone(),
        Actor::Operator => OPERATOR_AUTHOR.into(),
    }
}

async fn active_partner(store: &dyn Store, name: &str) -> ServiceResult<Partner> {
    store.partner(name).await?.filter(|p| !p.removed).ok_or_else(|| ServiceError::NotFound(format!("partner '{name}'")))
}

/// What `partner` would get from `sources`: the released objects, what was removed and why,
/// and the lint findings.
pub async fn preview(store: &dyn Store, actor: &Actor, rel: &Releaser, input: PreviewInput) -> ServiceResult<Preview> {
    actor.require(Action::DraftRelease)?;
    let partner = active_partner(store, &input.partner).await?;
    let recipient = recipient_of(&partner)?;
    let keys = rel.keys()?;
    let author = account_name(actor);
    let cohort = match &input.variants {
        Some(v) => Some(cohort_of(store, &partner, v).await?),
        None => None,
    };
    // With variants the draft binds the cohort (partner names hold no comma), so one draft
    // approves each of its partners; a cohort of one is the partner's name, as without.
    let draft_key = cohort.as_ref().map_or_else(|| partner.profile.name.clone(), |c| c.join(","));
    let (draft, nonce) = new_draft(&keys, &author, &draft_key, &input.sources);
    let sources = gather_sources(store, actor, &input.sources).await?;
    let policy = rel.policy(&keys, keys.derive("release-seed", &[&nonce]), Timestamp::now())?;
    let mut projection = project(&sources, &recipient, &policy);
    let mut summary = None;
    if let (Some(v), Some(c)) = (&input.variants, &cohort) {
        let varied = variants::apply(&projection, &partner.profile.name, c, v.seed(&keys, &input.sources)?, v)?;
        projection = varied.projection;
        summary = Some(varied.summary);
    }
    let skip = [policy.org_identity.as_str(), ids::TEARLINE_IDENTITY];
    let findings = lints::lint_objects(&projection.released, &skip, &rel.lint_config());
    let inverse: HashMap<&str, &str> = projection.id_map.iter().map(|(s, r)| (r.as_str(), s.as_str())).collect();
    let blocking = lints::unresolved(&findings, &[]).len();
    Ok(Preview {
        partner: partner.profile.name.clone(),
        draft,
        author,
        removals: removal_views(&projection, &sources),
        findings: findings.iter().map(|f| FindingView { source_id: inverse.get(f.object_id.as_str()).map(|s| s.to_string()), finding: f.clone() }).collect(),
        blocking,
        two_person: rel.two_person_for(&partner),
        id_map: projection.id_map.clone(),
        no_endorsement: recipient.flags.hostile || recipient.flags.not_recognised,
        released: projection.released,
        variants: summary,
    })
}

/// The variant cohort of a release to `partner`: every name must be an active partner.
async fn cohort_of(store: &dyn Store, partner: &Partner, v: &VariantsInput) -> ServiceResult<Vec<String>> {
    let cohort = v.cohort(&partner.profile.name);
    for name in &cohort {
        if name != &partner.profile.name {
            active_partner(store, name).await?;
        }
    }
    Ok(cohort)
}

// --- approve ---

/// One override of a blocking finding, as given: `object_id` may be the released id or the
/// source id the preview showed.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideInput {
    pub code: String,
    pub object_id: String,
    pub path: String,
    pub justification: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveInput {
    pub partner: String,
    pub sources: Vec<String>,
    /// The draft token from the preview (required when two people must approve).
    #[serde(default)]
    pub draft: Option<String>,
    #[serde(default)]
    pub overrides: Vec<OverrideInput>,
    /// Why this release is made (recorded with it).
    #[serde(default)]
    pub justification: Option<String>,
    /// The manifest id of the release this one corrects.
    #[serde(default)]
    pub supersedes: Option<String>,
    /// The manifest's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Release this partner's meaning-preserving variant (leak tracing): give every partner of
    /// the cohort the same `variants` (see [`crate::variants`]).
    #[serde(default)]
    pub variants: Option<VariantsInput>,
    /// Who drafted it, when the release comes from a record that names its author (a
    /// duty-to-warn case) instead of a preview's draft token. Never read from a request.
    #[serde(skip)]
    pub author: Option<String>,
}

/// A release as shown to producer accounts (the bundle is fetched separately).
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseView {
    #[serde(flatten)]
    pub record: ReleaseRecord,
    pub bundle_bytes: usize,
}

impl From<ReleaseRecord> for ReleaseView {
    fn from(record: ReleaseRecord) -> Self {
        ReleaseView { bundle_bytes: record.bundle.len(), record }
    }
}

/// `compile_release` takes the projection by reference or by value depending on the policy
/// crate's revision; this lets either signature be called with a borrowed projection.
trait ProjectionArg<T> {
    fn arg(self) -> T;
}
impl<'a> ProjectionArg<&'a Projection> for &'a Projection {
    fn arg(self) -> &'a Projection {
        self
    }
}
impl ProjectionArg<Projection> for &Projection {
    fn arg(self) -> Projection {
        self.clone()
    }
}

fn to_submissions(objects: &[Value]) -> ServiceResult<Vec<Submission>> {
    objects
        .iter()
        .enumerate()
        .map(|(i, o)| match ingest::submission(i, o) {
            Submission::Rejected { message, .. } => Err(ServiceError::Invalid(format!("a released object is not valid STIX: {message}"))),
            ok => Ok(ok),
        })
        .collect()
}

fn require_person(actor: &Actor, what: &str) -> ServiceResult<tearline_store::Account> {
    match actor {
        Actor::Account(a) if matches!(a.role, Role::Admin | Role::ReleaseOfficer) => Ok(a.clone()),
        Actor::Account(_) => Err(ServiceError::Forbidden(format!("only release officers and admins may {what}"))),
        Actor::Operator => Err(ServiceError::Forbidden(format!(
            "to {what}, a person must act with their own account: use the management API (tearline release ... --server URL with TEARLINE_TOKEN)"
        ))),
    }
}

/// Compiles, signs, stores and publishes a release.
pub async fn approve(store: &dyn Store, actor: &Actor, rel: &Releaser, input: ApproveInput) -> ServiceResult<ReleaseRecord> {
    let approver = require_person(actor, "approve a release")?;
    let partner = active_partner(store, &input.partner).await?;
    let recipient = recipient_of(&partner)?;
    let keys = rel.keys()?;
    let cohort = match &input.variants {
        Some(v) => Some(cohort_of(store, &partner, v).await?),
        None => None,
    };
    let (author, nonce) = match &input.draft {
        // A draft of the variant cohort approves each of its partners; a partner's own draft too.
        Some(t) => match &cohort {
            Some(c) => open_draft(&keys, t, &c.join(","), &input.sources).or_else(|_| open_draft(&keys, t, &partner.profile.name, &input.sources))?,
            None => open_draft(&keys, t, &partner.profile.name, &input.sources)?,
        },
        None => (input.author.clone().unwrap_or_else(|| approver.name.clone()), rand::random::<[u8; 16]>().to_vec()),
    };
    if rel.two_person_for(&partner) && (author == approver.name || author == OPERATOR_AUTHOR) {
        return Err(ServiceError::Forbidden(format!(
            "releases to partner '{}' need two people: another account must preview (draft) it, and you approve with its draft token",
            partner.profile.name
        )));
    }
    let mut overrides = Vec::with_capacity(input.overrides.len());
    for o in &input.overrides {
        if o.justification.trim().chars().count() < 10 {
            return Err(ServiceError::Invalid(format!("the override of {} at {} {} needs a written justification (10 characters or more)", o.code, o.object_id, o.path)));
        }
    }
    if let Some(old) = &input.supersedes {
        let prev = store.release(old).await?.ok_or_else(|| ServiceError::NotFound(format!("release '{old}'")))?;
        if prev.partner != partner.profile.name {
            return Err(ServiceError::Invalid(format!("release '{old}' went to partner '{}'; a correction goes to the same partner", prev.partner)));
        }
        if prev.state != ReleaseState::Active {
            return Err(ServiceError::Invalid(format!("release '{old}' is {}; only an active release can be corrected", prev.state)));
        }
    }
    let sources = gather_sources(store, actor, &input.sources).await?;
    let now = Timestamp::now();
    let policy = rel.policy(&keys, keys.derive("release-seed", &[&nonce]), now)?;
    let mut projection = project(&sources, &recipient, &policy);
    let mut variant_map = None;
    if let (Some(v), Some(c)) = (&input.variants, &cohort) {
        // Before signing: the signed bundle is the variant.
        let varied = variants::apply(&projection, &partner.profile.name, c, v.seed(&keys, &input.sources)?, v)?;
        projection = varied.projection;
        variant_map = Some(varied.map);
    }
    for o in &input.overrides {
        // A source id, a variant id, or the projected id a preview without variants showed.
        let projected = variant_map.as_ref().and_then(|m| m.ids.get(&o.object_id));
        let object_id = projection.id_map.get(&o.object_id).or(projected).cloned().unwrap_or_else(|| o.object_id.clone());
        overrides.push(Override { code: o.code.clone(), object_id, path: o.path.clone(), justification: o.justification.trim().to_owned(), approver: approver.name.clone() });
    }
    let opts = ReleaseOptions { overrides, supersedes: input.supersedes.clone(), name: input.name.clone(), ..rel.options() };
    let release = match tearline_policy::compile_release(ProjectionArg::arg(&projection), &recipient, &policy, keys.signer(), now, &opts) {
        Ok(r) => r,
        Err(ReleaseError::Blocked(open)) => {
            let inverse: HashMap<&str, &str> = projection.id_map.iter().map(|(s, r)| (r.as_str(), s.as_str())).collect();
            let list = open
                .iter()
                .map(|f| {
                    let why = f.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
                    format!("{} in {} (source {}) at {}: '{}'{why}", f.code, f.object_id, inverse.get(f.object_id.as_str()).unwrap_or(&"-"), f.path, f.matched)
                })
                .collect::<Vec<_>>()
                .join("; ");
            return Err(ServiceError::Invalid(format!("{} unresolved blocking lint finding(s): {list}; remove the text at the source or override each with a justification", open.len())));
        }
        Err(ReleaseError::Empty) => return Err(ServiceError::Invalid("nothing in these sources may go to this partner".into())),
        Err(e) => return Err(ServiceError::Invalid(e.to_string())),
    };
    let t = now.to_micros_string();
    let record = ReleaseRecord {
        manifest_id: release.manifest_id().to_owned(),
        partner: partner.profile.name.clone(),
        content_hash: release.content_hash().to_owned(),
        bundle: release.bundle_bytes().to_vec(),
        bundle_sha256: release.bundle_sha256(),
        key_id: keys.current().key_id.clone(),
        author,
        approver: approver.name.clone(),
        justification: input.justification.as_deref().map(str::trim).filter(|j| !j.is_empty()).map(str::to_owned),
        created: t,
        state: ReleaseState::Active,
        supersedes: input.supersedes.clone(),
        id_map: release.id_map().clone(),
        removals: serde_json::to_value(removal_views(&projection, &sources)).unwrap_or(Value::Null),
        findings: serde_json::to_value(release.findings()).unwrap_or(Value::Null),
        overrides: serde_json::to_value(release.overrides()).unwrap_or(Value::Null),
        object_ids: release.objects().iter().filter_map(|o| o.get("id").and_then(Value::as_str).map(str::to_owned)).collect(),
        variant_map: match variant_map {
            Some(mut m) => {
                m.release = Some(release.manifest_id().to_owned());
                Some(serde_json::to_string(&m).map_err(|e| ServiceError::Invalid(format!("variant map: {e}")))?)
            }
            None => None,
        },
    };
    let subs = to_submissions(release.objects())?;
    store.add_release(record.clone(), subs).await?;
    Ok(record)
}

// --- recall ---

/// Recalls a release: a signed recall notice is delivered to the partner, and the released
/// objects are re-published as new versions with `revoked: true`.
pub async fn recall(store: &dyn Store, actor: &Actor, rel: &Releaser, manifest_id: &str, reason: &str) -> ServiceResult<ReleaseRecord> {
    require_person(actor, "recall a release")?;
    if reason.trim().chars().count() < 10 {
        return Err(ServiceError::Invalid("a recall needs a reason the partner will read (10 characters or more)".into()));
    }
    let record = store.release(manifest_id).await?.ok_or_else(|| ServiceError::NotFound(format!("release '{manifest_id}'")))?;
    if record.state == ReleaseState::Recalled {
        return Err(ServiceError::Invalid(format!("release '{manifest_id}' is already recalled")));
    }
    let partner = store.partner(&record.partner).await?.ok_or_else(|| ServiceError::NotFound(format!("partner '{}'", record.partner)))?;
    let recipient = recipient_of(&partner)?;
    let keys = rel.keys()?;
    let now = Timestamp::now();
    let policy = rel.policy(&keys, keys.derive("recall-seed", &[manifest_id.as_bytes()]), now)?;
    let notice = tearline_policy::recall_notice(manifest_id, reason.trim(), &recipient, &policy, keys.signer(), now);
    let bundle: Value = serde_json::from_slice(&record.bundle).map_err(|e| ServiceError::Invalid(format!("stored bundle is unreadable: {e}")))?;
    let content: BTreeSet<&str> = record.id_map.values().map(String::as_str).chain([manifest_id]).collect();
    let stamp = {
        let s = now.to_micros_string();
        format!("{}Z", &s[..23])
    };
    let mut objects = vec![notice];
    for o in bundle.get("objects").and_then(Value::as_array).into_iter().flatten() {
        let id = o.get("id").and_then(Value::as_str).unwrap_or_default();
        if !content.contains(id) || o.get("modified").is_none() || o.get("revoked") == Some(&Value::Bool(true)) {
            continue;
        }
        let mut r = o.clone();
        r["revoked"] = Value::Bool(true);
        r["modified"] = json!(stamp);
        objects.push(r);
    }
    store.set_release_state(manifest_id, ReleaseState::Recalled, to_submissions(&objects)?).await?;
    store.release(manifest_id).await?.ok_or_else(|| ServiceError::NotFound(format!("release '{manifest_id}'")))
}

// --- reading ---

pub async fn list(store: &dyn Store, actor: &Actor, partner: Option<&str>) -> ServiceResult<Vec<ReleaseRecord>> {
    actor.require(Action::Read)?;
    Ok(store.releases(partner).await?)
}

pub async fn show(store: &dyn Store, actor: &Actor, manifest_id: &str) -> ServiceResult<ReleaseRecord> {
    actor.require(Action::Read)?;
    store.release(manifest_id).await?.ok_or_else(|| ServiceError::NotFound(format!("release '{manifest_id}'")))
}

/// Releases carrying anything derived from a source object (for leak tracing and recalls).
pub async fn from_source(store: &dyn Store, actor: &Actor, source_id: &str) -> ServiceResult<Vec<ReleaseRecord>> {
    actor.require(Action::Read)?;
    Ok(store.releases_from_source(source_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tearline_store::{NewCollection, secret};

    pub(crate) const PLAIN: &str = "A cell plans a bomb attack on the shrine between 10 and 13 January.";
    const INTERCEPT: &str = " An intercepted call between two members discussed the timing.";

    /// Source objects: a threat actor whose description holds intercept wording in a
    /// source-protected span, and a location.
    pub(crate) fn sources() -> Vec<Value> {
        let desc = format!("{PLAIN}{INTERCEPT}");
        let (start, end) = (PLAIN.len(), desc.len());
        vec![
            json!({"type":"threat-actor","spec_version":"2.1","id":"threat-actor--8e2e2d2b-17d4-4cbf-938f-000000000001","created":"2025-01-08T10:00:00.000Z","modified":"2025-01-08T10:00:00.000Z",
                "name":"Cell","description":desc,"object_marking_refs":[ids::TLP2_CLEAR],
                "extensions":{ids::EXT_SOURCE_PROTECTION:{"extension_type":"property-extension","spans":[{"selector":"description","start":start,"end":end,"level":3}]}}}),
            json!({"type":"location","spec_version":"2.1","id":"location--8e2e2d2b-17d4-4cbf-938f-000000000002","created":"2025-01-08T10:00:00.000Z","modified":"2025-01-08T10:00:00.000Z",
                "name":"Sayyida Zaynab shrine","country":"SY","object_marking_refs":[ids::TLP2_CLEAR]}),
            json!({"type":"note","spec_version":"2.1","id":"note--8e2e2d2b-17d4-4cbf-938f-000000000003","created":"2025-01-08T10:00:00.000Z","modified":"2025-01-08T10:00:00.000Z",
                "content":"The source said \"we will strike on Friday after the prayers\" to the handler.","object_refs":["threat-actor--8e2e2d2b-17d4-4cbf-938f-000000000001"],"object_marking_refs":[ids::TLP2_CLEAR]}),
        ]
    }

    pub(crate) fn source_ids() -> Vec<String> {
        sources().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
    }

    struct Env {
        _d: tempfile::TempDir,
        store: tearline_store_sqlite::SqliteStore,
        rel: Releaser,
        ann: Actor,
        rob: Actor,
        rita: Actor,
    }

    async fn env() -> Env {
        let d = tempfile::tempdir().unwrap();
        let store = tearline_store_sqlite::SqliteStore::open(d.path().join("t.db")).unwrap();
        let acct = |n: &str, r: Role| {
            let s = store.clone();
            let n = n.to_owned();
            async move { Actor::Account(s.add_account(&n, r, secret::hash(&secret::generate())).await.unwrap()) }
        };
        let ann = acct("ann", Role::Analyst).await;
        let rob = acct("rob", Role::ReleaseOfficer).await;
        let rita = acct("rita", Role::ReleaseOfficer).await;
        let coll = store
            .add_collection(NewCollection { api_root: "default".into(), title: "holdings".into(), description: None, alias: None, readers: vec!["ann".into(), "rob".into(), "rita".into()], writers: vec!["ann".into()] })
            .await
            .unwrap();
        store.add_objects(&coll.id, sources().iter().enumerate().map(|(i, o)| ingest::submission(i, o)).collect(), None).await.unwrap();
        crate::partners::add(&store, &Actor::Operator, crate::partners::PartnerInput {
            name: Some("syria-gsd".into()),
            country: Some("SYR".into()),
            flags: Some(vec!["hostile".into(), "not-recognised".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
        let org = Organisation { name: "Producer Service".into(), identity: None, country: Some("USA".into()) };
        let rel = Releaser::new(org, ReleaseSettings::default(), d.path().join("tearline.key")).unwrap();
        Env { _d: d, store, rel, ann, rob, rita }
    }

    fn approve_input(p: &Preview, overrides: Vec<OverrideInput>) -> ApproveInput {
        ApproveInput { partner: "syria-gsd".into(), sources: source_ids(), draft: Some(p.draft.clone()), overrides, justification: Some("duty to warn".into()), supersedes: None, name: None, variants: None, author: None }
    }

    fn overrides_for(p: &Preview) -> Vec<OverrideInput> {
        p.findings
            .iter()
            .filter(|f| f.finding.blocking)
            .map(|f| OverrideInput { code: f.finding.code.into(), object_id: f.source_id.clone().unwrap(), path: f.finding.path.clone(), justification: "paraphrase agreed with the originator".into() })
            .collect()
    }

    #[tokio::test]
    async fn preview_removes_intercept_wording_and_approval_needs_a_second_person_and_overrides() {
        let e = env().await;
        let p = preview(&e.store, &e.ann, &e.rel, PreviewInput { partner: "syria-gsd".into(), sources: source_ids(), variants: None }).await.unwrap();
        let text = serde_json::to_string(&p.released).unwrap();
        assert!(!text.contains("intercepted"), "source-protected span removed: {text}");
        assert!(p.removals.iter().any(|r| r.removed_text.as_deref().is_some_and(|t| t.contains("intercepted")) && r.explanation.contains("source protection")));
        assert!(p.two_person && p.no_endorsement);
        assert!(p.blocking > 0, "the quoted speech blocks: {:?}", p.findings);

        // The author cannot approve; an analyst cannot approve; no draft means the approver is the author.
        assert!(matches!(approve(&e.store, &e.ann, &e.rel, approve_input(&p, overrides_for(&p))).await, Err(ServiceError::Forbidden(_))));
        let mut own = approve_input(&p, overrides_for(&p));
        own.draft = None;
        assert!(matches!(approve(&e.store, &e.rob, &e.rel, own).await, Err(ServiceError::Forbidden(m)) if m.contains("two people")));
        // Unresolved blocking lints, then an override without a justification.
        assert!(matches!(approve(&e.store, &e.rob, &e.rel, approve_input(&p, vec![])).await, Err(ServiceError::Invalid(m)) if m.contains("unresolved")));
        let mut weak = overrides_for(&p);
        weak[0].justification = "ok".into();
        assert!(matches!(approve(&e.store, &e.rob, &e.rel, approve_input(&p, weak)).await, Err(ServiceError::Invalid(_))));
        // A forged draft (another author) fails its MAC.
        let mut forged = approve_input(&p, overrides_for(&p));
        let parts: Vec<&str> = p.draft.split('.').collect();
        forged.draft = Some(format!("d1.{}.{}.{}.{}", parts[1], hex::encode("rita"), parts[3], parts[4]));
        assert!(matches!(approve(&e.store, &e.rob, &e.rel, forged).await, Err(ServiceError::Invalid(_))));

        let r = approve(&e.store, &e.rob, &e.rel, approve_input(&p, overrides_for(&p))).await.unwrap();
        assert_eq!((r.author.as_str(), r.approver.as_str()), ("ann", "rob"));
        // The preview's released ids are the release's.
        assert_eq!(r.id_map, p.id_map);
        let keys = e.rel.keys().unwrap();
        let v = tearline_policy::verify_release(&r.bundle, &keys.keyring()).unwrap();
        assert_eq!(v.manifest_id, r.manifest_id);
        let bundle = String::from_utf8(r.bundle.clone()).unwrap();
        assert!(bundle.contains(ids::NO_ENDORSEMENT) && !bundle.contains("intercepted"));
        assert!(bundle.contains(&keys.current().public_key), "the producer identity publishes the public key");
        assert_eq!(from_source(&e.store, &e.ann, &source_ids()[0]).await.unwrap().len(), 1);

        // A correction supersedes; a recall is signed and revokes.
        let p2 = preview(&e.store, &e.ann, &e.rel, PreviewInput { partner: "syria-gsd".into(), sources: source_ids(), variants: None }).await.unwrap();
        let mut fix = approve_input(&p2, overrides_for(&p2));
        fix.supersedes = Some(r.manifest_id.clone());
        let r2 = approve(&e.store, &e.rita, &e.rel, fix).await.unwrap();
        assert_eq!(show(&e.store, &e.ann, &r.manifest_id).await.unwrap().state, ReleaseState::Superseded);
        assert!(matches!(recall(&e.store, &e.ann, &e.rel, &r2.manifest_id, "the timing was wrong, disregard").await, Err(ServiceError::Forbidden(_))));
        let back = recall(&e.store, &e.rob, &e.rel, &r2.manifest_id, "the timing was wrong, disregard").await.unwrap();
        assert_eq!(back.state, ReleaseState::Recalled);
        let partner = e.store.partner("syria-gsd").await.unwrap().unwrap();
        let page = e.store.objects(&partner.collection_id, &ObjectFilter { types: vec!["note".into()], ..Default::default() }, true).await.unwrap();
        let notice: Value = serde_json::from_str(page.items.iter().find(|o| o.body.as_deref().unwrap().contains("\"recall\"")).unwrap().body.as_deref().unwrap()).unwrap();
        assert!(tearline_policy::release::verify_manifest(&notice, &[], &keys.keyring()).is_ok());
        let ta = r2.id_map[&source_ids()[0]].clone();
        let page = e.store.objects(&partner.collection_id, &ObjectFilter { ids: vec![ta], ..Default::default() }, true).await.unwrap();
        assert!(page.items[0].body.as_deref().unwrap().contains("\"revoked\":true"));
        assert_eq!(list(&e.store, &e.ann, Some("syria-gsd")).await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn sources_the_actor_cannot_read_are_not_found() {
        let e = env().await;
        let eve = Actor::Account(e.store.add_account("eve", Role::Analyst, [9; 32]).await.unwrap());
        assert!(matches!(preview(&e.store, &eve, &e.rel, PreviewInput { partner: "syria-gsd".into(), sources: source_ids(), variants: None }).await, Err(ServiceError::NotFound(_))));
        let aud = Actor::Account(e.store.add_account("aud", Role::Auditor, [8; 32]).await.unwrap());
        assert!(matches!(preview(&e.store, &aud, &e.rel, PreviewInput { partner: "syria-gsd".into(), sources: source_ids(), variants: None }).await, Err(ServiceError::Forbidden(_))));
        assert!(matches!(preview(&e.store, &e.ann, &e.rel, PreviewInput { partner: "nobody".into(), sources: source_ids(), variants: None }).await, Err(ServiceError::NotFound(_))));
    }
}
