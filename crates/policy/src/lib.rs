//! tearline's dissemination engine, pure core: who may receive what, and in which form.
//!
//! - [`markings`]: STIX marking-definitions and object / granular markings as a typed algebra
//!   (TLP 2.0 and 1.0, statements, handling caveats, PAP, IEP 2.0, source protection); anything
//!   unknown, malformed or contradictory fails closed.
//! - [`recipient`]: [`Recipient`], [`Policy`] and the one access decision ([`recipient::decide`]).
//! - [`project()`]: the one projection function from source objects to the new STIX objects one
//!   recipient may receive, with the internal record of what was withheld and why.
//! - [`admit()`]: the per-object egress decision: whether a stored (already released) object may
//!   leave as it is to one recipient, by the same markings and [`recipient::decide`].
//! - [`lints`]: the sanitiser: collection-modality wording, quoted speech, selectors, source
//!   descriptions, over-precise times; configurable vocabulary with a broad default.
//! - [`release`]: immutable, content-addressed, Ed25519-signed releases with a STIX `report`
//!   manifest, corrections that supersede, signed recall notices, and offline verification.
//! - [`ids`]: the fixed OASIS and tearline identifiers and definitions.
//!
//! No IO: every function here is a function of its inputs (time and randomness are passed in).

pub mod admit;
pub mod ids;
pub mod lints;
pub mod markings;
pub mod path;
pub mod project;
pub mod recipient;
pub mod release;

pub use markings::{Classification, Country, Marking, MarkingError, MarkingSet, Tlp};
pub use admit::{Gate, Head, admit};
pub use project::{Projection, Removal, project};
pub use recipient::{Granularity, Policy, Reason, Recipient, RelationshipFlags, TrustTier};

pub use lints::{Finding, LintConfig, Override};
pub use release::{Ed25519Signer, Keyring, Release, ReleaseError, ReleaseOptions, Signer, Verified, VerifyError, compile_many, compile_release, recall_notice, verify_objects, verify_release};
