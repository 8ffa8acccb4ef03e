//! tearline-osint: open-source reports in, structured intelligence and event clusters out.
//! Pure core: no IO.

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
