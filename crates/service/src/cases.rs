//! Duty-to-warn cases: the server side of `tearline-duty`.
//!
//! A case is stored as a versioned document with its timeline (one store event per accepted
//! [`Event`], each with its ledger entry, in one transaction). Every change goes through
//! [`change`]: load, [`tearline_duty::apply`], store with the version it was computed from; a
//! concurrent change makes the store refuse, and the change is recomputed on the newer case.
//!
//! Where cases come from: an analyst opens one from any object ([`open`]); ingested objects that
//! carry the `tearline-threat` extension and meet the profile raise one ([`raise_from_objects`]);
//! an open-source article that describes a planned attack proposes one ([`propose_from_text`]).
//! A warning is a release per recipient ([`decide`] with `warn`), published to the recipient's
//! collection and, when the operator configured one, pushed to the recipient's own TAXII server.
//! What recipients post back into their collection ([`on_feedback`]), first reads recorded by
//! the server, and the deadline [`Scheduler`] move the case on.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tearline_duty::{
    AckHow, Case, CaseError, CaseRecipient, Ctx, Decision, Event, Micros, NewCase, Opinion, OutcomeKind, Profile, ThreatAttributes, TimelineEntry,
    parse_threat_attributes,
};
use tearline_stix::Timestamp;
use tearline_store::{CaseEvent, CaseWrite, Partner, Role, Store, StoreError};

use crate::releases::{self, ApproveInput, Releaser};
use crate::{Action, Actor, ServiceError, ServiceResult};

/// Where "now" comes from: the system clock in the server, a hand-driven one in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> Micros;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Micros {
        Timestamp::now().as_micros()
    }
}

/// A clock that moves only when told (tests, the demo).
#[derive(Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn at(now: Micros) -> ManualClock {
        ManualClock(AtomicI64::new(now))
    }
    pub fn set(&self, now: Micros) {
        self.0.store(now, Ordering::SeqCst);
    }
    pub fn advance_secs(&self, secs: i64) {
        self.0.fetch_add(secs * 1_000_000, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Micros {
        self.0.load(Ordering::SeqCst)
    }
}

/// Where a recipient's own TAXII server is (configured by the operator, not stored in the
/// database: it carries a credential).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PushTarget {
    /// The collection's objects URL base: `https://host/taxii2/{root}/collections/{id}/`.
    pub collection_url: String,
    /// `Bearer` token, or `name:secret` for Basic.
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub basic: Option<String>,
}

/// Everything the case functions need besides the store.
pub struct Desk {
    pub profile: Profile,
    pub clock: Arc<dyn Clock>,
    pub notifier: crate::notify::Notifier,
    /// Partner name -> its own TAXII server.
    pub push: BTreeMap<String, PushTarget>,
    /// The producer's STIX identity (publisher of public advisory drafts).
    pub publisher_identity: String,
}

impl Desk {
    pub fn new(profile: Profile) -> Desk {
        let publisher_identity = crate::releases::Organisation::default().identity_id();
        Desk { profile, clock: Arc::new(SystemClock), notifier: crate::notify::Notifier::default(), push: BTreeMap::new(), publisher_identity }
    }
}

/// A case with the version it was read at.
#[derive(Debug, Clone)]
pub struct Stored {
    pub case: Case,
    pub version: i64,
}

/// A case as the API shows it: the case, its stage label and its version.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: Case,
    pub stage: &'static str,
    pub version: i64,
}

impl From<Stored> for CaseView {
    fn from(s: Stored) -> Self {
        CaseView { stage: s.case.stage_label(), case: s.case, version: s.version }
    }
}

fn case_error(e: CaseError) -> ServiceError {
    match e {
        CaseError::TwoPersonRule(m) => ServiceError::Forbidden(m),
        CaseError::NotResolver => ServiceError::Forbidden(e.to_string()),
        other => ServiceError::Invalid(other.to_string()),
    }
}

fn actor_name(actor: &Actor) -> String {
    match actor {
        Actor::Account(a) => a.name.clone(),
        Actor::Operator => tearline_store::ledger::OPERATOR.to_owned(),
    }
}

/// The role an event needs.
fn authorise(actor: &Actor, event: &Event) -> ServiceResult<()> {
    let role = match actor {
        Actor::Operator => {
            // Decisions and approvals need a person's authority (and a second person's).
            return match event {
                Event::Decide { .. } | Event::ApproveWaiver | Event::RejectWaiver { .. } | Event::BreakGlass { .. } => Err(ServiceError::Forbidden(
                    "decisions on a case are taken by a person with their own account: use the management API (tearline case ... --server URL with TEARLINE_TOKEN)".into(),
                )),
                _ => Ok(()),
            };
        }
        Actor::Account(a) => a.role,
    };
    let ok = match event {
        Event::Decide { .. } | Event::Disagreement { .. } => matches!(role, Role::Admin | Role::Analyst | Role::ReleaseOfficer),
        Event::ApproveWaiver | Event::RejectWaiver { .. } | Event::BreakGlass { .. } => matches!(role, Role::Admin | Role::ReleaseOfficer),
        // What recipients report comes in through their collection; by hand, analysts and up.
        _ => matches!(role, Role::Admin | Role::Analyst | Role::ReleaseOfficer),
    };
    if ok { Ok(()) } else { Err(ServiceError::Forbidden(format!("this account's role ({role}) may not {}", event.kind()))) }
}

