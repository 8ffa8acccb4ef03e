//! tearline-trace integration tests (one binary).

mod corpus;
mod extract;
mod props;
mod tracing;
mod variants;
