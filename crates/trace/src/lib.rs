//! Leak tracing, pure core: meaning-preserving per-recipient variants of a release, and the
//! ranking of which recipients a leaked text or STIX object most likely came from.
//!
//! # Model
//!
//! When one warning goes to several recipients, each gets a **variant** of the same release
//! ([`make_variants`]):
//! - **ids**: every object gets a per-recipient id (UUIDv5 under a namespace derived from the
//!   seed), references (`*_ref`, `*_refs`, `object_refs`, at any depth) follow. Definitions
//!   (marking- and extension-definitions) and authors (`created_by_ref` targets) keep their ids.
//! - **wording**: each occurrence of a phrase of the [`PhraseTable`] in a free-text property
//!   ([`variants::TEXT_PROPERTIES`]: `description`, `content`, `abstract`, `explanation`) is a
//!   *slot*; each recipient gets one alternative per slot ("is assessed to be" / "is judged to
//!   be" / "appears to be"). The choices over all slots form the recipient's *codeword*.
//! - **invisible marks** (off by default, never when the text will be translated): a 24-bit
//!   per-recipient code in zero-width characters after the first word of each varied text
//!   ([`marks`]).
//!
//! The per-recipient choices live in a [`VariantMap`]: **internal**, stored apart from releases,
//! never released (it has no STIX form). [`trace()`] takes a leak and the maps and ranks the
//! recipients, with evidence: ids found, wording slots recognised by their surrounding words
//! (so a retyped, reflowed or lightly edited text still counts), marks decoded.
//!
//! # What never varies
//!
//! Place, time window, target, method and numbers. Only free text is rewritten, only inside a
//! slot, and a slot is refused when any of its words is operative: a word with a digit or a
//! capital letter (names; sentence-initial words too, so capitalised text never changes), a
//! time word or the lead-in of a time expression ("in the coming days", "on the eve of the
//! commemoration"), a number, method or negation word, or quoted text. Phrase tables are
//! checked on load and may not hold such words. `location` and `identity` objects keep their
//! text; timestamps, names, patterns, numbers and extensions are copied as they are.
//!
//! # Capacity
//!
//! With slots of m₁ … m_k alternatives there are Π mᵢ codewords (reported as
//! [`Variants::codewords`]); k binary slots separate 2^k recipients. Codewords are chosen greedily
//! for the largest smallest Hamming distance between recipients (64 seeded candidates each), and
//! are distinct whenever Π mᵢ ≥ the number of recipients ([`Variants::min_distance`] says how
//! far apart the closest two are). A typical warning paragraph has 4–10 slots: enough to tell
//! dozens of recipients apart when the wording survives, not enough to survive much editing.
//!
//! # Limits (what a determined leaker defeats)
//!
//! - Ids: dropped by anyone who retypes or re-imports the content. Strong evidence only when
//!   present.
//! - Invisible marks: removed by retyping, by many copy-paste paths, by normalising tools, and by
//!   anyone who knows to look (they are plainly visible in a hex view). Translation destroys
//!   them, which is why `translated` turns them off.
//! - Wording: survives retyping and small edits, but a paraphrase of the slot phrases
//!   themselves, a summary, or a translation erases it; rewriting a slot into another
//!   alternative of its group frames a different recipient. Two colluding recipients who
//!   compare their variants see where they differ and can pick (or mix) alternatives; a mix
//!   tends to implicate both, but a careful merge can point at neither, or at a third.
//! - The public substance (place, time, target) is identical by design and identifies nothing.
//! - A leak that is short (one sentence) holds few slots: the ranking then says little, and the
//!   scores show it.
//!
//! Tracing gives grounds for a question, not proof: treat the ranking as evidence to weigh.
//!
//! No IO: every function is a function of its inputs; randomness comes from the caller's seed.

pub mod marks;
pub mod phrases;
mod text;
pub mod trace;
pub mod variants;

pub use phrases::{Group, PhraseTable, TableError};
pub use trace::{Evidence, Suspect, trace};
pub use variants::{MAP_FORMAT, SlotChoice, Variant, VariantError, VariantMap, VariantOptions, Variants, make_variants};
