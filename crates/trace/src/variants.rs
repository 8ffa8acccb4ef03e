//! Meaning-preserving per-recipient variants of one release, and the internal variant maps.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::marks;
use crate::phrases::PhraseTable;
use crate::text::{Matcher, context, protection, tokenize};

/// Free-text properties whose wording may vary (top level of an object).
pub const TEXT_PROPERTIES: &[&str] = &["description", "content", "abstract", "explanation"];

/// Object types whose text is never varied and whose ids are never rewritten.
const FIXED_TYPES: &[&str] = &["marking-definition", "extension-definition", "language-content"];

/// Object types whose text is never varied (names and descriptions of places and parties are
/// operative), though their ids are rewritten.
const NO_TEXT_TYPES: &[&str] = &["location", "identity"];

/// Context words recorded each side of a slot.
pub(crate) const CONTEXT_WORDS: usize = 4;

/// Candidate codewords drawn per recipient.
const CANDIDATES: u32 = 64;

/// Version of the [`VariantMap`] serialisation.
pub const MAP_FORMAT: u32 = 1;

/// How variants are compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantOptions {
    /// Every choice (ids, wording, mark codes) derives from this seed: the same seed, objects,
    /// table and recipients give the same variants. Keep it secret: with it, the per-recipient
    /// ids and choices can be recomputed by anyone holding the release.
    pub seed: [u8; 32],
    /// Write invisible marks (zero-width characters) into varied text properties. Off by default.
    pub invisible_marks: bool,
    /// The text will be translated: no invisible marks whatever `invisible_marks` says
    /// (a translator's tools would carry them into a different text, or strip them).
    pub translated: bool,
    /// Ids to keep unchanged besides the fixed ones (marking- and extension-definitions, and any
    /// `created_by_ref` target), e.g. identities the recipients already know.
    pub keep_ids: Vec<String>,
}

impl VariantOptions {
    pub fn new(seed: [u8; 32]) -> VariantOptions {
        VariantOptions { seed, invisible_marks: false, translated: false, keep_ids: Vec::new() }
    }
    fn marks(&self) -> bool {
        self.invisible_marks && !self.translated
    }
}

/// **INTERNAL — never released.** What made one recipient's variant different: the id mapping,
/// every wording choice, and the mark code. The server stores it apart from releases; it has no
/// STIX form on purpose. With it (and nothing else) [`crate::trace()`] can tell whose release a
/// leak came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantMap {
    /// [`MAP_FORMAT`].
    pub format: u32,
    /// The recipient's name as given to [`make_variants`].
    pub partner: String,
    /// The caller's name for the release (e.g. its manifest id), reported by [`crate::trace()`].
    #[serde(default)]
    pub release: Option<String>,
    /// Input object id -> this recipient's id.
    pub ids: BTreeMap<String, String>,
    /// Every wording slot, in the order of the objects, properties and positions.
    pub slots: Vec<SlotChoice>,
    /// The 24-bit code of the invisible marks, when marks were written.
    pub mark: Option<u32>,
}

/// One wording slot and the alternative this recipient got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotChoice {
    /// The input object's id.
    pub source_id: String,
    /// The object's id in this variant.
    pub object_id: String,
    /// The text property.
    pub property: String,
    /// UTF-8 byte offset of the chosen phrase in this variant's text.
    pub offset: usize,
    /// The phrase group's key.
    pub group: String,
    /// The group's phrases when the variant was made (tracing does not need the table).
    pub alternatives: Vec<String>,
    /// Index into `alternatives` of this recipient's phrase.
    pub choice: usize,
    /// Normalised words before the slot (nearest first) and after it, not counting other slots.
    pub left: Vec<String>,
    pub right: Vec<String>,
}

impl SlotChoice {
    pub fn chosen(&self) -> &str {
        &self.alternatives[self.choice]
    }
}

/// One recipient's variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub partner: String,
    /// The objects to release to this recipient (same order as the input).
    pub objects: Vec<Value>,
    /// Internal: store it, never release it.
    pub map: VariantMap,
}

