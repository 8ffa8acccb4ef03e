//! Integration tests of tearline-policy.

mod common;
mod golden;
mod lints_eval;
mod markings;
mod projection;
mod properties;
mod releases;
