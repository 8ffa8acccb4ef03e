//! tearline-duty tests: one binary, one module per area.

mod attributes;
mod cases;
mod common;
mod documents;
mod propose;
mod prop;
mod scenarios;
mod schedule;
