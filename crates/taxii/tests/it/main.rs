//! HTTP tests of the TAXII 2.1 server: every endpoint and every error path, in-process
//! (`tower::ServiceExt::oneshot` against `router(..)`) on a SQLite store in a temporary
//! directory. One test binary (matklad, "Delete Cargo Integration Tests").
//!
//! - [`harness`]: the fixture (accounts, collections, secrets), the request builder and the one
//!   `check` helper every test goes through;
//! - [`discovery`]: discovery, API root, collections, collection;
//! - [`objects`]: add objects, status, get objects with every filter, pagination;
//! - [`object`]: get an object, versions, manifest, delete;
//! - [`access`]: authentication and authorisation, including the no-existence-oracle rule;
//! - [`errors`]: every error path returns a TAXII error resource with the right status;
//! - [`ops`]: `/healthz`, `/readyz`, `/metrics`;
//! - [`routes`]: every entry of `tearline_taxii::ROUTES` has a request that it answers, through egress;
//! - [`releases`]: the release API's error paths, and a partner member's view through the egress projection;
//! - [`partner`]: the policy decision on every object-bearing route for a partner member, and
//!   first retrievals.

mod access;
mod discovery;
mod errors;
mod harness;
mod ledger;
mod object;
mod objects;
mod ops;
mod partner;
mod releases;
mod routes;