/// Variants for every recipient, and how well they can be told apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Variants {
    /// In the order of the `partners` argument.
    pub variants: Vec<Variant>,
    /// Number of wording slots found in the text.
    pub slots: usize,
    /// Number of distinct wording codewords (product of the slots' alternative counts; saturates).
    pub codewords: u128,
    /// Smallest number of slots in which two recipients' wording differs (None with fewer than two
    /// recipients). 0 means two recipients cannot be told apart by wording alone.
    pub min_distance: Option<usize>,
}

/// Why variants could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VariantError {
    #[error("recipient name '{0}' is given twice: name each recipient once")]
    DuplicatePartner(String),
    #[error("no recipients: give at least one")]
    NoPartners,
    #[error("object {0} has no string 'id' and 'type'")]
    NotAnObject(usize),
}

struct Slot {
    object: usize,
    property: &'static str,
    start: usize,
    end: usize,
    group: usize,
    left: Vec<String>,
    right: Vec<String>,
}

fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    h.finalize().into()
}

/// Finds the wording slots of the objects' free text.
fn find_slots(objects: &[Value], table: &PhraseTable) -> Vec<Slot> {
    let mut phrase_group = Vec::new();
    for (g, grp) in table.groups().iter().enumerate() {
        for p in &grp.phrases {
            phrase_group.push((p.as_str(), g));
        }
    }
    let matcher = Matcher::new(phrase_group.iter().map(|(p, _)| *p));
    let mut slots = Vec::new();
    for (oi, o) in objects.iter().enumerate() {
        if !text_varies(o) {
            continue;
        }
        for &prop in TEXT_PROPERTIES {
            let Some(text) = o.get(prop).and_then(Value::as_str) else { continue };
            let tokens = tokenize(text);
            let (prot, time) = protection(text, &tokens);
            let found = matcher.find(text, &tokens, true);
            let mut in_phrase = vec![false; tokens.len()];
            for f in &found {
                in_phrase[f.first..f.last].iter_mut().for_each(|b| *b = true);
            }
            for f in found {
                let touches_time = (f.first > 0 && time[f.first - 1]) || time.get(f.last).copied().unwrap_or(false);
                if touches_time || prot[f.first..f.last].iter().any(|&p| p) {
                    continue;
                }
                let (left, right) = context(&tokens, &in_phrase, f.first, f.last, CONTEXT_WORDS);
                slots.push(Slot { object: oi, property: prop, start: f.start, end: f.end, group: phrase_group[f.phrase].1, left, right });
            }
        }
    }
    slots
}

fn text_varies(o: &Value) -> bool {
    let ty = o.get("type").and_then(Value::as_str).unwrap_or_default();
    if FIXED_TYPES.contains(&ty) || NO_TEXT_TYPES.contains(&ty) {
        return false;
    }
    // Text with offset-based annotations (source-protection spans) keeps its exact bytes.
    let spans = o.get("extensions").and_then(Value::as_object).is_some_and(|e| e.values().any(|x| x.get("spans").is_some()));
    !spans
}