/// The resolver role is held by admins.
fn is_resolver(actor: &Actor) -> bool {
    matches!(actor, Actor::Account(a) if a.role == Role::Admin)
}

fn to_write(case: &Case, expected_version: i64, entry: &TimelineEntry) -> ServiceResult<CaseWrite> {
    Ok(CaseWrite {
        id: case.id.clone(),
        expected_version,
        state: case.state.as_str().to_owned(),
        body: serde_json::to_value(case).map_err(|e| ServiceError::Invalid(format!("case cannot be stored: {e}")))?,
        event: CaseEvent {
            at: entry.at,
            actor: entry.actor.clone(),
            kind: entry.event.kind().to_owned(),
            detail: serde_json::to_value(&entry.event).map_err(|e| ServiceError::Invalid(format!("event cannot be stored: {e}")))?,
        },
    })
}

/// One case as stored.
pub async fn load(store: &dyn Store, id: &str) -> ServiceResult<Stored> {
    let row = store.case(id).await?.ok_or_else(|| ServiceError::NotFound(format!("case '{id}'")))?;
    let case: Case = serde_json::from_value(row.body).map_err(|e| ServiceError::Store(StoreError::Internal(format!("stored case {id} is unreadable: {e}"))))?;
    Ok(Stored { case, version: row.version })
}

/// Applies one event as `actor_name` and stores it; on a concurrent change, recomputes it on
/// the newer case (a few times). Returns the new case.
async fn change(store: &dyn Store, desk: &Desk, id: &str, actor_name: &str, resolver: bool, event: Event) -> ServiceResult<Stored> {
    let mut attempts = 0;
    loop {
        let current = load(store, id).await?;
        let mut ctx = Ctx::new(desk.clock.now(), actor_name, &desk.profile);
        if resolver {
            ctx = ctx.as_resolver();
        }
        let next = tearline_duty::apply(&current.case, &event, &ctx).map_err(case_error)?;
        let entry = TimelineEntry { at: ctx.at, actor: actor_name.to_owned(), event: event.clone() };
        match store.put_case(to_write(&next, current.version, &entry)?).await {
            Ok(row) => return Ok(Stored { case: next, version: row.version }),
            Err(StoreError::Conflict(_)) if attempts < 5 => attempts += 1,
            Err(e) => return Err(e.into()),
        }
    }
}

async fn create(store: &dyn Store, desk: &Desk, author: &str, mut new: NewCase) -> ServiceResult<Stored> {
    let partners = store.partners().await?;
    let ctx = Ctx::new(desk.clock.now(), author, &desk.profile);
    if let Some(r) = &mut new.recipients {
        for rec in r.iter_mut() {
            let p = partners.iter().find(|p| p.profile.name == rec.partner && !p.removed).ok_or_else(|| ServiceError::NotFound(format!("partner '{}'", rec.partner)))?;
            rec.flags = flags_of(p)?;
        }
    }
    let (mut case, entry) = Case::create(new, &ctx).map_err(case_error)?;
    // Own citizens at risk too: the public advisory draft is made alongside, from the start.
    let opts = tearline_duty::AdvisoryOptions { publisher_identity: desk.publisher_identity.clone(), created: ctx.at };
    case.public_advisory = tearline_duty::public_advisory(&case, &desk.profile, &opts);
    // Recipients proposed from the jurisdiction map carry their partner's relationship flags.
    for rec in &mut case.recipients {
        if let Some(p) = partners.iter().find(|p| p.profile.name == rec.partner) {
            rec.flags = flags_of(p)?;
        }
    }
    let row = store.put_case(to_write(&case, 0, &entry)?).await?;
    desk.notifier.notify("case-opened", &case.id, &json!({"title": case.title, "state": case.state.as_str(), "urgency": case.urgency, "recipients": case.recipients.iter().map(|r| &r.partner).collect::<Vec<_>>()}));
    Ok(Stored { case, version: row.version })
}

fn flags_of(p: &Partner) -> ServiceResult<tearline_policy::RelationshipFlags> {
    Ok(releases::recipient_of(p)?.flags)
}

