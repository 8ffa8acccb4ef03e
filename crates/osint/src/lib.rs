//! tearline-osint: open-source reports in, structured intelligence and event clusters out.
//!
//! A pure core: no IO. Functions take text and metadata and return values; the CLI
//! (`tearline ingest-text FILE...`), the HTTP API and storage wire it up.
//!
//! # Using it
//!
//! ```
//! use tearline_osint::{Correlator, Extractor, StixOptions, parse_article};
//!
//! // Data files: the built-in defaults (data/osint/*.toml), or your own through
//! // Gazetteer::load_toml / Aliases::load_toml / Vocab::load_toml and Extractor::new.
//! let ex = Extractor::default();
//! let art = parse_article(
//!     "Syrian authorities foiled an ISIS attempt to bomb the Sayyida Zaynab shrine on January 11.",
//!     Some("outlet = \"Shafaq News\"\npublished = \"2025-01-25\""),
//! ).unwrap();
//! let x = ex.extract(&art);
//! let ev = x.event.as_ref().unwrap();
//! assert_eq!(ev.event_type, "foiled-plot");
//! assert_eq!(ev.place.as_ref().unwrap().value.id, "sy-sayyida-zaynab-shrine");
//! assert_eq!(ev.date.as_ref().unwrap().value.to_string(), "2025-01-11");
//! assert_eq!(x.sentence(ev.date.as_ref().unwrap().sentence), art.text);
//!
//! // STIX 2.1: a report, the objects it refers to, the producer identity and the
//! // extension-definition; every object passes tearline_stix::validate::validate_object.
//! let objects = x.to_stix(&ex, &StixOptions::default());
//! assert_eq!(objects[0]["type"], "report");
//!
//! // Incremental correlation: each add costs the same however large the corpus.
//! let mut corr = Correlator::new(&ex);
//! let id = corr.add(&x);
//! let cluster = corr.cluster(id).unwrap();
//! assert_eq!(cluster.independent_sources, 1);
//! let grouping = cluster.to_stix(&ex, &StixOptions::default(), None);
//! assert_eq!(grouping[0]["type"], "grouping");
//! ```
//!
//! # API
//!
//! - [`parse_article`]`(text, sidecar_toml)` → [`Article`]: optional TOML front matter between
//!   `+++` lines, then the text; the sidecar's fields win. Fields: `id`, `outlet`, `url`,
//!   `language`, `published` (date or RFC 3339), `title`, `attributed_to`.
//! - [`Gazetteer::load_toml`], [`Aliases::load_toml`], [`Vocab::load_toml`] (formats in
//!   `data/osint/README.md`); `::default_data()` for the built-in files.
//! - [`Extractor::new`]`(gazetteer, aliases, vocab)` (or `Extractor::default()`);
//!   `extractor.extract(&article)` → [`Extraction`]:
//!   - `mentions` / `entities()`: threat actors and intrusion sets (aliases resolved: IS, ISIS,
//!     Daesh → `islamic-state`), places (any listed spelling, or a transliteration variant of a
//!     long name, → one gazetteer entry; `near` for "outskirts of X"), organisations, people,
//!     outlets; each with its sentence.
//!   - `dates`: absolute and relative dates resolved against `meta.published`, with a role
//!     (the event, or the date a source reported).
//!   - `attributions` and `original_sources()`: "according to the Washington Post", "an
//!     official said"; named outlets are original sources.
//!   - `counts`: killed / injured / arrested / kidnapped.
//!   - `event`: the main [`Event`] (type, family, place, date, actors, target, counts, the
//!     sentences it rests on, confidence); `other_events`: events mentioned in passing.
//!   - `proposes_case()` → [`ProposedCase`] for a planned attack with a target and a window.
//!   - `to_stix(&extractor, &StixOptions)` → STIX objects.
//! - [`Correlator::new`]`(&extractor)`; `add(&extraction)` → [`ClusterId`];
//!   `cluster(id)` / `clusters()` → [`ClusterSummary`]: event, reports (with `copy_of` for
//!   near-duplicates), outlets, independent outlets (copies counted once), original sources,
//!   independent source count, first/last seen, the facts each source adds, and the points
//!   where sources disagree or refine one another; `summary.to_stix(&extractor, &opts,
//!   case_ref)` → a `grouping` (plus a `corroborates` relationship to a duty-to-warn case).
//!
//! STIX ids are deterministic ([`stix::object_id`], [`stix::report_id`]), so a cluster's
//! grouping refers to the reports that `Extraction::to_stix` made for its articles.

pub mod article;
pub mod correlate;
pub mod data;
pub mod date;
pub mod extract;
mod hash;
mod index;
pub mod minhash;
pub mod stix;
pub mod temporal;
pub mod text;

pub use article::{Article, ArticleError, Meta, parse_article};
pub use correlate::{ClusterId, ClusterSummary, Correlator, CorrelatorConfig, Point, PointKind};
pub use data::{Aliases, DataError, Gazetteer, Vocab};
pub use date::{DateRange, Day, Precision};
pub use extract::{Entity, EntityKind, Event, Extraction, Extractor, ProposedCase};
pub use stix::StixOptions;