/// Assigns each recipient a codeword (one alternative per slot), far from the others'.
///
/// Recipients are taken in the order of SHA-256(seed, name); each draws [`CANDIDATES`] codewords
/// from SHA-256(seed, name, candidate, block) and keeps the one with the largest smallest Hamming
/// distance to the codewords already given (then the largest total distance). If every candidate
/// repeats a codeword and unused ones remain, the next unused codeword is taken, so recipients
/// get distinct codewords whenever there are at least as many codewords as recipients.
fn assign_codewords(seed: &[u8; 32], partners: &[&str], radices: &[usize]) -> HashMap<String, Vec<usize>> {
    let mut order: Vec<&str> = partners.to_vec();
    order.sort_by_cached_key(|p| digest(&[b"tearline-trace-order-v1", seed, p.as_bytes()]));
    let capacity = radices.iter().try_fold(1u128, |a, &m| a.checked_mul(m as u128)).unwrap_or(u128::MAX);
    let mut given: Vec<Vec<usize>> = Vec::new();
    let mut taken: HashSet<Vec<usize>> = HashSet::new();
    let mut out = HashMap::new();
    for p in order {
        let mut best: Option<(usize, usize, Vec<usize>)> = None;
        for c in 0..CANDIDATES {
            let word = draw(seed, p, c, radices);
            let (min, sum) = given.iter().fold((usize::MAX, 0), |(mn, s), g| {
                let d = g.iter().zip(&word).filter(|(a, b)| a != b).count();
                (mn.min(d), s + d)
            });
            if best.as_ref().is_none_or(|(bm, bs, _)| (min, sum) > (*bm, *bs)) {
                best = Some((min, sum, word));
            }
        }
        let mut word = best.map(|b| b.2).unwrap_or_default();
        if taken.contains(&word) && (taken.len() as u128) < capacity {
            while taken.contains(&word) {
                increment(&mut word, radices);
            }
        }
        taken.insert(word.clone());
        given.push(word.clone());
        out.insert(p.to_owned(), word);
    }
    out
}

fn draw(seed: &[u8; 32], partner: &str, candidate: u32, radices: &[usize]) -> Vec<usize> {
    let mut word = Vec::with_capacity(radices.len());
    for (block, chunk) in radices.chunks(16).enumerate() {
        let d = digest(&[b"tearline-trace-choice-v1", seed, partner.as_bytes(), &candidate.to_be_bytes(), &(block as u64).to_be_bytes()]);
        for (i, &m) in chunk.iter().enumerate() {
            let x = u16::from_be_bytes([d[2 * i], d[2 * i + 1]]) as usize;
            word.push(x % m);
        }
    }
    word
}

/// Mixed-radix +1 (wrapping).
fn increment(word: &mut [usize], radices: &[usize]) {
    for (d, &m) in word.iter_mut().zip(radices) {
        *d += 1;
        if *d < m {
            return;
        }
        *d = 0;
    }
}

/// Distinct 24-bit mark codes, from SHA-256(seed, name).
fn assign_mark_codes(seed: &[u8; 32], partners: &[&str]) -> HashMap<String, u32> {
    let mut order: Vec<&str> = partners.to_vec();
    order.sort_by_cached_key(|p| digest(&[b"tearline-trace-order-v1", seed, p.as_bytes()]));
    let mut used = HashSet::new();
    let mut out = HashMap::new();
    for p in order {
        let d = digest(&[b"tearline-trace-mark-v1", seed, p.as_bytes()]);
        let mut code = u32::from_be_bytes([0, d[0], d[1], d[2]]);
        while !used.insert(code) {
            code = (code + 1) & marks::CODE_MASK;
        }
        out.insert(p.to_owned(), code);
    }
    out
}

/// The recipient's id for an input id: same type, a UUIDv5 whose namespace derives from the seed.
fn variant_id(seed: &[u8; 32], partner: &str, id: &str) -> String {
    let d = digest(&[b"tearline-trace-namespace-v1", seed]);
    let mut ns = [0u8; 16];
    ns.copy_from_slice(&d[..16]);
    let ns = uuid::Uuid::from_bytes(ns);
    let ty = id.split_once("--").map_or("", |(t, _)| t);
    let name = format!("{partner}\0{id}");
    format!("{ty}--{}", uuid::Uuid::new_v5(&ns, name.as_bytes()))
}

