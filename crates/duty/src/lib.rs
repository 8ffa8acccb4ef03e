//! tearline's duty to warn, pure core: no IO, no clock, no randomness.
//!
//! The rules are those of `reference/duty-to-warn.md` (modelled on ICD 191, 2015). Every list
//! and threshold is configuration in a [`Profile`] (default `data/duty/profile.toml`, format in
//! `data/duty/README.md`). Time is always passed in as [`Micros`]: microseconds since the Unix
//! epoch, UTC (`tearline_stix::Timestamp::as_micros` / `from_micros` convert).
//!
//! # The model
//!
//! 1. **Threat attributes** ([`ThreatAttributes`]) travel on any STIX object in tearline's
//!    `tearline-threat` property-extension ([`EXT_THREAT`], [`extension_definition`]);
//!    [`parse_threat_attributes`] reads them with typed errors.
//! 2. **Trigger**: [`assess()`] says whether a duty arises (listed harm, with a written
//!    justification where the profile asks for one; credible, specific, impending) and flags
//!    what needs review (marked specific with fewer than two facets filled, no victim, …). The
//!    victim's nationality or status plays no part.
//! 3. **Proposals**: [`propose_from_extraction`] turns an open-source article that describes a
//!    planned attack with a target and a time window into a *proposed* case.
//! 4. **Cases** ([`Case`]) keep the intended [`Victim`] apart from the recipients to warn
//!    (proposed from the profile's jurisdiction map, editable). A case changes only through
//!    [`apply`]`(case, event, ctx)`, a pure function over [`Event`]s; the caller stores each
//!    accepted event as a [`TimelineEntry`] (append-only; [`render_timeline`] prints it).
//!
//!    ```text
//!    proposed ──confirm──► open ──decide warn──► decided-warn ─► published ─► retrieved ─► ACKNOWLEDGED
//!       │                   │ │                                     │  (ack deadline missed)
//!    dismiss                │ └─decide waive─► waiver-pending ─approve / break-glass─► WAIVED
//!       ▼                   │                                       └──────────────► NO-ACK-OUT-OF-BAND
//!    DISMISSED       escalate, disagreement, decide deadline missed ─► escalated (resolver decides)
//!    ```
//!
//!    Terminal states are exactly the reference's — warned and acknowledged, warned with no
//!    acknowledgement by the deadline (escalated to an out-of-band channel), waived — plus
//!    `dismissed` for a machine proposal a person rejected before it became a case. A terminal
//!    case never changes state again; late acknowledgements, outcomes and manual (in-person)
//!    deliveries are still recorded on it.
//! 5. **Decisions and waivers**: waivers only on the profile's closed list of grounds, with a
//!    justification; victim-based grounds are checked against the victim record only;
//!    "recipient is hostile" and "sharing implies support" are recognised and refused with the
//!    reason; a sources-and-methods waiver needs a rejected further-sanitised draft; approval
//!    by someone other than the author and the proposer (two-person rule) or, when no second
//!    person is available in time, a flagged break-glass approval queued for review.
//!    Disagreement between parties escalates to the resolver role.
//! 6. **Deadlines**: the urgency level gives decide / deliver / acknowledge deadlines;
//!    [`due`] lists the alerts a scheduler must raise at `now` (each once: applying the
//!    returned event records it on the case); [`tick`] does both.
//! 7. **Documents**: [`public_advisory`] (TLP:CLEAR, when own citizens are at risk) and
//!    [`render_warning`] (plain text and escaped HTML, operative facts in a delimited block,
//!    no-endorsement statement for hostile / unrecognised recipients).
//! 8. **Metrics**: [`metrics()`] aggregates time-to-decide / deliver / acknowledge and outcomes
//!    per partner from timelines.
//!
//! Every record type is `Serialize + Deserialize` so the server can store it as JSON.

pub mod advisory;
pub mod assess;
pub mod attributes;
pub mod case;
pub mod document;
pub mod metrics;
pub mod profile;
pub mod propose;
pub mod schedule;
pub mod timeline;
mod ts;

pub use advisory::{AdvisoryOptions, PublicAdvisory, public_advisory};
pub use assess::{Assessment, ReviewFlag, Unmet, assess, recipients_for};
pub use attributes::{AttributeError, EXT_THREAT, EXT_THREAT_NAME, Specifics, ThreatAttributes, Victim, VictimKind, extension_definition, parse_threat_attributes};
pub use case::{
    AckHow, Alert, AlertKind, Case, CaseError, CaseRecipient, CaseState, Ctx, DecisionRecord, Deadlines, Decision, Delivery, DisagreementTopic, Escalation, EscalationTarget, Event, ManualDelivery, NewCase, Opinion, OutcomeKind,
    RejectedDraft, ReleaseReview, Stage, WaiverError, WaiverRecord, apply, validate_waiver,
};
pub use document::{WarningDocument, WarningInput, render_warning};
pub use metrics::{Durations, Metrics, PartnerMetrics, metrics};
pub use profile::{Profile, ProfileError};
pub use propose::propose_from_extraction;
pub use schedule::{DueEvent, due, tick};
pub use timeline::{TimelineEntry, render_timeline};

/// Microseconds since the Unix epoch, UTC.
pub type Micros = i64;

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
pub const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;
pub const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

/// `YYYY-MM-DD HH:MM UTC`: the human form used in documents and timelines.
pub fn human_time(t: Micros) -> String {
    let secs = t.div_euclid(MICROS_PER_SECOND);
    let (y, m, d) = tearline_stix::civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", sod / 3600, (sod / 60) % 60)
}

/// `YYYY-MM-DD`.
pub fn human_date(t: Micros) -> String {
    let (y, m, d) = tearline_stix::civil_from_days(t.div_euclid(MICROS_PER_DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// A time window as people read it: dates only when both ends fall on midnight.
pub fn human_window(start: Option<Micros>, end: Option<Micros>) -> Option<String> {
    let midnight = |t: Micros| t.rem_euclid(MICROS_PER_DAY) == 0;
    match (start, end) {
        (None, None) => None,
        (Some(s), None) => Some(format!("from {}", human_time(s))),
        (None, Some(e)) => Some(format!("until {}", human_time(e))),
        (Some(s), Some(e)) if midnight(s) && midnight(e) && e > s => {
            let last = e - MICROS_PER_DAY;
            if last == s { Some(human_date(s)) } else { Some(format!("{} to {}", human_date(s), human_date(last))) }
        }
        (Some(s), Some(e)) => Some(format!("{} to {}", human_time(s), human_time(e))),
    }
}
