//! Duty-to-warn cases and their state machine: [`apply`]`(case, event, ctx)`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use tearline_policy::RelationshipFlags;

use crate::assess::{Assessment, assess};
use crate::attributes::{ThreatAttributes, Victim};
use crate::profile::Profile;
use crate::timeline::TimelineEntry;
use crate::{MICROS_PER_MINUTE, Micros};

/// A deadline stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Warn / waive decided.
    Decide,
    /// Published to every recipient.
    Deliver,
    /// Acknowledged by every recipient.
    Acknowledge,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Decide => "decide",
            Stage::Deliver => "deliver",
            Stage::Acknowledge => "acknowledge",
        }
    }
}

/// A case's deadlines. `decide_by` and `deliver_by` run from the case's creation (when the
/// threat entered the system); `acknowledge_by` is set when the warning has been published to
/// every recipient, from that moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub decide_by: Micros,
    pub deliver_by: Micros,
    /// Length of the acknowledgement stage (µs).
    pub acknowledge_within: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledge_by: Option<Micros>,
}

impl Deadlines {
    /// The deadlines of an urgency level (id or alias) of `profile`, from `start`; the most
    /// urgent level when unknown.
    pub fn for_urgency(profile: &Profile, urgency: &str, start: Micros) -> Deadlines {
        let u = profile.urgency(urgency).unwrap_or(&profile.urgency[0]);
        let m = |x: u32| i64::from(x) * MICROS_PER_MINUTE;
        Deadlines { decide_by: start + m(u.decide_minutes), deliver_by: start + m(u.deliver_minutes), acknowledge_within: m(u.acknowledge_minutes), acknowledge_by: None }
    }

    pub fn of(&self, stage: Stage) -> Option<Micros> {
        match stage {
            Stage::Decide => Some(self.decide_by),
            Stage::Deliver => Some(self.deliver_by),
            Stage::Acknowledge => self.acknowledge_by,
        }
    }
}

/// A recipient to warn: a partner name (its tearline partner record) and a snapshot of its
/// relationship flags (they put the no-endorsement statement on documents; they are never a
/// reason to withhold, and never satisfy a victim-based waiver ground).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecipient {
    pub partner: String,
    #[serde(default)]
    pub flags: RelationshipFlags,
}

impl CaseRecipient {
    pub fn new(partner: impl Into<String>) -> CaseRecipient {
        CaseRecipient { partner: partner.into(), flags: RelationshipFlags::default() }
    }

    pub fn with_flags(partner: impl Into<String>, flags: RelationshipFlags) -> CaseRecipient {
        CaseRecipient { partner: partner.into(), flags }
    }

    /// Releases to this recipient carry the no-endorsement statement (flagged hostile or not
    /// recognised: the same rule as `tearline-policy`'s release re-marking).
    pub fn needs_no_endorsement(&self) -> bool {
        self.flags.hostile || self.flags.not_recognised
    }
}

/// Where a case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseState {
    /// Machine-proposed (e.g. from open-source text); a person confirms or dismisses it.
    Proposed,
    /// Confirmed; a decision is due.
    Open,
    /// With the resolver role (disagreement, explicit escalation, missed decision deadline).
    Escalated,
    /// A waiver was proposed and awaits a second person's approval.
    WaiverPending,
    /// Warn decided; not yet published to every recipient.
    DecidedWarn,
    /// Published to every recipient.
    Published,
    /// Every recipient has read it.
    Retrieved,
    /// Terminal: warned and acknowledged by every recipient.
    Acknowledged,
    /// Terminal: warned, no acknowledgement by the deadline; escalated to an out-of-band channel.
    NoAckOutOfBand,
    /// Terminal: closed without warning on an approved waiver.
    Waived,
    /// Terminal: a proposal rejected before it became a case.
    Dismissed,
}

impl CaseState {
    pub fn is_terminal(self) -> bool {
        matches!(self, CaseState::Acknowledged | CaseState::NoAckOutOfBand | CaseState::Waived | CaseState::Dismissed)
    }

    /// A warning was decided (delivery states, terminal or not).
    pub fn is_warned(self) -> bool {
        matches!(self, CaseState::DecidedWarn | CaseState::Published | CaseState::Retrieved | CaseState::Acknowledged | CaseState::NoAckOutOfBand)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Proposed => "proposed",
            CaseState::Open => "open",
            CaseState::Escalated => "escalated",
            CaseState::WaiverPending => "waiver-pending",
            CaseState::DecidedWarn => "decided-warn",
            CaseState::Published => "published",
            CaseState::Retrieved => "retrieved",
            CaseState::Acknowledged => "acknowledged",
            CaseState::NoAckOutOfBand => "no-ack-out-of-band",
            CaseState::Waived => "waived",
            CaseState::Dismissed => "dismissed",
        }
    }
}

/// A further-sanitised draft considered for a sources-and-methods waiver and rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedDraft {
    /// The draft's reference (release preview token or content hash).
    pub draft: String,
    /// Why even this draft would endanger sources or methods.
    pub reason: String,
}