/// What an analyst opens a case from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenInput {
    #[serde(default)]
    pub title: Option<String>,
    /// Source object ids (at least one).
    pub sources: Vec<String>,
    /// Threat attributes; by default those the first source carrying the extension has.
    #[serde(default)]
    pub attributes: Option<ThreatAttributes>,
    /// Partner names to warn; by default proposed from the jurisdiction map.
    #[serde(default)]
    pub recipients: Option<Vec<String>>,
}

/// Opens a case from any objects the analyst may read.
pub async fn open(store: &dyn Store, actor: &Actor, desk: &Desk, input: OpenInput) -> ServiceResult<Stored> {
    actor.require(Action::Ingest)?;
    let sources = releases::gather_sources(store, actor, &input.sources).await?;
    let attributes = match input.attributes {
        Some(a) => a,
        None => input
            .sources
            .iter()
            .filter_map(|id| sources.iter().find(|o| o.get("id").and_then(Value::as_str) == Some(id)))
            .find_map(|o| parse_threat_attributes(o).ok().flatten())
            .ok_or_else(|| ServiceError::Invalid("no source carries threat attributes (the tearline-threat extension); give them with the case".into()))?,
    };
    let title = input.title.unwrap_or_else(|| default_title(&attributes));
    let new = NewCase {
        id: format!("duty-case--{}", uuid::Uuid::new_v4()),
        title,
        attributes,
        source_object_ids: input.sources.clone(),
        recipients: input.recipients.map(|r| r.into_iter().map(CaseRecipient::new).collect()),
        proposed: false,
    };
    create(store, desk, &actor_name(actor), new).await
}

fn default_title(a: &ThreatAttributes) -> String {
    match (&a.victim, a.specificity.get("what")) {
        (Some(v), _) => format!("Threat to {}", v.name),
        (None, Some(w)) => w.to_owned(),
        (None, None) => "Threat to life".into(),
    }
}

