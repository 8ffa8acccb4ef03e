//! Leak tracing in the release path: meaning-preserving per-partner variants of a release.
//!
//! When one substance goes to several partners, each approval may ask for `variants`: the
//! projected objects of the release are rewritten by `tearline_trace::make_variants` for the
//! whole set of partners (the *cohort*) and this partner's variant is what gets linted, signed
//! and published. The signed bundle *is* the variant. Its ids compose with the projection's
//! (`source id -> projected id -> variant id`), so the release record's `id_map` still says
//! which released object came from which source (`releases_from_source`, recall).
//!
//! Choices are coordinated without the approvals sharing anything but their inputs: the seed
//! is derived from the signing key and the (sorted) source ids unless one is given, and the
//! codewords are chosen for the sorted cohort, so approving the cohort's partners one by one
//! (or in one CLI call) gives each partner a distinct, far-apart codeword. Releasing the same
//! sources again to a partner gives it the same wording.
//!
//! The per-partner [`VariantMap`] goes into `ReleaseRecord::variant_map` (stored apart from the
//! release, never read back with it, never served). Only a summary (slot count, codewords,
//! distance) is shown to the release officer.

use serde::{Deserialize, Serialize};
use tearline_policy::Projection;
use tearline_trace::{PhraseTable, VariantMap, VariantOptions, make_variants};

use crate::keys::SigningKeys;
use crate::{ServiceError, ServiceResult};

/// The `variants` option of a preview or an approval.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VariantsInput {
    /// Every partner getting this substance as a variant: codewords are chosen to tell these
    /// apart. The release's own partner is added if missing. Give the same list to each
    /// partner's approval.
    #[serde(default)]
    pub partners: Vec<String>,
    /// 64 hex digits. Default: derived from the signing key and the source ids.
    #[serde(default)]
    pub seed: Option<String>,
    /// Invisible zero-width marks in varied text (off by default).
    #[serde(default)]
    pub invisible_marks: bool,
    /// The text will be translated: no invisible marks whatever `invisible_marks` says.
    #[serde(default)]
    pub translated: bool,
}

/// How a partner's variant came out: for the release officer, never the variant map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariantSummary {
    /// The cohort, sorted.
    pub partners: Vec<String>,
    /// Wording slots found in the released text.
    pub wording_slots: usize,
    /// Distinct wording codewords available (a decimal string: it may exceed 2^53).
    pub codewords: String,
    /// Fewest slots in which two partners' wording differs (none with one partner).
    pub min_distance: Option<usize>,
    /// Whether invisible marks were written.
    pub invisible_marks: bool,
}

impl VariantsInput {
    /// The cohort: the given partners and `partner`, sorted, each once.
    pub fn cohort(&self, partner: &str) -> Vec<String> {
        let mut all: Vec<String> = self.partners.iter().map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect();
        all.push(partner.to_owned());
        all.sort();
        all.dedup();
        all
    }

    /// The seed: the given one, or one derived from the signing key and the sorted source ids.
    pub(crate) fn seed(&self, keys: &SigningKeys, sources: &[String]) -> ServiceResult<[u8; 32]> {
        if let Some(s) = &self.seed {
            let bytes = hex::decode(s.trim()).map_err(|_| ServiceError::Invalid("the variant seed must be 64 hex digits".into()))?;
            return bytes.try_into().map_err(|_| ServiceError::Invalid("the variant seed must be 64 hex digits".into()));
        }
        let mut sorted: Vec<&str> = sources.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        sorted.dedup();
        Ok(keys.derive("variant-seed", &[sorted.join("\n").as_bytes()]))
    }
}

/// One partner's variant of a projection.
pub(crate) struct Varied {
    /// The projection with the variant's objects and `source id -> variant id`.
    pub projection: Projection,
    /// Internal: what made this variant (its `release` is set once the manifest id is known).
    pub map: VariantMap,
    /// For the release officer.
    pub summary: VariantSummary,
}

/// `partner`'s variant of `projection`, with codewords chosen for `cohort`.
pub(crate) fn apply(projection: &Projection, partner: &str, cohort: &[String], seed: [u8; 32], input: &VariantsInput) -> ServiceResult<Varied> {
    let names: Vec<&str> = cohort.iter().map(String::as_str).collect();
    let mut opts = VariantOptions::new(seed);
    opts.invisible_marks = input.invisible_marks;
    opts.translated = input.translated;
    let all = make_variants(&projection.released, &names, &PhraseTable::default(), &opts).map_err(|e| ServiceError::Invalid(format!("variants: {e}")))?;
    let summary = VariantSummary {
        partners: cohort.to_vec(),
        wording_slots: all.slots,
        codewords: all.codewords.to_string(),
        min_distance: all.min_distance,
        invisible_marks: input.invisible_marks && !input.translated,
    };
    let variant = all
        .variants
        .into_iter()
        .find(|v| v.partner == partner)
        .ok_or_else(|| ServiceError::Invalid(format!("partner '{partner}' is not in the variant cohort")))?;
    let id_map = projection.id_map.iter().map(|(src, rel)| (src.clone(), variant.map.ids.get(rel).cloned().unwrap_or_else(|| rel.clone()))).collect();
    let mut released = variant.objects;
    released.sort_by_cached_key(|o| o.get("id").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned());
    let projection = Projection { released, removals: projection.removals.clone(), id_map, recipient: projection.recipient.clone() };
    Ok(Varied { projection, map: variant.map, summary })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohort_is_sorted_once_each_and_holds_the_partner() {
        let v = VariantsInput { partners: vec!["b".into(), "a".into(), "b".into(), " ".into()], ..Default::default() };
        assert_eq!(v.cohort("c"), ["a", "b", "c"]);
        assert_eq!(VariantsInput::default().cohort("x"), ["x"]);
    }
}