/// A decision on an open (or escalated) case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "decision")]
pub enum Decision {
    /// Warn the recipients through `channel` (e.g. `taxii`, `direct-meeting`, `liaison`).
    Warn {
        channel: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
    },
    /// Close without warning: a ground from the profile's closed list.
    Waive {
        ground: String,
        justification: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        sanitised_drafts: Vec<RejectedDraft>,
    },
    /// Hand the decision to the resolver role.
    Escalate { reason: String },
}

/// What internal parties disagree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DisagreementTopic {
    Warn,
    Waive,
    Channel,
}

/// How a recipient acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AckHow {
    /// A STIX note referencing the release.
    Note,
    /// A STIX opinion referencing the release.
    Opinion,
    /// Said so in a meeting / call, recorded by the officer present.
    InPerson,
    Other,
}

/// STIX opinion values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Opinion {
    StronglyDisagree,
    Disagree,
    Neutral,
    Agree,
    StronglyAgree,
}

impl Opinion {
    pub fn is_disagreement(self) -> bool {
        matches!(self, Opinion::StronglyDisagree | Opinion::Disagree)
    }
}

/// A reported outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeKind {
    Foiled,
    Mitigated,
    AttackOccurred,
    NoActivity,
    Unknown,
}

impl OutcomeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Foiled => "foiled",
            OutcomeKind::Mitigated => "mitigated",
            OutcomeKind::AttackOccurred => "attack-occurred",
            OutcomeKind::NoActivity => "no-activity",
            OutcomeKind::Unknown => "unknown",
        }
    }
}

/// A warning handed over outside tearline (in person, by liaison).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualDelivery {
    pub delivered_by: String,
    /// The recipient partner.
    pub to: String,
    /// The person who received it, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_by: Option<String>,
    pub at: Micros,
    pub channel: String,
    /// The release whose content was handed over (what exactly was passed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_id: Option<String>,
}

/// Everything that can happen to a case. Each accepted event is one [`TimelineEntry`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "event")]
pub enum Event {
    /// The case was created (by [`Case::create`]; not accepted by [`apply`]).
    Created { proposed: bool },
    /// A person confirms a proposed case (a duty must arise).
    Confirm,
    /// A person rejects a proposed case.
    Dismiss { reason: String },
    /// Threat attributes corrected (re-assessed; the victim and urgency follow).
    AttributesEdited { attributes: Box<ThreatAttributes> },
    /// The victim record corrected (e.g. a designation added).
    VictimEdited { victim: Victim },
    /// Recipients edited (a recipient already delivered to cannot be removed).
    RecipientsEdited { recipients: Vec<CaseRecipient> },
    Decide { decision: Decision },
    /// Second-person approval of a pending waiver.
    ApproveWaiver,
    /// A pending waiver refused: back to open.
    RejectWaiver { reason: String },
    /// One person approves a pending waiver because no second approver is available in time.
    BreakGlass { justification: String },
    /// Internal parties disagree on warn / waive / channel: escalates to the resolver.
    Disagreement { topic: DisagreementTopic, parties: Vec<String>, note: String },
    /// A release was published to a recipient's collection (or pushed).
    Published { partner: String, release_id: String, content_hash: String, channel: String },
    /// First read with the recipient's credential.
    Retrieved { partner: String },
    /// The recipient acknowledged (`by`: its member or account).
    Acknowledged { partner: String, by: String, how: AckHow },
    /// A recipient's opinion on a release: acknowledges it; disagreement opens a review.
    Opinion {
        partner: String,
        release_id: String,
        opinion: Opinion,
        #[serde(default)]
        comment: String,
    },
    Outcome {
        partner: String,
        outcome: OutcomeKind,
        #[serde(default)]
        note: String,
    },
    /// The warning was handed over outside tearline (counts as published and read).
    ManualDelivery { delivery: ManualDelivery },
    /// The scheduler's reminder: a deadline is near.
    DeadlineNearing { stage: Stage },
    /// The scheduler's report: a deadline passed.
    DeadlineMissed { stage: Stage },
}

