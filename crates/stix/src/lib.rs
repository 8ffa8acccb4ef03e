//! The pure STIX 2.1 core of tearline.
//!
//! Parsing and validation of STIX 2.1 objects, identifiers and timestamps, and RFC 8785
//! canonical JSON. Nothing in this crate performs IO or knows about HTTP, SQL or async runtimes:
//! it is a library of functions from bytes and values to values and findings.
//!
//! Entry points:
//! - [`envelope::parse_envelope`] turns the bytes of a TAXII envelope or a STIX bundle into
//!   individual objects, bounded in size and depth.
//! - [`validate::validate_object`] checks one object against the STIX 2.1 MUST rules
//!   (errors) and SHOULD rules (warnings).
//! - [`Identifier`] and [`Timestamp`] are parsed once at the edge and carried as types.

pub mod canonical;
pub mod envelope;
mod finding;
mod id;
mod timestamp;
pub mod validate;

pub use finding::{Finding, Severity};
pub use id::{Identifier, IdentifierError};
pub use timestamp::{Timestamp, TimestampError, civil_from_days, days_from_civil};