/// Rewrites `id`, `*_ref` and `*_refs` values found in `ids`, at any depth.
fn rewrite_refs(v: &mut Value, ids: &BTreeMap<String, String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                let is_ref = k == "id" || k.ends_with("_ref") || k.ends_with("_refs");
                match x {
                    Value::String(s) if is_ref => {
                        if let Some(n) = ids.get(s.as_str()) {
                            *s = n.clone();
                        }
                    }
                    Value::Array(items) if is_ref => {
                        for it in items {
                            if let Value::String(s) = it {
                                if let Some(n) = ids.get(s.as_str()) {
                                    *s = n.clone();
                                }
                            } else {
                                rewrite_refs(it, ids);
                            }
                        }
                    }
                    _ => rewrite_refs(x, ids),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite_refs(x, ids)),
        _ => {}
    }
}

/// Ids that stay as they are: definitions (fixed, shared ids), authors, and the caller's list.
fn kept_ids(objects: &[Value], opts: &VariantOptions) -> BTreeSet<String> {
    let mut keep: BTreeSet<String> = opts.keep_ids.iter().cloned().collect();
    for o in objects {
        let ty = o.get("type").and_then(Value::as_str).unwrap_or_default();
        if FIXED_TYPES.contains(&ty)
            && let Some(id) = o.get("id").and_then(Value::as_str)
        {
            keep.insert(id.to_owned());
        }
        if let Some(c) = o.get("created_by_ref").and_then(Value::as_str) {
            keep.insert(c.to_owned());
        }
    }
    keep
}