impl Event {
    /// One line describing the event (for timelines).
    pub fn describe(&self) -> String {
        match self {
            Event::Created { proposed: true } => "case proposed".into(),
            Event::Created { proposed: false } => "case opened".into(),
            Event::Confirm => "proposal confirmed: case opened".into(),
            Event::Dismiss { reason } => format!("proposal dismissed: {reason}"),
            Event::AttributesEdited { .. } => "threat attributes edited".into(),
            Event::VictimEdited { victim } => format!("victim edited: {}", victim.name),
            Event::RecipientsEdited { recipients } => {
                format!("recipients set to {}", recipients.iter().map(|r| r.partner.as_str()).collect::<Vec<_>>().join(", "))
            }
            Event::Decide { decision: Decision::Warn { channel, .. } } => format!("decided: warn via {channel}"),
            Event::Decide { decision: Decision::Waive { ground, .. } } => format!("decided: waive on ground {ground} (needs approval)"),
            Event::Decide { decision: Decision::Escalate { reason } } => format!("decided: escalate to resolver: {reason}"),
            Event::ApproveWaiver => "waiver approved".into(),
            Event::RejectWaiver { reason } => format!("waiver refused: {reason}"),
            Event::BreakGlass { justification } => format!("waiver approved by break-glass (queued for review): {justification}"),
            Event::Disagreement { topic, parties, note } => {
                format!("disagreement on {} between {}: {note}; escalated to resolver", match topic {
                    DisagreementTopic::Warn => "warn",
                    DisagreementTopic::Waive => "waive",
                    DisagreementTopic::Channel => "channel",
                }, parties.join(", "))
            }
            Event::Published { partner, release_id, content_hash, channel } => format!("published {release_id} ({content_hash}) to {partner} via {channel}"),
            Event::Retrieved { partner } => format!("retrieved by {partner}"),
            Event::Acknowledged { partner, by, how } => format!("acknowledged by {partner} ({by}, {})", match how {
                AckHow::Note => "note",
                AckHow::Opinion => "opinion",
                AckHow::InPerson => "in person",
                AckHow::Other => "other",
            }),
            Event::Opinion { partner, release_id, opinion, comment } => {
                let o = serde_json::to_value(opinion).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                if comment.is_empty() { format!("{partner} opinion on {release_id}: {o}") } else { format!("{partner} opinion on {release_id}: {o}: {comment}") }
            }
            Event::Outcome { partner, outcome, note } => {
                if note.is_empty() { format!("outcome from {partner}: {}", outcome.as_str()) } else { format!("outcome from {partner}: {}: {note}", outcome.as_str()) }
            }
            Event::ManualDelivery { delivery: d } => format!("delivered by hand to {} by {} via {} at {}", d.to, d.delivered_by, d.channel, crate::human_time(d.at)),
            Event::DeadlineNearing { stage } => format!("{} deadline nearing", stage.as_str()),
            Event::DeadlineMissed { stage } => format!("{} deadline missed", stage.as_str()),
        }
    }
}

/// Who acts, when, and with which profile.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub at: Micros,
    pub actor: &'a str,
    /// The actor holds the resolver role.
    pub resolver: bool,
    pub profile: &'a Profile,
}

impl<'a> Ctx<'a> {
    pub fn new(at: Micros, actor: &'a str, profile: &'a Profile) -> Ctx<'a> {
        Ctx { at, actor, resolver: false, profile }
    }

    pub fn as_resolver(mut self) -> Ctx<'a> {
        self.resolver = true;
        self
    }
}

/// The decision taken (warn or the waiver; escalations are in [`Case::escalations`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub decision: Decision,
    pub by: String,
    pub at: Micros,
}

/// A waiver, from proposal to approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverRecord {
    pub ground: String,
    pub justification: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sanitised_drafts: Vec<RejectedDraft>,
    pub proposed_by: String,
    pub proposed_at: Micros,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<Micros>,
    /// Set when approved by break-glass: the extra justification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub break_glass: Option<String>,
    /// A break-glass approval waits for after-the-fact review.
    #[serde(default)]
    pub review_queued: bool,
}

/// One recipient's delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub partner: String,
    /// Latest release (a correction replaces it; earlier ones stay in `earlier_releases`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    pub channel: String,
    pub published_at: Micros,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_releases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retrieved_at: Option<Micros>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<Micros>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_how: Option<AckHow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<OutcomeKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_at: Option<Micros>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manual: Vec<ManualDelivery>,
}

/// A review of a release a recipient disagreed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseReview {
    pub partner: String,
    pub release_id: String,
    pub opinion: Opinion,
    pub comment: String,
    pub opened_at: Micros,
}

/// Whom an escalation goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "to")]
pub enum EscalationTarget {
    /// The resolver role decides.
    Resolver,
    /// An out-of-band channel task (e.g. an in-person meeting) for these recipients.
    OutOfBand { partners: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub target: EscalationTarget,
    pub reason: String,
    pub at: Micros,
}

/// A scheduler alert kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlertKind {
    Nearing,
    Missed,
}

/// An alert already raised on a case (so the scheduler raises each once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Alert {
    pub stage: Stage,
    pub kind: AlertKind,
}

/// A duty-to-warn case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: String,
    pub title: String,
    /// Harm type id (from the attributes).
    pub harm: String,
    pub attributes: ThreatAttributes,
    pub assessment: Assessment,
    /// The intended victim: who or what is threatened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victim: Option<Victim>,
    /// Those to warn: responsible for protecting the victim. Not the victim.
    pub recipients: Vec<CaseRecipient>,
    /// Urgency level id of the profile.
    pub urgency: String,
    pub deadlines: Deadlines,
    pub state: CaseState,
    /// STIX ids of the objects the case rests on.
    pub source_object_ids: Vec<String>,
    pub author: String,
    pub created: Micros,
    /// Machine-proposed (e.g. from open-source text) rather than opened by a person.
    pub proposed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverRecord>,
    #[serde(default)]
    pub deliveries: BTreeMap<String, Delivery>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<ReleaseReview>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalations: Vec<Escalation>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub alerts: BTreeSet<Alert>,
    /// Own citizens are at risk too: a TLP:CLEAR public advisory is due alongside the warning.
    #[serde(default)]
    pub public_advisory_required: bool,
    /// The public advisory draft made alongside (see [`crate::public_advisory`]), for a person
    /// to clear and publish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_advisory: Option<crate::PublicAdvisory>,
}

