//! Tests of the `tearline` binary itself: commands, their output contracts and errors, a live
//! server (accounts changed while it runs, TLS, signals), import/export, backup, and the
//! durability of acknowledged writes across SIGKILL. One test binary.
//!
//! - [`harness`]: a temporary database driven through the binary, a running `tearline serve`,
//!   and a small blocking HTTP client;
//! - [`cli`]: `account`, `collection`, errors;
//! - [`live`]: account changes on a running server;
//! - [`transfer`]: `import`, `export`, `backup`;
//! - [`serve`]: plain HTTP refusal, HTTPS, SIGTERM;
//! - [`ledger`]: `ledger verify` against tampering done directly in the database, checkpoints,
//!   archives, listing, periodic sealing;
//! - [`durability`]: SIGKILL mid-stream, restart, every acknowledged object intact.

mod cli;
mod demo;
mod durability;
mod harness;
mod ledger;
mod live;
mod multinode;
mod serve;
mod transfer;