/// Compiles one variant per recipient of the already-projected release `objects`.
///
/// Each variant has the recipient's own ids for every object except definitions, authors and
/// `opts.keep_ids` (references inside the objects follow), the recipient's phrase in every
/// wording slot of the free-text properties ([`TEXT_PROPERTIES`]; never in `location` or
/// `identity` objects), and, if `opts` asks for them, invisible marks. Nothing else changes:
/// timestamps, names, numbers, locations, patterns and extensions are copied.
pub fn make_variants(objects: &[Value], partners: &[&str], table: &PhraseTable, opts: &VariantOptions) -> Result<Variants, VariantError> {
    if partners.is_empty() {
        return Err(VariantError::NoPartners);
    }
    let mut names = HashSet::new();
    for p in partners {
        if !names.insert(*p) {
            return Err(VariantError::DuplicatePartner((*p).to_owned()));
        }
    }
    for (i, o) in objects.iter().enumerate() {
        if o.get("id").and_then(Value::as_str).is_none() || o.get("type").and_then(Value::as_str).is_none() {
            return Err(VariantError::NotAnObject(i));
        }
    }
    let slots = find_slots(objects, table);
    let radices: Vec<usize> = slots.iter().map(|s| table.groups()[s.group].phrases.len()).collect();
    let codewords = assign_codewords(&opts.seed, partners, &radices);
    let mark_codes = assign_mark_codes(&opts.seed, partners);
    let keep = kept_ids(objects, opts);

    // Slots per (object, property), in text order.
    let mut by_field: BTreeMap<(usize, &str), Vec<usize>> = BTreeMap::new();
    for (i, s) in slots.iter().enumerate() {
        by_field.entry((s.object, s.property)).or_default().push(i);
    }

    let mut variants = Vec::with_capacity(partners.len());
    for &partner in partners {
        let word = &codewords[partner];
        let mut ids = BTreeMap::new();
        for o in objects {
            let id = o["id"].as_str().unwrap_or_default();
            if !keep.contains(id) {
                ids.insert(id.to_owned(), variant_id(&opts.seed, partner, id));
            }
        }
        let mark = opts.marks().then(|| mark_codes[partner]);
        let mark_text = mark.map(marks::encode);
        let mut out: Vec<Value> = objects.to_vec();
        let mut choices: Vec<Option<SlotChoice>> = vec![None; slots.len()];
        for (oi, o) in out.iter_mut().enumerate() {
            if !text_varies(o) {
                continue;
            }
            for &prop in TEXT_PROPERTIES {
                let Some(Value::String(text)) = o.get(prop) else { continue };
                let field_slots = by_field.get(&(oi, prop)).map(Vec::as_slice).unwrap_or_default();
                let mut new = String::with_capacity(text.len() + 16);
                let mut pos = 0;
                let mut offsets = Vec::with_capacity(field_slots.len());
                for &si in field_slots {
                    let s = &slots[si];
                    new.push_str(&text[pos..s.start]);
                    offsets.push(new.len());
                    new.push_str(&table.groups()[s.group].phrases[word[si]]);
                    pos = s.end;
                }
                new.push_str(&text[pos..]);
                if let Some(m) = &mark_text {
                    // After the first word: between words, never inside one.
                    let at = new.find(char::is_whitespace).unwrap_or(new.len());
                    new.insert_str(at, m);
                    for off in offsets.iter_mut().filter(|o| **o >= at) {
                        *off += m.len();
                    }
                }
                for (&si, off) in field_slots.iter().zip(offsets) {
                    let s = &slots[si];
                    let g = &table.groups()[s.group];
                    let source_id = objects[s.object]["id"].as_str().unwrap_or_default().to_owned();
                    choices[si] = Some(SlotChoice {
                        object_id: ids.get(&source_id).cloned().unwrap_or_else(|| source_id.clone()),
                        source_id,
                        property: prop.to_owned(),
                        offset: off,
                        group: g.key.clone(),
                        alternatives: g.phrases.clone(),
                        choice: word[si],
                        left: s.left.clone(),
                        right: s.right.clone(),
                    });
                }
                o[prop] = Value::String(new);
            }
        }
        for o in out.iter_mut() {
            rewrite_refs(o, &ids);
        }
        let map = VariantMap { format: MAP_FORMAT, partner: partner.to_owned(), release: None, ids, slots: choices.into_iter().flatten().collect(), mark };
        variants.push(Variant { partner: partner.to_owned(), objects: out, map });
    }
    let min_distance = (partners.len() >= 2).then(|| {
        let words: Vec<&Vec<usize>> = partners.iter().map(|p| &codewords[*p]).collect();
        let mut min = usize::MAX;
        for i in 0..words.len() {
            for j in i + 1..words.len() {
                min = min.min(words[i].iter().zip(words[j]).filter(|(a, b)| a != b).count());
            }
        }
        min
    });
    let codewords = radices.iter().try_fold(1u128, |a, &m| a.checked_mul(m as u128)).unwrap_or(u128::MAX);
    Ok(Variants { variants, slots: slots.len(), codewords, min_distance })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codewords_are_distinct_while_capacity_allows() {
        let names: Vec<String> = (0..8).map(|i| format!("p{i}")).collect();
        let partners: Vec<&str> = names.iter().map(String::as_str).collect();
        // 2 * 2 * 2 = 8 codewords for 8 recipients: all must be used.
        let w = assign_codewords(&[1; 32], &partners, &[2, 2, 2]);
        let set: HashSet<&Vec<usize>> = w.values().collect();
        assert_eq!(set.len(), 8);
    }

    #[test]
    fn codewords_spread() {
        let names: Vec<String> = (0..10).map(|i| format!("partner-{i}")).collect();
        let partners: Vec<&str> = names.iter().map(String::as_str).collect();
        let radices = vec![3; 12];
        let w = assign_codewords(&[9; 32], &partners, &radices);
        let v: Vec<&Vec<usize>> = w.values().collect();
        let mut min = usize::MAX;
        for i in 0..v.len() {
            for j in i + 1..v.len() {
                min = min.min(v[i].iter().zip(v[j]).filter(|(a, b)| a != b).count());
            }
        }
        assert!(min >= 5, "min distance {min}");
    }

    #[test]
    fn variant_ids_keep_type_and_differ_per_partner() {
        let a = variant_id(&[0; 32], "a", "indicator--00000000-0000-4000-8000-000000000000");
        let b = variant_id(&[0; 32], "b", "indicator--00000000-0000-4000-8000-000000000000");
        assert!(a.starts_with("indicator--") && b.starts_with("indicator--") && a != b);
        assert!(tearline_stix::Identifier::parse(&a).is_ok());
    }
}