/// What a new case starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    /// The case id (the caller makes it: e.g. [`NewCase::derive_id`] or a UUIDv4).
    pub id: String,
    pub title: String,
    pub attributes: ThreatAttributes,
    pub source_object_ids: Vec<String>,
    /// `None`: proposed from the profile's jurisdiction map by the victim's country / area.
    pub recipients: Option<Vec<CaseRecipient>>,
    pub proposed: bool,
}

impl NewCase {
    /// A deterministic case id (`duty-case--<uuidv5>`) from a key (e.g. sorted source ids).
    pub fn derive_id(key: &str) -> String {
        const NS: uuid::Uuid = uuid::Uuid::from_u128(0x8a1e_44c2_0d7b_4f3a_9c65_2e1b_7d40_c9f3);
        format!("duty-case--{}", uuid::Uuid::new_v5(&NS, key.as_bytes()))
    }
}

/// Why a waiver is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaiverError {
    #[error("'{ground}' is not a waiver ground; the closed list is: {}", allowed.join(", "))]
    UnknownGround { ground: String, allowed: Vec<String> },
    #[error("'{ground}' is not accepted as a waiver ground: {why}")]
    ForbiddenGround { ground: String, why: String },
    #[error("a waiver needs a written justification")]
    NoJustification,
    #[error("ground '{ground}' is about the victim, and the case records no victim; record the victim first")]
    NoVictim { ground: String },
    #[error("ground '{ground}' needs the victim '{victim}' to carry one of the designations {}; it carries {}. Designations of a recipient (the protector) never count", needs.join(", "), if has.is_empty() { "none".to_owned() } else { has.join(", ") })]
    VictimNotDesignated { ground: String, victim: String, needs: Vec<String>, has: Vec<String> },
    #[error("a sources-and-methods waiver needs at least one further-sanitised draft recorded as considered and rejected")]
    NoSanitisedDraft,
    #[error("the rejected sanitised draft '{0}' needs the reason it was rejected")]
    DraftWithoutReason(String),
}