/// Raises a case for each ingested object whose threat attributes meet the profile (once per
/// object: the case id derives from the object id). Returns the ids of cases raised now.
/// Objects without the extension cost one map lookup.
pub async fn raise_from_objects(store: &dyn Store, desk: &Desk, author: &str, objects: &[Value]) -> ServiceResult<Vec<String>> {
    let mut raised = Vec::new();
    for o in objects {
        let Some(id) = o.get("id").and_then(Value::as_str) else { continue };
        let attributes = match parse_threat_attributes(o) {
            Ok(Some(a)) => a,
            Ok(None) => continue,
            Err(e) => {
                tracing::info!(object = id, error = %e, "threat attributes unreadable; no case raised");
                continue;
            }
        };
        if !tearline_duty::assess(&attributes, &desk.profile).duty {
            continue;
        }
        let case_id = NewCase::derive_id(id);
        if store.case(&case_id).await?.is_some() {
            continue;
        }
        let title = o.get("name").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| default_title(&attributes));
        let new = NewCase { id: case_id.clone(), title, attributes, source_object_ids: vec![id.to_owned()], recipients: None, proposed: false };
        match create(store, desk, author, new).await {
            Ok(_) => raised.push(case_id),
            // Raised by a concurrent ingest of the same object.
            Err(ServiceError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(raised)
}

/// Proposes a case from an open-source article's extraction (for an analyst to confirm or
/// dismiss). Returns the case id if one was proposed now.
pub async fn propose_from_text(
    store: &dyn Store,
    desk: &Desk,
    author: &str,
    report_id: &str,
    extraction: &tearline_osint::Extraction,
    gazetteer: &tearline_osint::Gazetteer,
) -> ServiceResult<Option<String>> {
    let Some(mut new) = tearline_duty::propose_from_extraction(extraction, gazetteer, &desk.profile) else { return Ok(None) };
    new.id = NewCase::derive_id(report_id);
    new.source_object_ids = vec![report_id.to_owned()];
    if store.case(&new.id).await?.is_some() {
        return Ok(None);
    }
    let id = new.id.clone();
    match create(store, desk, author, new).await {
        Ok(_) => Ok(Some(id)),
        Err(ServiceError::Conflict(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn list(store: &dyn Store, actor: &Actor) -> ServiceResult<Vec<CaseView>> {
    actor.require(Action::Read)?;
    let mut out = Vec::new();
    for row in store.cases().await? {
        let version = row.version;
        let case: Case = serde_json::from_value(row.body).map_err(|e| ServiceError::Store(StoreError::Internal(format!("stored case is unreadable: {e}"))))?;
        out.push(Stored { case, version }.into());
    }
    Ok(out)
}

pub async fn show(store: &dyn Store, actor: &Actor, id: &str) -> ServiceResult<CaseView> {
    actor.require(Action::Read)?;
    Ok(load(store, id).await?.into())
}

/// The case's timeline, oldest first.
pub async fn timeline(store: &dyn Store, actor: &Actor, id: &str) -> ServiceResult<Vec<TimelineEntry>> {
    actor.require(Action::Read)?;
    // An unknown case is not found (its event list would just be empty).
    store.case(id).await?.ok_or_else(|| ServiceError::NotFound(format!("case '{id}'")))?;
    events_of(store, id).await
}

async fn events_of(store: &dyn Store, id: &str) -> ServiceResult<Vec<TimelineEntry>> {
    store
        .case_events(id)
        .await?
        .into_iter()
        .map(|e| {
            let event: Event = serde_json::from_value(e.detail).map_err(|err| ServiceError::Store(StoreError::Internal(format!("stored case event is unreadable: {err}"))))?;
            Ok(TimelineEntry { at: e.at, actor: e.actor, event })
        })
        .collect()
}

/// Records an event taken by a person (confirm, dismiss, edits, waiver approval, break-glass,
/// disagreement, manual delivery and acknowledgement, outcome). Warn decisions go through
/// [`decide`], which also makes the releases.
pub async fn record(store: &dyn Store, actor: &Actor, desk: &Desk, id: &str, event: Event) -> ServiceResult<Stored> {
    actor.require(Action::Read)?;
    authorise(actor, &event)?;
    if matches!(event, Event::Decide { decision: Decision::Warn { .. } }) {
        return Err(ServiceError::Invalid("a warn decision makes releases: use the decide operation".into()));
    }
    if matches!(event, Event::Created { .. } | Event::Published { .. } | Event::Retrieved { .. } | Event::DeadlineNearing { .. } | Event::DeadlineMissed { .. }) {
        return Err(ServiceError::Invalid(format!("'{}' is recorded by the server itself", event.kind())));
    }
    change(store, desk, id, &actor_name(actor), is_resolver(actor), event).await
}

/// What a warn decision carries besides the channel.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarnOptions {
    /// Overrides of blocking lint findings, per partner (or for all with key `*`).
    #[serde(default)]
    pub overrides: BTreeMap<String, Vec<releases::OverrideInput>>,
    #[serde(default)]
    pub justification: Option<String>,
}

/// The outcome of a decision.
#[derive(Debug, Clone, Serialize)]
pub struct Decided {
    pub case: CaseView,
    /// For a warning: the releases made, one per recipient.
    pub releases: Vec<Published>,
    /// Recipients whose release could not be made (after at least one was): say why, so a
    /// person acts on it. The case records the ones made.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<Failed>,
    /// When own citizens are at risk: the public advisory draft (TLP:CLEAR).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_advisory: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failed {
    pub partner: String,
    pub error: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub partner: String,
    pub release_id: String,
    pub content_hash: String,
    pub channel: String,
}

/// Decides a case: warn (compile, sign and publish a release per recipient, push where
/// configured), waive (pending a second person's approval) or escalate.
///
/// A warning's releases are drafted by the case's author and approved by the deciding account,
/// so the release two-person rule holds when they differ.
pub async fn decide(store: &dyn Store, actor: &Actor, desk: &Desk, rel: &Releaser, id: &str, decision: Decision, opts: WarnOptions) -> ServiceResult<Decided> {
    let event = Event::Decide { decision: decision.clone() };
    authorise(actor, &event)?;
    let name = actor_name(actor);
    let Decision::Warn { channel, .. } = &decision else {
        let stored = change(store, desk, id, &name, is_resolver(actor), event).await?;
        return Ok(Decided { case: stored.into(), releases: Vec::new(), failed: Vec::new(), public_advisory: None });
    };
    let before = load(store, id).await?;
    // Check the decision applies before anything is released.
    let ctx = Ctx::new(desk.clock.now(), &name, &desk.profile);
    let ctx = if is_resolver(actor) { ctx.as_resolver() } else { ctx };
    tearline_duty::apply(&before.case, &event, &ctx).map_err(case_error)?;
    // The releases first: a warning nobody may approve leaves the case as it was.
    let mut made = Vec::new();
    let mut failed = Vec::new();
    for recipient in &before.case.recipients {
        let overrides = opts.overrides.get(&recipient.partner).or_else(|| opts.overrides.get("*")).cloned().unwrap_or_default();
        let input = ApproveInput {
            partner: recipient.partner.clone(),
            sources: before.case.source_object_ids.clone(),
            draft: None,
            overrides,
            justification: opts.justification.clone().or_else(|| Some(format!("duty to warn: case {id}"))),
            supersedes: None,
            name: Some(format!("Warning: {}", before.case.title)),
            variants: None,
            author: Some(before.case.author.clone()),
        };
        match releases::approve(store, actor, rel, input).await {
            Ok(record) => made.push(record),
            Err(e) if made.is_empty() => return Err(e),
            Err(e) => failed.push(Failed { partner: recipient.partner.clone(), error: e.to_string() }),
        }
    }
    let mut stored = change(store, desk, id, &name, is_resolver(actor), event).await?;
    let mut published = Vec::new();
    for record in made {
        let mut delivered = format!("taxii-collection:{}", record.partner);
        if let Some(target) = desk.push.get(&record.partner) {
            match crate::push::push_release(target, &record.bundle).await {
                Ok(receipt) => delivered = format!("taxii-push:{} ({})", target.collection_url, receipt),
                Err(e) => {
                    tracing::warn!(partner = %record.partner, error = %e, "push to the recipient's TAXII server failed; the warning stays in its collection here");
                    desk.notifier.notify("push-failed", id, &json!({"partner": record.partner, "error": e.to_string()}));
                }
            }
        }
        let channel = if channel.is_empty() || channel == "taxii" { delivered } else { format!("{channel}; {delivered}") };
        let ev = Event::Published { partner: record.partner.clone(), release_id: record.manifest_id.clone(), content_hash: record.content_hash.clone(), channel: channel.clone() };
        stored = change(store, desk, id, &name, false, ev).await?;
        published.push(Published { partner: record.partner, release_id: record.manifest_id, content_hash: record.content_hash, channel });
    }
    for f in &failed {
        desk.notifier.notify("warning-not-released", id, &json!({"partner": f.partner, "error": f.error}));
    }
    let advisory = stored.case.public_advisory.as_ref().and_then(|a| serde_json::to_value(a).ok());
    Ok(Decided { case: stored.into(), releases: published, failed, public_advisory: advisory })
}

/// The human-readable warning for one recipient of a warned case (plain text and HTML), for
/// delivery in person or by a liaison.
pub async fn document(store: &dyn Store, actor: &Actor, desk: &Desk, rel: &Releaser, id: &str, partner: &str) -> ServiceResult<tearline_duty::WarningDocument> {
    actor.require(Action::Read)?;
    let stored = load(store, id).await?;
    let recipient = stored.case.recipient(partner).ok_or_else(|| ServiceError::NotFound(format!("recipient '{partner}' of case '{id}'")))?;
    let delivery = stored.case.deliveries.get(partner);
    let release_id = delivery.and_then(|d| d.release_id.clone()).unwrap_or_default();
    let content_hash = delivery.and_then(|d| d.content_hash.clone()).unwrap_or_default();
    let issued = delivery.map_or(desk.clock.now(), |d| d.published_at);
    Ok(tearline_duty::render_warning(&tearline_duty::WarningInput {
        case: &stored.case,
        recipient,
        release_id: &release_id,
        content_hash: &content_hash,
        issuer: &rel.organisation.name,
        issued,
        profile: &desk.profile,
    }))
}

/// What a recipient posted into its collection, applied to the cases whose releases it refers
/// to: a note or opinion referencing a release's report acknowledges it; an opinion of
/// disagreement opens a review; a note or sighting with an outcome reports it. Returns how many
/// case events were recorded.
pub async fn on_feedback(store: &dyn Store, desk: &Desk, partner: &str, account: &str, objects: &[Value]) -> ServiceResult<usize> {
    let mut recorded = 0;
    let mut cases: Option<Vec<Stored>> = None;
    for o in objects {
        let kind = o.get("type").and_then(Value::as_str).unwrap_or_default();
        if !matches!(kind, "note" | "opinion" | "sighting") {
            continue;
        }
        let refs: Vec<&str> = ["object_refs", "where_sighted_refs"]
            .iter()
            .flat_map(|k| o.get(*k).and_then(Value::as_array).into_iter().flatten())
            .chain(o.get("sighting_of_ref"))
            .filter_map(Value::as_str)
            .collect();
        if refs.is_empty() {
            continue;
        }
        let all = match &cases {
            Some(c) => c,
            None => cases.insert(all_cases(store).await?),
        };
        for stored in all.iter() {
            let Some(delivery) = stored.case.deliveries.get(partner) else { continue };
            let Some(release_id) = delivery.release_id.as_deref().filter(|r| refs.contains(r) || delivery.earlier_releases.iter().any(|e| refs.contains(&e.as_str()))) else {
                continue;
            };
            let mut events = Vec::new();
            match kind {
                "opinion" => {
                    let opinion = o.get("opinion").cloned().and_then(|v| serde_json::from_value::<Opinion>(v).ok()).unwrap_or(Opinion::Neutral);
                    let comment = o.get("explanation").and_then(Value::as_str).unwrap_or_default().to_owned();
                    events.push(Event::Opinion { partner: partner.to_owned(), release_id: release_id.to_owned(), opinion, comment });
                }
                _ => {
                    if delivery.acknowledged_at.is_none() {
                        events.push(Event::Acknowledged { partner: partner.to_owned(), by: account.to_owned(), how: if kind == "note" { AckHow::Note } else { AckHow::Other } });
                    }
                }
            }
            if let Some(outcome) = outcome_of(o) {
                let note = o.get("content").or_else(|| o.get("description")).and_then(Value::as_str).unwrap_or_default().to_owned();
                events.push(Event::Outcome { partner: partner.to_owned(), outcome, note });
            }
            for ev in events {
                let what = ev.kind();
                match change(store, desk, &stored.case.id, account, false, ev).await {
                    Ok(_) => {
                        recorded += 1;
                        desk.notifier.notify("feedback", &stored.case.id, &json!({"partner": partner, "account": account, "event": what, "object": o.get("id")}));
                    }
                    Err(ServiceError::Invalid(why)) => tracing::info!(case = %stored.case.id, partner, why, "feedback not applied to the case"),
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(recorded)
}

/// The outcome a feedback object reports: `x_tearline_outcome`, or a label `outcome:<kind>`.
pub fn outcome_of(o: &Value) -> Option<OutcomeKind> {
    let text = o
        .get("x_tearline_outcome")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| o.get("labels").and_then(Value::as_array)?.iter().filter_map(Value::as_str).find_map(|l| l.strip_prefix("outcome:").map(str::to_owned)))?;
    serde_json::from_value(Value::String(text.trim().replace(' ', "-").to_ascii_lowercase())).ok()
}

async fn all_cases(store: &dyn Store) -> ServiceResult<Vec<Stored>> {
    let mut out = Vec::new();
    for row in store.cases().await? {
        let case: Case = serde_json::from_value(row.body).map_err(|e| ServiceError::Store(StoreError::Internal(format!("stored case is unreadable: {e}"))))?;
        out.push(Stored { case, version: row.version });
    }
    Ok(out)
}

/// The deadline scheduler: one pass over the open cases at the clock's `now`. Records first
/// reads of published warnings (from the server's retrieval records) and raises the deadline
/// alerts that are due (each once), notifying people. Returns the events recorded.
pub struct Scheduler;

impl Scheduler {
    pub const ACTOR: &'static str = "scheduler";

    pub async fn tick(store: &dyn Store, desk: &Desk) -> ServiceResult<Vec<(String, String)>> {
        let mut done = Vec::new();
        let mut cases = all_cases(store).await?;
        for s in &mut cases {
            let unread: Vec<(String, String)> =
                s.case.deliveries.iter().filter(|(_, d)| d.retrieved_at.is_none()).filter_map(|(p, d)| Some((p.clone(), d.release_id.clone()?))).collect();
            for (partner, release) in unread {
                if let Some(first) = store.retrievals(Some(&release)).await?.first() {
                    let ev = Event::Retrieved { partner: partner.clone() };
                    if let Ok(next) = change(store, desk, &s.case.id, &first.account, false, ev).await {
                        *s = next;
                        done.push((s.case.id.clone(), format!("retrieved by {partner}")));
                    }
                }
            }
        }
        let now = desk.clock.now();
        let cases: Vec<Case> = cases.into_iter().map(|s| s.case).collect();
        for due in tearline_duty::due(&cases, now, &desk.profile) {
            let what = format!("{} {}", due.event.kind(), due.stage.as_str());
            match change(store, desk, &due.case_id, Self::ACTOR, false, due.event.clone()).await {
                Ok(_) => {
                    desk.notifier.notify(due.event.kind(), &due.case_id, &json!({"stage": due.stage.as_str(), "deadline": due.deadline, "out_of_band": due.out_of_band}));
                    done.push((due.case_id.clone(), what));
                }
                Err(ServiceError::Invalid(why)) => tracing::debug!(case = %due.case_id, why, "alert not applied"),
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

/// Time-to-decide / deliver / acknowledge and outcomes per partner, over every case.
pub async fn metrics(store: &dyn Store, actor: &Actor) -> ServiceResult<tearline_duty::Metrics> {
    actor.require(Action::Read)?;
    let mut timelines = Vec::new();
    for row in store.cases().await? {
        timelines.push(events_of(store, &row.id).await?);
    }
    Ok(tearline_duty::metrics(timelines.iter().map(Vec::as_slice)))
}

#[cfg(test)]
mod tests {
    use tearline_store::{NewCollection, Role, secret};

    use tearline_duty::CaseState;

    use super::*;
    use crate::releases::{Organisation, ReleaseSettings};

    const SAYYIDA: &str = include_str!("../../../data/demo/sayyida-zaynab-2025.json");

    struct Env {
        _d: tempfile::TempDir,
        store: tearline_store_sqlite::SqliteStore,
        desk: Desk,
        clock: Arc<ManualClock>,
        rel: Releaser,
        ana: Actor,
        rob: Actor,
        ada: Actor,
        report: String,
    }

    async fn env() -> Env {
        let d = tempfile::tempdir().unwrap();
        let store = tearline_store_sqlite::SqliteStore::open(d.path().join("t.db")).unwrap();
        let mut actors = Vec::new();
        for (n, r) in [("ana", Role::Analyst), ("rob", Role::ReleaseOfficer), ("ada", Role::Admin)] {
            actors.push(Actor::Account(store.add_account(n, r, secret::hash(&secret::generate())).await.unwrap()));
        }
        let coll = store
            .add_collection(NewCollection { api_root: "default".into(), title: "intel".into(), readers: vec!["ana".into(), "rob".into(), "ada".into()], writers: vec!["ana".into()], ..Default::default() })
            .await
            .unwrap();
        let objects: Vec<Value> = serde_json::from_str::<Value>(SAYYIDA).unwrap()["objects"].as_array().unwrap().clone();
        store.add_objects(&coll.id, objects.iter().enumerate().map(|(i, o)| crate::ingest::submission(i, o)).collect(), None).await.unwrap();
        let input = crate::partners::PartnerInput { name: Some("syria-gsd".into()), country: Some("SYR".into()), flags: Some(vec!["not-recognised".into()]), ..Default::default() };
        let partner = crate::partners::add(&store, &Actor::Operator, input).await.unwrap();
        crate::partners::add(&store, &Actor::Operator, crate::partners::PartnerInput { name: Some("other".into()), country: Some("TUR".into()), ..Default::default() }).await.unwrap();
        let org = Organisation { name: "Producer".into(), identity: None, country: Some("USA".into()) };
        let settings = ReleaseSettings { clients: vec![partner.profile.identity_id.clone()], ..Default::default() };
        let rel = Releaser::new(org, settings, d.path().join("tearline.key")).unwrap();
        let clock = Arc::new(ManualClock::at(1_736_240_000_000_000));
        let mut desk = Desk::new(Profile::default_profile());
        desk.clock = clock.clone();
        let report = objects.iter().find(|o| o["type"] == "report").unwrap()["id"].as_str().unwrap().to_owned();
        let ada = actors.pop().unwrap();
        let rob = actors.pop().unwrap();
        let ana = actors.pop().unwrap();
        Env { _d: d, store, desk, clock, rel, ana, rob, ada, report }
    }

    fn warn() -> Decision {
        Decision::Warn { channel: "taxii".into(), justification: None }
    }

    async fn open_case(e: &Env, by: &Actor) -> String {
        let input = OpenInput { title: None, sources: vec![e.report.clone()], attributes: None, recipients: None };
        open(&e.store, by, &e.desk, input).await.unwrap().case.id
    }

    #[tokio::test]
    async fn a_warning_takes_a_person_and_a_second_one_for_flagged_recipients() {
        let e = env().await;
        let id = open_case(&e, &e.ada).await;
        let c = load(&e.store, &id).await.unwrap().case;
        assert_eq!(c.recipients.iter().map(|r| r.partner.as_str()).collect::<Vec<_>>(), ["syria-gsd"], "proposed from the jurisdiction map");
        assert!(c.recipients[0].flags.not_recognised, "with the partner's relationship flags");
        let refuse = |r: ServiceResult<Decided>| assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{r:?}");
        refuse(decide(&e.store, &Actor::Operator, &e.desk, &e.rel, &id, warn(), WarnOptions::default()).await);
        // The case author cannot also approve the release to a not-recognised authority.
        refuse(decide(&e.store, &e.ada, &e.desk, &e.rel, &id, warn(), WarnOptions::default()).await);
        assert!(e.store.releases(None).await.unwrap().is_empty(), "nothing released by a refused decision");
        assert_eq!(load(&e.store, &id).await.unwrap().case.state, CaseState::Open, "and the case did not move");
        let d = decide(&e.store, &e.rob, &e.desk, &e.rel, &id, warn(), WarnOptions::default()).await.unwrap();
        assert_eq!(d.releases.len(), 1);
        let r = e.store.release(&d.releases[0].release_id).await.unwrap().unwrap();
        assert_eq!((r.author.as_str(), r.approver.as_str()), ("ada", "rob"), "drafted by the case author, approved by the decider");
        assert_eq!(d.case.case.state, CaseState::Published);
    }

    #[tokio::test]
    async fn feedback_counts_only_from_the_recipient_and_about_its_release() {
        let e = env().await;
        let id = open_case(&e, &e.ana).await;
        let d = decide(&e.store, &e.rob, &e.desk, &e.rel, &id, warn(), WarnOptions::default()).await.unwrap();
        let release = d.releases[0].release_id.clone();
        let note = |refs: Value| json!({"type": "note", "id": "note--00000000-0000-4000-8000-000000000001", "content": "received", "object_refs": refs});
        assert_eq!(on_feedback(&e.store, &e.desk, "other", "x", &[note(json!([release]))]).await.unwrap(), 0, "another partner's note");
        assert_eq!(on_feedback(&e.store, &e.desk, "syria-gsd", "m", &[note(json!(["report--00000000-0000-4000-8000-000000000009"]))]).await.unwrap(), 0, "about something else");
        assert_eq!(load(&e.store, &id).await.unwrap().case.state, CaseState::Published);
        let mut outcome = note(json!([release]));
        outcome["labels"] = json!(["outcome:foiled"]);
        assert_eq!(on_feedback(&e.store, &e.desk, "syria-gsd", "m", &[outcome]).await.unwrap(), 2, "acknowledged and outcome");
        let c = load(&e.store, &id).await.unwrap().case;
        assert_eq!(c.state, CaseState::Acknowledged);
        assert_eq!(c.deliveries["syria-gsd"].outcome, Some(OutcomeKind::Foiled));
        let kinds: Vec<String> = timeline(&e.store, &e.ana, &id).await.unwrap().iter().map(|t| t.event.kind().to_owned()).collect();
        assert_eq!(kinds, ["created", "decide-warn", "published", "acknowledged", "outcome"]);
        let ledger = e.store.ledger_entries(&tearline_store::LedgerQuery { subject: Some(id.clone()), ..Default::default() }).await.unwrap();
        assert_eq!(ledger.len(), 5, "one ledger entry per case event");
        assert_eq!(ledger[3].kind, "case.acknowledged");
    }

    #[tokio::test]
    async fn deadlines_follow_the_injected_clock_and_alert_once() {
        let e = env().await;
        let id = open_case(&e, &e.ana).await;
        let c = load(&e.store, &id).await.unwrap().case;
        e.clock.set(c.deadlines.decide_by + 1);
        let first = Scheduler::tick(&e.store, &e.desk).await.unwrap();
        assert!(first.iter().any(|(case, what)| case == &id && what.contains("deadline-missed decide")), "{first:?}");
        assert!(Scheduler::tick(&e.store, &e.desk).await.unwrap().is_empty(), "each alert once");
        assert_eq!(load(&e.store, &id).await.unwrap().case.state, CaseState::Escalated, "a missed decision escalates to the resolver");
    }

    #[tokio::test]
    async fn waivers_need_a_listed_ground_the_victim_and_a_second_person() {
        let e = env().await;
        let id = open_case(&e, &e.ana).await;
        let waive = |ground: &str| Decision::Waive { ground: ground.into(), justification: "considered at length by the desk".into(), sanitised_drafts: vec![] };
        for bad in ["recipient-is-hostile", "sharing-implies-support", "victim-is-terrorist-or-criminal", "not-a-ground"] {
            let r = decide(&e.store, &e.ana, &e.desk, &e.rel, &id, waive(bad), WarnOptions::default()).await;
            assert!(matches!(r, Err(ServiceError::Invalid(_))), "{bad}: {r:?}");
        }
        decide(&e.store, &e.ana, &e.desk, &e.rel, &id, waive("no-reasonable-way-to-warn"), WarnOptions::default()).await.unwrap();
        assert_eq!(load(&e.store, &id).await.unwrap().case.state, CaseState::WaiverPending);
        assert!(matches!(record(&e.store, &e.ana, &e.desk, &id, Event::ApproveWaiver).await, Err(ServiceError::Forbidden(_))), "an analyst does not approve");
        record(&e.store, &e.rob, &e.desk, &id, Event::ApproveWaiver).await.unwrap();
        assert_eq!(load(&e.store, &id).await.unwrap().case.state, CaseState::Waived);
    }

    #[tokio::test]
    async fn an_article_about_a_planned_attack_proposes_a_case_to_confirm() {
        let e = env().await;
        let coll = e.store.collections().await.unwrap().into_iter().find(|c| c.title == "intel").unwrap();
        let article = crate::osint::ArticleInput {
            name: "wire-1".into(),
            text: "+++\noutlet = \"Example Wire\"\npublished = \"2025-01-06\"\n+++\nIslamic State militants are plotting a bomb attack on the Sayyida Zaynab shrine on January 11, officials warned.".into(),
            meta_toml: None,
        };
        let out = crate::osint::ingest(&e.store, &e.ana, &coll.id, vec![article], Some(&e.desk)).await.unwrap();
        let id = out.articles[0].proposed_case.clone().expect("a proposed case");
        let c = load(&e.store, &id).await.unwrap().case;
        assert_eq!(c.state, CaseState::Proposed);
        assert!(!c.attributes.credible, "credibility is a person's call");
        // Confirming needs a duty: an analyst first assesses the attributes.
        assert!(matches!(record(&e.store, &e.ana, &e.desk, &id, Event::Confirm).await, Err(ServiceError::Invalid(_))));
        let mut attributes = c.attributes.clone();
        attributes.credible = true;
        record(&e.store, &e.ana, &e.desk, &id, Event::AttributesEdited { attributes: Box::new(attributes) }).await.unwrap();
        record(&e.store, &e.ana, &e.desk, &id, Event::Confirm).await.unwrap();
        assert_eq!(load(&e.store, &id).await.unwrap().case.state, CaseState::Open);
    }
}
