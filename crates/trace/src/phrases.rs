//! The phrase table: groups of interchangeable phrases for non-operative wording.
//!
//! The format is documented in `data/trace/README.md`; the broad default is
//! `data/trace/phrases.toml`, compiled in. Every table is checked when it is built: a phrase may
//! hold only lowercase words that are not operative (no digits, capitals, time, number, method
//! or negation words), so a substitution can never touch a place, time, target, method or number.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::text::{operative_reason, tokenize};

/// The default table's text (`data/trace/phrases.toml`).
pub const DEFAULT_TOML: &str = include_str!("../../../data/trace/phrases.toml");

/// Phrases that can stand in for one another.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Stable name of the group (recorded in variant maps).
    pub key: String,
    /// The alternatives, in a fixed order (a variant map records the index and the text).
    pub phrases: Vec<String>,
    /// Free comment for maintainers.
    #[serde(default)]
    pub note: Option<String>,
}

/// A checked phrase table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseTable {
    groups: Vec<Group>,
}

/// Why a phrase table was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("phrase table is not valid TOML: {0}")]
    Toml(String),
    #[error("phrase group '{0}' needs a non-empty key and at least two phrases")]
    TooFew(String),
    #[error("phrase group key '{0}' is used twice: give each group its own key")]
    DuplicateKey(String),
    #[error("phrase '{phrase}' in group '{key}' {reason}: remove it or reword it")]
    BadPhrase { key: String, phrase: String, reason: String },
    #[error("phrase '{0}' appears twice: a phrase belongs to one group only")]
    DuplicatePhrase(String),
    #[error("phrase '{0}' contains phrase '{1}': a substitution could then repeat or split words")]
    Contains(String, String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    group: Vec<Group>,
}

impl Default for PhraseTable {
    /// The embedded default table.
    fn default() -> PhraseTable {
        static DEFAULT: std::sync::OnceLock<PhraseTable> = std::sync::OnceLock::new();
        DEFAULT.get_or_init(|| PhraseTable::from_toml(DEFAULT_TOML).expect("the embedded phrase table is valid")).clone()
    }
}

impl PhraseTable {
    /// Parses and checks a table in the format of `data/trace/phrases.toml`.
    pub fn from_toml(text: &str) -> Result<PhraseTable, TableError> {
        let raw: Raw = toml::from_str(text).map_err(|e| TableError::Toml(e.message().to_owned()))?;
        PhraseTable::new(raw.group)
    }

    /// Checks groups built in code.
    pub fn new(groups: Vec<Group>) -> Result<PhraseTable, TableError> {
        let mut keys = BTreeSet::new();
        let mut seen = BTreeSet::new();
        for g in &groups {
            if g.key.trim().is_empty() || g.phrases.len() < 2 {
                return Err(TableError::TooFew(g.key.clone()));
            }
            if !keys.insert(g.key.as_str()) {
                return Err(TableError::DuplicateKey(g.key.clone()));
            }
            for p in &g.phrases {
                let bad = |reason: &str| TableError::BadPhrase { key: g.key.clone(), phrase: p.clone(), reason: reason.to_owned() };
                if p.is_empty() || !p.chars().all(|c| c.is_ascii_lowercase() || c == ' ' || c == '\'') {
                    return Err(bad("may hold only lowercase ASCII letters, single spaces and apostrophes"));
                }
                if p.starts_with(' ') || p.ends_with(' ') || p.contains("  ") {
                    return Err(bad("has stray spaces"));
                }
                for t in tokenize(p) {
                    if let Some(r) = operative_reason(&t.norm) {
                        return Err(bad(&format!("holds '{}', which {r}", t.norm)));
                    }
                }
                if !seen.insert(p.as_str()) {
                    return Err(TableError::DuplicatePhrase(p.clone()));
                }
            }
        }
        // No phrase inside another (as whole words): "information indicates that" inside
        // "available information indicates that" would turn "Available information indicates
        // that" into "Available available information indicates that".
        let all: Vec<&str> = seen.into_iter().collect();
        for a in &all {
            for b in &all {
                if a != b && format!(" {a} ").contains(&format!(" {b} ")) {
                    return Err(TableError::Contains((*a).to_owned(), (*b).to_owned()));
                }
            }
        }
        Ok(PhraseTable { groups })
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_loads() {
        let t = PhraseTable::default();
        assert!(t.groups().len() >= 20);
    }

    #[test]
    fn operative_phrases_are_refused() {
        for (p, want) in [
            ("in the coming days", "time word"),
            ("within two", "number word"),
            ("car bomb", "method word"),
            ("is not", "negation"),
            ("near Damascus", "lowercase"),
            ("by 3", "lowercase"),
        ] {
            let text = format!("[[group]]\nkey = \"k\"\nphrases = [\"{p}\", \"other phrase\"]\n");
            let e = PhraseTable::from_toml(&text).expect_err(p);
            assert!(e.to_string().contains(want), "{p}: {e}");
        }
    }

    #[test]
    fn structure_errors() {
        assert!(matches!(PhraseTable::from_toml("[[group]]\nkey = \"a\"\nphrases = [\"x\"]\n"), Err(TableError::TooFew(_))));
        assert!(matches!(
            PhraseTable::from_toml("[[group]]\nkey = \"a\"\nphrases = [\"x\", \"y\"]\n[[group]]\nkey = \"b\"\nphrases = [\"y\", \"z\"]\n"),
            Err(TableError::DuplicatePhrase(_))
        ));
        assert!(matches!(
            PhraseTable::from_toml("[[group]]\nkey = \"a\"\nphrases = [\"x\", \"y\"]\n[[group]]\nkey = \"a\"\nphrases = [\"w\", \"z\"]\n"),
            Err(TableError::DuplicateKey(_))
        ));
        assert!(matches!(PhraseTable::from_toml("[[groups]]\n"), Err(TableError::Toml(_))));
        assert!(matches!(
            PhraseTable::from_toml("[[group]]\nkey = \"a\"\nphrases = [\"info shows\", \"extra info shows\"]\n"),
            Err(TableError::Contains(_, _))
        ));
    }
}
