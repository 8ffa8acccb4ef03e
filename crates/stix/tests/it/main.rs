//! Integration tests of tearline-stix: one test binary (see matklad, "Delete Cargo Integration
//! Tests").

mod canonical;
mod conformance;
mod properties;