/// Why an event cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("the case is closed ({state}); it cannot change state")]
    Terminal { state: &'static str },
    #[error("'{event}' is not possible while the case is {state}")]
    InvalidTransition { event: &'static str, state: &'static str },
    #[error("no duty to warn arises from these attributes ({0}); correct the attributes or share by ordinary policy")]
    NoDuty(String),
    #[error("only the resolver role can decide an escalated case")]
    NotResolver,
    #[error("two-person rule: {0} cannot approve a waiver they authored or proposed; another approver is needed (or break-glass)")]
    TwoPersonRule(String),
    #[error(transparent)]
    Waiver(#[from] WaiverError),
    #[error("a warning needs at least one recipient; add the partners responsible for protecting the victim")]
    NoRecipients,
    #[error("'{0}' is not a recipient of this case")]
    NotARecipient(String),
    #[error("'{0}' has not been delivered to yet")]
    NotDelivered(String),
    #[error("recipient '{0}' was already delivered to and cannot be removed")]
    RemovesDelivered(String),
    #[error("recipient '{0}' is listed twice")]
    DuplicateRecipient(String),
    #[error("'{0}' must not be empty")]
    Empty(&'static str),
    #[error("the {stage} deadline is not due yet at this time")]
    NotDue { stage: &'static str },
    #[error("the {stage} {kind} alert was already raised")]
    AlreadyRaised { stage: &'static str, kind: &'static str },
    #[error("the {0} stage is already complete")]
    StageComplete(&'static str),
    #[error("a case is created with Case::create, not by an event")]
    Created,
}

impl Event {
    /// The event's kind in kebab-case (how the server names it on the timeline and in the
    /// ledger: `case.<kind>`).
    pub fn kind(&self) -> &'static str {
        event_name(self)
    }
}

fn event_name(e: &Event) -> &'static str {
    match e {
        Event::Created { .. } => "created",
        Event::Confirm => "confirm",
        Event::Dismiss { .. } => "dismiss",
        Event::AttributesEdited { .. } => "attributes-edited",
        Event::VictimEdited { .. } => "victim-edited",
        Event::RecipientsEdited { .. } => "recipients-edited",
        Event::Decide { decision: Decision::Warn { .. } } => "decide-warn",
        Event::Decide { decision: Decision::Waive { .. } } => "decide-waive",
        Event::Decide { decision: Decision::Escalate { .. } } => "decide-escalate",
        Event::ApproveWaiver => "approve-waiver",
        Event::RejectWaiver { .. } => "reject-waiver",
        Event::BreakGlass { .. } => "break-glass",
        Event::Disagreement { .. } => "disagreement",
        Event::Published { .. } => "published",
        Event::Retrieved { .. } => "retrieved",
        Event::Acknowledged { .. } => "acknowledged",
        Event::Opinion { .. } => "opinion",
        Event::Outcome { .. } => "outcome",
        Event::ManualDelivery { .. } => "manual-delivery",
        Event::DeadlineNearing { .. } => "deadline-nearing",
        Event::DeadlineMissed { .. } => "deadline-missed",
    }
}

fn nonempty(s: &str, what: &'static str) -> Result<(), CaseError> {
    if s.trim().is_empty() { Err(CaseError::Empty(what)) } else { Ok(()) }
}

fn unmet_text(a: &Assessment) -> String {
    a.unmet
        .iter()
        .map(|u| match u {
            crate::Unmet::HarmNotListed { harm } => format!("harm '{harm}' raises no duty"),
            crate::Unmet::HarmJustificationMissing { harm } => format!("harm '{harm}' needs a written justification"),
            crate::Unmet::NotCredible => "not credible".into(),
            crate::Unmet::NotSpecific => "not specific".into(),
            crate::Unmet::NotImpending => "not impending".into(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn check_recipients(r: &[CaseRecipient]) -> Result<(), CaseError> {
    let mut seen = BTreeSet::new();
    for x in r {
        nonempty(&x.partner, "recipient partner name")?;
        if !seen.insert(x.partner.as_str()) {
            return Err(CaseError::DuplicateRecipient(x.partner.clone()));
        }
    }
    Ok(())
}

impl Case {
    /// Creates a case (proposed, or opened by a person) and its first timeline entry. A case a
    /// person opens needs a duty to arise; a proposal may be incomplete (it is confirmed later).
    pub fn create(new: NewCase, ctx: &Ctx) -> Result<(Case, TimelineEntry), CaseError> {
        nonempty(&new.id, "case id")?;
        let assessment = assess(&new.attributes, ctx.profile);
        if !new.proposed && !assessment.duty {
            return Err(CaseError::NoDuty(unmet_text(&assessment)));
        }
        let recipients = match new.recipients {
            Some(r) => r,
            None => assessment.proposed_recipients.iter().map(CaseRecipient::new).collect(),
        };
        check_recipients(&recipients)?;
        let urgency = assessment.urgency.clone();
        let case = Case {
            id: new.id,
            title: new.title,
            harm: new.attributes.harm_type.clone(),
            victim: new.attributes.victim.clone(),
            public_advisory_required: new.attributes.own_citizens_at_risk,
            public_advisory: None,
            attributes: new.attributes,
            assessment,
            recipients,
            deadlines: Deadlines::for_urgency(ctx.profile, &urgency, ctx.at),
            urgency,
            state: if new.proposed { CaseState::Proposed } else { CaseState::Open },
            source_object_ids: new.source_object_ids,
            author: ctx.actor.to_owned(),
            created: ctx.at,
            proposed: new.proposed,
            decision: None,
            waiver: None,
            deliveries: BTreeMap::new(),
            reviews: Vec::new(),
            escalations: Vec::new(),
            alerts: BTreeSet::new(),
        };
        let entry = TimelineEntry { at: ctx.at, actor: ctx.actor.to_owned(), event: Event::Created { proposed: case.proposed } };
        Ok((case, entry))
    }

    pub fn recipient(&self, partner: &str) -> Option<&CaseRecipient> {
        self.recipients.iter().find(|r| r.partner == partner)
    }

    /// The stage label people see: the state, or `outcome-reported` once any outcome is in.
    pub fn stage_label(&self) -> &'static str {
        if self.state.is_warned() && self.deliveries.values().any(|d| d.outcome.is_some()) {
            return "outcome-reported";
        }
        self.state.as_str()
    }

    /// Whether a deadline stage is still open (not yet complete, and relevant in this state).
    pub fn stage_pending(&self, stage: Stage) -> bool {
        use CaseState::*;
        match stage {
            Stage::Decide => matches!(self.state, Proposed | Open | Escalated | WaiverPending),
            Stage::Deliver => matches!(self.state, Proposed | Open | Escalated | WaiverPending | DecidedWarn),
            Stage::Acknowledge => matches!(self.state, Published | Retrieved) && self.deadlines.acknowledge_by.is_some(),
        }
    }

    /// Recipients who have not acknowledged.
    pub fn unacknowledged(&self) -> Vec<String> {
        self.recipients
            .iter()
            .filter(|r| self.deliveries.get(&r.partner).is_none_or(|d| d.acknowledged_at.is_none()))
            .map(|r| r.partner.clone())
            .collect()
    }

    /// The delivery progress of a warned, non-terminal case.
    fn progress(&self) -> CaseState {
        let all = |f: &dyn Fn(&Delivery) -> bool| !self.recipients.is_empty() && self.recipients.iter().all(|r| self.deliveries.get(&r.partner).is_some_and(f));
        if all(&|d| d.acknowledged_at.is_some()) {
            CaseState::Acknowledged
        } else if all(&|d| d.retrieved_at.is_some()) {
            CaseState::Retrieved
        } else if all(&|_| true) {
            CaseState::Published
        } else {
            CaseState::DecidedWarn
        }
    }

    fn settle(&mut self, at: Micros) {
        if self.state.is_warned() && !self.state.is_terminal() {
            self.state = self.progress();
            if matches!(self.state, CaseState::Published | CaseState::Retrieved | CaseState::Acknowledged) && self.deadlines.acknowledge_by.is_none() {
                self.deadlines.acknowledge_by = Some(at + self.deadlines.acknowledge_within);
            }
        }
    }

    fn delivery_mut(&mut self, partner: &str) -> Result<&mut Delivery, CaseError> {
        if self.recipient(partner).is_none() {
            return Err(CaseError::NotARecipient(partner.to_owned()));
        }
        self.deliveries.get_mut(partner).ok_or_else(|| CaseError::NotDelivered(partner.to_owned()))
    }
}

/// Checks a proposed waiver against the profile's closed list and the case's **victim**.
/// Recipients are never consulted: a recipient's hostility or designation satisfies nothing.
pub fn validate_waiver(case: &Case, ground: &str, justification: &str, drafts: &[RejectedDraft], profile: &Profile) -> Result<(), WaiverError> {
    let Some(g) = profile.waiver_ground(ground) else {
        return Err(WaiverError::UnknownGround {
            ground: ground.to_owned(),
            allowed: profile.waiver_ground.iter().filter(|g| g.forbidden.is_none()).map(|g| g.id.clone()).collect(),
        });
    };
    if let Some(why) = &g.forbidden {
        return Err(WaiverError::ForbiddenGround { ground: g.id.clone(), why: why.clone() });
    }
    if justification.trim().is_empty() {
        return Err(WaiverError::NoJustification);
    }
    if g.victim_based() {
        let Some(v) = &case.victim else { return Err(WaiverError::NoVictim { ground: g.id.clone() }) };
        if !v.designations.iter().any(|d| g.victim_designations.contains(d)) {
            return Err(WaiverError::VictimNotDesignated { ground: g.id.clone(), victim: v.name.clone(), needs: g.victim_designations.clone(), has: v.designations.clone() });
        }
    }
    if g.sources_and_methods {
        if drafts.is_empty() {
            return Err(WaiverError::NoSanitisedDraft);
        }
        if let Some(d) = drafts.iter().find(|d| d.reason.trim().is_empty()) {
            return Err(WaiverError::DraftWithoutReason(d.draft.clone()));
        }
    }
    Ok(())
}

/// Applies one event: the new case, or why not. Pure: the input case is untouched, and the
/// caller records the event as a [`TimelineEntry`] only when this succeeds. A terminal case
/// never changes state; records that arrive late (acknowledgement, outcome, opinion, manual
/// delivery) are still kept on a terminal warned case.
pub fn apply(case: &Case, event: &Event, ctx: &Ctx) -> Result<Case, CaseError> {
    use CaseState as S;
    let mut c = case.clone();
    let name = event_name(event);
    let invalid = || CaseError::InvalidTransition { event: name, state: case.state.as_str() };
    let terminal = case.state.is_terminal();
    let late_record_ok = matches!(case.state, S::Acknowledged | S::NoAckOutOfBand);
    let is_record = matches!(event, Event::Retrieved { .. } | Event::Acknowledged { .. } | Event::Opinion { .. } | Event::Outcome { .. } | Event::ManualDelivery { .. });
    if terminal && !(late_record_ok && is_record) {
        return Err(CaseError::Terminal { state: case.state.as_str() });
    }
    match event {
        Event::Created { .. } => return Err(CaseError::Created),
        Event::Confirm => {
            if c.state != S::Proposed {
                return Err(invalid());
            }
            if !c.assessment.duty {
                return Err(CaseError::NoDuty(unmet_text(&c.assessment)));
            }
            c.state = S::Open;
        }
        Event::Dismiss { reason } => {
            if c.state != S::Proposed {
                return Err(invalid());
            }
            nonempty(reason, "dismissal reason")?;
            c.state = S::Dismissed;
        }
        Event::AttributesEdited { attributes } => {
            if c.state.is_warned() {
                return Err(invalid());
            }
            let a = assess(attributes, ctx.profile);
            if c.state != S::Proposed && !a.duty {
                return Err(CaseError::NoDuty(unmet_text(&a)));
            }
            c.harm = attributes.harm_type.clone();
            if attributes.victim.is_some() {
                c.victim = attributes.victim.clone();
            }
            c.public_advisory_required = attributes.own_citizens_at_risk;
            if a.urgency != c.urgency {
                // A changed urgency moves the deadlines, still measured from creation.
                let ack_by = c.deadlines.acknowledge_by;
                c.deadlines = crate::Deadlines::for_urgency(ctx.profile, &a.urgency, c.created);
                c.deadlines.acknowledge_by = ack_by;
                c.urgency = a.urgency.clone();
            }
            c.attributes = (**attributes).clone();
            c.assessment = a;
        }
        Event::VictimEdited { victim } => {
            nonempty(&victim.name, "victim name")?;
            c.victim = Some(victim.clone());
        }
        Event::RecipientsEdited { recipients } => {
            check_recipients(recipients)?;
            for d in c.deliveries.keys() {
                if !recipients.iter().any(|r| &r.partner == d) {
                    return Err(CaseError::RemovesDelivered(d.clone()));
                }
            }
            if c.state.is_warned() && recipients.is_empty() {
                return Err(CaseError::NoRecipients);
            }
            c.recipients = recipients.clone();
            c.settle(ctx.at);
        }
        Event::Decide { decision } => {
            match c.state {
                S::Open => {}
                S::Escalated if ctx.resolver => {}
                S::Escalated => return Err(CaseError::NotResolver),
                // Escalating is always possible before the warning goes out.
                S::WaiverPending | S::DecidedWarn if matches!(decision, Decision::Escalate { .. }) => {}
                _ => return Err(invalid()),
            }
            match decision {
                Decision::Warn { channel, .. } => {
                    nonempty(channel, "channel")?;
                    if c.recipients.is_empty() {
                        return Err(CaseError::NoRecipients);
                    }
                    c.state = S::DecidedWarn;
                    c.waiver = None;
                    c.decision = Some(DecisionRecord { decision: decision.clone(), by: ctx.actor.to_owned(), at: ctx.at });
                    c.settle(ctx.at);
                }
                Decision::Waive { ground, justification, sanitised_drafts } => {
                    validate_waiver(&c, ground, justification, sanitised_drafts, ctx.profile)?;
                    c.state = S::WaiverPending;
                    c.waiver = Some(WaiverRecord {
                        ground: ground.clone(),
                        justification: justification.clone(),
                        sanitised_drafts: sanitised_drafts.clone(),
                        proposed_by: ctx.actor.to_owned(),
                        proposed_at: ctx.at,
                        approved_by: None,
                        approved_at: None,
                        break_glass: None,
                        review_queued: false,
                    });
                    c.decision = Some(DecisionRecord { decision: decision.clone(), by: ctx.actor.to_owned(), at: ctx.at });
                }
                Decision::Escalate { reason } => {
                    nonempty(reason, "escalation reason")?;
                    c.state = S::Escalated;
                    c.escalations.push(Escalation { target: EscalationTarget::Resolver, reason: reason.clone(), at: ctx.at });
                }
            }
        }
        Event::ApproveWaiver | Event::BreakGlass { .. } | Event::RejectWaiver { .. } => {
            if c.state != S::WaiverPending {
                return Err(invalid());
            }
            let author = c.author.clone();
            let w = c.waiver.as_mut().ok_or_else(invalid)?;
            match event {
                Event::ApproveWaiver => {
                    if ctx.actor == author || ctx.actor == w.proposed_by {
                        return Err(CaseError::TwoPersonRule(ctx.actor.to_owned()));
                    }
                    w.approved_by = Some(ctx.actor.to_owned());
                    w.approved_at = Some(ctx.at);
                    c.state = S::Waived;
                }
                Event::BreakGlass { justification } => {
                    nonempty(justification, "break-glass justification")?;
                    w.approved_by = Some(ctx.actor.to_owned());
                    w.approved_at = Some(ctx.at);
                    w.break_glass = Some(justification.clone());
                    w.review_queued = true;
                    c.state = S::Waived;
                }
                Event::RejectWaiver { reason } => {
                    nonempty(reason, "refusal reason")?;
                    if ctx.actor == w.proposed_by {
                        return Err(CaseError::TwoPersonRule(ctx.actor.to_owned()));
                    }
                    c.waiver = None;
                    c.decision = None;
                    c.state = S::Open;
                }
                _ => unreachable!("matched above"),
            }
        }
        Event::Disagreement { note, parties, .. } => {
            if !matches!(c.state, S::Open | S::WaiverPending | S::DecidedWarn | S::Escalated) {
                return Err(invalid());
            }
            nonempty(note, "disagreement note")?;
            if parties.is_empty() {
                return Err(CaseError::Empty("disagreeing parties"));
            }
            c.state = S::Escalated;
            c.escalations.push(Escalation { target: EscalationTarget::Resolver, reason: format!("disagreement: {note}"), at: ctx.at });
        }
        Event::Published { partner, release_id, content_hash, channel } => {
            if !matches!(c.state, S::DecidedWarn | S::Published | S::Retrieved) {
                return Err(invalid());
            }
            nonempty(release_id, "release id")?;
            nonempty(content_hash, "content hash")?;
            nonempty(channel, "channel")?;
            if c.recipient(partner).is_none() {
                return Err(CaseError::NotARecipient(partner.clone()));
            }
            match c.deliveries.get_mut(partner) {
                Some(d) => {
                    // A correction: the new release replaces the old one; first publication
                    // time is kept.
                    if let Some(old) = d.release_id.take() {
                        d.earlier_releases.push(old);
                    }
                    d.release_id = Some(release_id.clone());
                    d.content_hash = Some(content_hash.clone());
                    d.channel = channel.clone();
                }
                None => {
                    c.deliveries.insert(partner.clone(), new_delivery(partner, Some(release_id), Some(content_hash), channel, ctx.at));
                }
            }
            c.settle(ctx.at);
        }
        Event::ManualDelivery { delivery } => {
            if !(c.state.is_warned()) {
                return Err(invalid());
            }
            nonempty(&delivery.delivered_by, "delivered by")?;
            nonempty(&delivery.channel, "channel")?;
            if c.recipient(&delivery.to).is_none() {
                return Err(CaseError::NotARecipient(delivery.to.clone()));
            }
            let d = c.deliveries.entry(delivery.to.clone()).or_insert_with(|| new_delivery(&delivery.to, delivery.release_id.as_ref(), None, &delivery.channel, delivery.at));
            d.retrieved_at.get_or_insert(delivery.at);
            d.manual.push(delivery.clone());
            c.settle(ctx.at);
        }
        Event::Retrieved { partner } => {
            if !c.state.is_warned() {
                return Err(invalid());
            }
            let d = c.delivery_mut(partner)?;
            d.retrieved_at.get_or_insert(ctx.at);
            c.settle(ctx.at);
        }
        Event::Acknowledged { partner, by, how } => {
            if !c.state.is_warned() {
                return Err(invalid());
            }
            nonempty(by, "acknowledged by")?;
            acknowledge(&mut c, partner, by, *how, ctx.at)?;
            c.settle(ctx.at);
        }
        Event::Opinion { partner, release_id, opinion, comment } => {
            if !c.state.is_warned() {
                return Err(invalid());
            }
            nonempty(release_id, "release id")?;
            acknowledge(&mut c, partner, ctx.actor, AckHow::Opinion, ctx.at)?;
            if opinion.is_disagreement() {
                c.reviews.push(ReleaseReview { partner: partner.clone(), release_id: release_id.clone(), opinion: *opinion, comment: comment.clone(), opened_at: ctx.at });
            }
            c.settle(ctx.at);
        }
        Event::Outcome { partner, outcome, .. } => {
            if !c.state.is_warned() {
                return Err(invalid());
            }
            let d = c.delivery_mut(partner)?;
            d.outcome = Some(*outcome);
            d.outcome_at = Some(ctx.at);
        }
        Event::DeadlineNearing { stage } | Event::DeadlineMissed { stage } => {
            let missed = matches!(event, Event::DeadlineMissed { .. });
            let kind = if missed { AlertKind::Missed } else { AlertKind::Nearing };
            if !c.stage_pending(*stage) {
                return Err(CaseError::StageComplete(stage.as_str()));
            }
            let deadline = c.deadlines.of(*stage).ok_or(CaseError::StageComplete(stage.as_str()))?;
            let due_at = if missed { deadline } else { deadline - ctx.profile.alert_lead_micros() };
            if ctx.at < due_at {
                return Err(CaseError::NotDue { stage: stage.as_str() });
            }
            let alert = Alert { stage: *stage, kind };
            if !c.alerts.insert(alert) {
                return Err(CaseError::AlreadyRaised { stage: stage.as_str(), kind: if missed { "missed" } else { "nearing" } });
            }
            if missed {
                match stage {
                    Stage::Decide | Stage::Deliver => {
                        c.escalations.push(Escalation { target: EscalationTarget::Resolver, reason: format!("{} deadline missed", stage.as_str()), at: ctx.at });
                        if matches!(c.state, S::Open | S::Proposed | S::WaiverPending) {
                            c.state = S::Escalated;
                        }
                    }
                    Stage::Acknowledge => {
                        let partners = c.unacknowledged();
                        c.escalations.push(Escalation { target: EscalationTarget::OutOfBand { partners }, reason: "no acknowledgement by the deadline".into(), at: ctx.at });
                        c.state = S::NoAckOutOfBand;
                    }
                }
            }
        }
    }
    Ok(c)
}

fn new_delivery(partner: &str, release_id: Option<&String>, hash: Option<&String>, channel: &str, at: Micros) -> Delivery {
    Delivery {
        partner: partner.to_owned(),
        release_id: release_id.cloned(),
        content_hash: hash.cloned(),
        channel: channel.to_owned(),
        published_at: at,
        earlier_releases: Vec::new(),
        retrieved_at: None,
        acknowledged_at: None,
        acknowledged_by: None,
        acknowledged_how: None,
        outcome: None,
        outcome_at: None,
        manual: Vec::new(),
    }
}

fn acknowledge(c: &mut Case, partner: &str, by: &str, how: AckHow, at: Micros) -> Result<(), CaseError> {
    let d = c.delivery_mut(partner)?;
    // Acknowledging implies having read it.
    d.retrieved_at.get_or_insert(at);
    if d.acknowledged_at.is_none() {
        d.acknowledged_at = Some(at);
        d.acknowledged_by = Some(by.to_owned());
        d.acknowledged_how = Some(how);
    }
    Ok(())
}
