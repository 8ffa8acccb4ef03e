//! The one projection function: what of a set of source objects one recipient may get, as new
//! STIX objects.
//!
//! Per object: markings are read (fail closed), the object-level decision is taken, granular
//! markings remove the fields the recipient may not get, source-protected text spans are cut,
//! times are coarsened. Then references are resolved to a fixed point: an object that cannot
//! stand without a withheld one (a relationship's ends, a sighting's target, a report or note
//! whose `object_refs` all vanish) is withheld too, and references to anything not released are
//! pruned. Finally every survivor is rebuilt under a new id (derived from the release seed, the
//! recipient and the source id), `created_by_ref` the releasing organisation, fresh
//! `created` / `modified`, re-marked with re-issued marking-definitions. Source ids stay in the
//! internal `id_map`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tearline_stix::Timestamp;

use crate::admit::{field_set, object_level};
use crate::ids;
use crate::markings::{Marking, MarkingSet, Registry};
use crate::path;
use crate::recipient::{Policy, Reason, Recipient, decide};

/// Something the recipient does not get: a whole object (`path` None), a field, or a span of
/// text in a field. Internal: for the release officer and the ledger, never released.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Removal {
    pub source_id: String,
    pub path: Option<String>,
    /// UTF-8 byte range of a removed text span in the source field.
    pub span: Option<(usize, usize)>,
    pub reason: Reason,
}

/// The result of projecting sources for one recipient.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    /// New STIX objects, sorted by id: content, the marking-definitions and extension-definitions
    /// they use, and the releasing organisation's identity.
    pub released: Vec<Value>,
    pub removals: Vec<Removal>,
    /// Internal: source id -> released id.
    pub id_map: BTreeMap<String, String>,
    /// The recipient's identity id.
    pub recipient: String,
}

impl Projection {
    /// Whether anything was withheld (internal use only).
    pub fn withheld_objects(&self) -> impl Iterator<Item = &Removal> {
        self.removals.iter().filter(|r| r.path.is_none())
    }
}

/// A 16-byte pseudo-random UUID (version 4 layout) from the release seed and a label: without the
/// seed it cannot be linked to the label, with it a preview reproduces the release exactly.
pub fn derive_uuid(seed: &[u8; 32], parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(b"tearline-release-id-v1\0");
    h.update(seed);
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).to_string()
}

/// Millisecond STIX text of a timestamp.
pub(crate) fn millis(t: &Timestamp) -> String {
    let s = t.to_micros_string();
    format!("{}Z", &s[..23])
}

/// Keys whose timestamps end a window: coarsened upwards.
const CEIL_KEYS: &[&str] = &["last_seen", "last_observed", "valid_until", "stop_time", "end", "window_end", "end_date"];

/// Object types that are not released as content.
const NOT_CONTENT: &[&str] = &["marking-definition", "extension-definition", "bundle", "language-content"];

/// Properties rebuilt on every released object (never copied from the source).
const REBUILT: &[&str] = &["id", "created", "modified", "created_by_ref", "object_marking_refs", "granular_markings", "spec_version"];

struct Staged {
    source_id: String,
    ty: String,
    value: Value,
    objset: MarkingSet,
    /// Surviving selectors (in the pruned object) -> their source marking refs.
    granular: Vec<(String, Vec<String>)>,
    changed: bool,
}

/// Projects `sources` for `recipient` under `policy`.
pub fn project(sources: &[Value], recipient: &Recipient, policy: &Policy) -> Projection {
    let mut reg = Registry::builtin();
    for s in sources {
        if s.get("type").and_then(Value::as_str) == Some("marking-definition") {
            reg.add(s);
        }
    }
    let ext_defs: HashMap<&str, &Value> = sources
        .iter()
        .filter(|s| s.get("type").and_then(Value::as_str) == Some("extension-definition"))
        .filter_map(|s| Some((s.get("id")?.as_str()?, s)))
        .collect();

    let mut removals = Vec::new();
    let mut staged: Vec<Staged> = Vec::new();
    let mut seen = HashSet::new();
    for s in sources {
        let id = s.get("id").and_then(Value::as_str).unwrap_or_default();
        if id == policy.org_identity || !seen.insert(id) {
            continue;
        }
        match stage(s, &reg, recipient, policy, &mut removals) {
            Ok(Some(st)) => staged.push(st),
            Ok(None) => {}
            Err(reason) => removals.push(Removal { source_id: id.to_owned(), path: None, span: None, reason }),
        }
    }

    // Resolve references to a fixed point; rebuild; withhold what no longer validates; repeat.
    let release_time = millis(&policy.release_time);
    let mut alive: Vec<bool> = vec![true; staged.len()];
    let mut values: Vec<Value> = staged.iter_mut().map(|s| std::mem::take(&mut s.value)).collect();
    let graph = Graph::new(&staged, &values);
    loop {
        resolve_dependencies(&staged, &graph, &mut alive, &mut removals, policy);
        let index: HashMap<&str, usize> = staged.iter().enumerate().filter(|(i, _)| alive[*i]).map(|(i, s)| (s.source_id.as_str(), i)).collect();
        let mut id_map = BTreeMap::new();
        for (i, st) in staged.iter().enumerate() {
            if alive[i] {
                id_map.insert(st.source_id.clone(), new_id(policy, recipient, &st.ty, &st.source_id));
            }
        }
        // Only objects that lost fields or references can fail validation: check those on a
        // scratch copy first, and start again if one has to be withheld.
        let mut failed = false;
        for (i, st) in staged.iter().enumerate() {
            if !alive[i] {
                continue;
            }
            let lost_ref = graph.refs[i].iter().any(|(j, t, _)| t != &policy.org_identity && !j.is_some_and(|j| alive[j]));
            let available = |t: &str| t == policy.org_identity || index.contains_key(t);
            if !(st.changed || lost_ref && pruning_changes_shape(&values[i], &available)) {
                continue;
            }
            let (obj, _) = rebuild(st, values[i].clone(), &id_map, &index, &reg, recipient, policy, &mut BTreeMap::new(), &mut HashMap::new(), &release_time);
            let v = tearline_stix::validate::validate_object(&obj);
            if !v.is_valid() {
                let what = v.errors.iter().map(|e| e.rule).collect::<Vec<_>>().join(", ");
                removals.push(Removal { source_id: st.source_id.clone(), path: None, span: None, reason: Reason::CannotStand(what) });
                alive[i] = false;
                failed = true;
            }
        }
        if failed {
            continue;
        }
        let mut out = Vec::new();
        let mut ref_removals = Vec::new();
        let mut used_markings: BTreeMap<String, Value> = BTreeMap::new();
        let mut memo: HashMap<String, Option<String>> = HashMap::new();
        let mut used_exts: BTreeSet<String> = BTreeSet::new();
        for (i, st) in staged.iter().enumerate() {
            if !alive[i] {
                continue;
            }
            let value = std::mem::take(&mut values[i]);
            let (obj, pruned_refs) = rebuild(st, value, &id_map, &index, &reg, recipient, policy, &mut used_markings, &mut memo, &release_time);
            if let Some(Value::Object(e)) = obj.get("extensions") {
                used_exts.extend(e.keys().filter(|k| k.starts_with("extension-definition--")).cloned());
            }
            ref_removals.extend(pruned_refs.into_iter().map(|(p, target)| Removal {
                source_id: st.source_id.clone(),
                path: Some(p),
                span: None,
                reason: Reason::Dependency(target.split_once("--").map(|(t, _)| t.to_owned()).unwrap_or(target)),
            }));
            out.push(obj);
        }
        removals.extend(ref_removals);
        if !out.is_empty() {
            // The releasing organisation's identity, without markings that would name internal
            // marking-definitions.
            let mut org = policy.org_identity_object.clone();
            if let Some(m) = org.as_object_mut() {
                m.remove("object_marking_refs");
                m.remove("granular_markings");
            }
            out.push(org);
        }
        out.extend(used_markings.into_values());
        let mut tearline_ext = false;
        for e in &used_exts {
            if let Some(def) = ids::extension_definition(e) {
                out.push(def.clone());
                tearline_ext = true;
            } else if let Some(def) = ext_defs.get(e.as_str()) {
                let mut d = (*def).clone();
                if let Some(m) = d.as_object_mut() {
                    m.remove("object_marking_refs");
                    m.remove("granular_markings");
                }
                out.push(d);
            }
        }
        if tearline_ext {
            out.push(ids::tearline_identity());
        }
        out.sort_by_cached_key(|o| o.get("id").and_then(Value::as_str).unwrap_or_default().to_owned());
        out.dedup_by(|a, b| a.get("id") == b.get("id"));
        return Projection { released: out, removals, id_map, recipient: recipient.org_identity.clone() };
    }
}

fn new_id(policy: &Policy, recipient: &Recipient, ty: &str, source_id: &str) -> String {
    format!("{ty}--{}", derive_uuid(&policy.seed, &["object", &recipient.org_identity, source_id]))
}

/// Per-object work that does not depend on other objects.
fn stage(s: &Value, reg: &Registry, recipient: &Recipient, policy: &Policy, removals: &mut Vec<Removal>) -> Result<Option<Staged>, Reason> {
    let Some(obj) = s.as_object() else { return Err(Reason::NotContent) };
    let (Some(id), Some(ty)) = (obj.get("id").and_then(Value::as_str), obj.get("type").and_then(Value::as_str)) else {
        return Err(Reason::NotContent);
    };
    if NOT_CONTENT.contains(&ty) {
        // Definitions are re-issued as needed, never passed on by id.
        return Ok(None);
    }
    if tearline_stix::Identifier::parse(id).map(|i| i.object_type() != ty).unwrap_or(true) {
        return Err(Reason::Markings("invalid id".into()));
    }
    // The object-level decision egress takes too (`admit`): one marking reading, one decide.
    let (om, objset) = object_level(s, id, reg, recipient, policy)?;

    let mut removed: BTreeSet<String> = BTreeSet::new();
    let mut local = Vec::new();
    let mut granular = BTreeMap::new();
    for (sel, refs) in &om.granular {
        let field = field_set(&objset, sel, refs, reg)?;
        match decide(&field, id, recipient, policy) {
            Ok(()) => {
                granular.insert(sel.clone(), refs.clone());
            }
            Err(reason) => {
                if matches!(sel.as_str(), "id" | "type") {
                    return Err(reason);
                }
                removed.insert(sel.clone());
                local.push(Removal { source_id: id.to_owned(), path: Some(sel.clone()), span: None, reason });
            }
        }
    }

    let mut cut: Option<Value> = None;
    let mut changed = !removed.is_empty();
    // Source-protected text spans.
    let sp_ext = path::key("extensions", ids::EXT_SOURCE_PROTECTION);
    if let Some(ext) = path::resolve(s, &sp_ext) {
        let allowed = policy.release_level.min(recipient.max_source_level);
        let mut cuts: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
        let spans = ext.get("spans").map(|v| v.as_array().ok_or(())).transpose().map_err(|_| Reason::Markings("source protection spans must be a list".into()))?;
        for sp in spans.into_iter().flatten() {
            let bad = || Reason::Markings("malformed source protection span".into());
            let sel = sp.get("selector").and_then(Value::as_str).ok_or_else(bad)?;
            let start = sp.get("start").and_then(Value::as_u64).ok_or_else(bad)? as usize;
            let end = sp.get("end").and_then(Value::as_u64).ok_or_else(bad)? as usize;
            let level = sp.get("level").and_then(Value::as_u64).ok_or_else(bad)?;
            let text = path::resolve(s, sel).and_then(Value::as_str).ok_or_else(bad)?;
            if start >= end || end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                return Err(bad());
            }
            if level > u64::from(allowed) && !is_removed(&removed, sel) {
                cuts.entry(sel.to_owned()).or_default().push((start, end));
                local.push(Removal { source_id: id.to_owned(), path: Some(sel.to_owned()), span: Some((start, end)), reason: Reason::SourceProtection });
            }
        }
        for (sel, ranges) in cuts {
            let value = cut.get_or_insert_with(|| s.clone());
            if let Some(Value::String(t)) = path::resolve_mut(value, &sel) {
                *t = cut_spans(t, ranges);
                if t.is_empty() {
                    removed.insert(sel);
                }
            }
            changed = true;
        }
        removed.insert(sp_ext);
    }
    let mut pruned = path::prune(cut.as_ref().unwrap_or(s), &removed, REBUILT);
    let mut value = std::mem::take(&mut pruned.value);
    coarsen_times(&mut value, "", policy.granularity.micros());
    // Carried granular markings, with selectors mapped through the field pruning.
    let granular = granular
        .into_iter()
        .filter_map(|(sel, refs)| pruned.map_selector(&sel, &value).map(|n| (n, refs)))
        .filter(|(n, _)| !REBUILT.iter().any(|k| n == k || n.starts_with(&format!("{k}."))))
        .collect();
    removals.extend(local);
    Ok(Some(Staged { source_id: id.to_owned(), ty: ty.to_owned(), value, objset, granular, changed }))
}

fn is_removed(removed: &BTreeSet<String>, sel: &str) -> bool {
    removed.iter().any(|r| sel == r || (sel.starts_with(r.as_str()) && sel.as_bytes().get(r.len()) == Some(&b'.')))
}

/// Removes byte ranges from a text and tidies the whitespace left behind, so the cut leaves no
/// visible seam.
pub(crate) fn cut_spans(text: &str, mut ranges: Vec<(usize, usize)>) -> String {
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (s, e) in ranges {
        if s > pos {
            out.push_str(&text[pos..s]);
        }
        pos = pos.max(e);
    }
    out.push_str(&text[pos.min(text.len())..]);
    let mut tidy = String::with_capacity(out.len());
    let mut last_space = true;
    for ch in out.chars() {
        if ch == ' ' {
            if !last_space {
                tidy.push(' ');
            }
            last_space = true;
        } else {
            if matches!(ch, '.' | ',' | ';' | ':') && tidy.ends_with(' ') {
                tidy.pop();
            }
            tidy.push(ch);
            last_space = false;
        }
    }
    tidy.trim().to_owned()
}

fn coarsen_times(v: &mut Value, key: &str, g: i64) {
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                coarsen_times(x, k, g);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| coarsen_times(x, key, g)),
        Value::String(s) => {
            let b = s.as_bytes();
            if b.len() >= 20 && b.len() <= 40 && b[10] == b'T' && b[b.len() - 1] == b'Z' && key != "created" && key != "modified"
                && let Ok(t) = Timestamp::parse(s)
            {
                let m = t.as_micros();
                let floor = m - m.rem_euclid(g);
                let exact = floor == m && t.subsec_nanos() % 1000 == 0;
                let c = if CEIL_KEYS.contains(&key) && !exact { floor + g } else { floor };
                *s = millis(&Timestamp::from_micros(c));
            }
        }
        _ => {}
    }
}

/// Calls `f(path, index, key, target)` for every reference in `v`: `path` is the property's
/// path, and for an item of a `_refs` list, the list's path with the item's `index`.
fn walk_refs(v: &Value, path: &str, f: &mut impl FnMut(&str, Option<usize>, &str, &str)) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if k.ends_with("_ref") {
                    if let Value::String(t) = x {
                        f(&path::key(path, k), None, k, t);
                    }
                } else if k.ends_with("_refs") {
                    if let Value::Array(items) = x {
                        let p = path::key(path, k);
                        for (i, it) in items.iter().enumerate() {
                            if let Value::String(t) = it {
                                f(&p, Some(i), k, t);
                            }
                        }
                    }
                } else if matches!(x, Value::Object(_) | Value::Array(_)) {
                    walk_refs(x, &path::key(path, k), f);
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                if matches!(x, Value::Object(_) | Value::Array(_)) {
                    walk_refs(x, &path::index(path, i), f);
                }
            }
        }
        _ => {}
    }
}

/// Whether pruning the unavailable references of `v` removes a property (a singular `_ref`, or
/// a `_refs` list that loses every item): only then can the object stop being valid. Items lost
/// from lists that keep some leave the shape as it was.
fn pruning_changes_shape(v: &Value, available: &impl Fn(&str) -> bool) -> bool {
    let mut lists: HashMap<String, (usize, usize)> = HashMap::new();
    let mut singular = false;
    walk_refs(v, "", &mut |p, i, _k, t| {
        if i.is_some() {
            let e = lists.entry(p.to_owned()).or_default();
            e.0 += 1;
            if available(t) {
                e.1 += 1;
            }
        } else if !available(t) {
            singular = true;
        }
    });
    singular || lists.values().any(|&(n, ok)| n > 0 && ok == 0)
}

/// Lists that must keep at least one reference.
fn required_list(ty: &str, key: &str, obj: &Value) -> bool {
    match (ty, key) {
        ("report" | "grouping" | "note" | "opinion", "object_refs") => true,
        ("observed-data", "object_refs") => obj.get("objects").is_none(),
        _ => false,
    }
}

/// How an object depends on one of its references.
#[derive(Clone, Copy)]
enum Need {
    /// It cannot stand without the target.
    Required,
    /// One of a list that must keep at least one member (the list's number in `lists`).
    List(usize),
    Optional,
}

/// The references between staged objects, computed once.
struct Graph {
    /// Per object: (target staged index if staged, target id, need).
    refs: Vec<Vec<(Option<usize>, String, Need)>>,
    /// Per object: number of required lists.
    lists: Vec<usize>,
    /// Per target: (dependent, need) for every reference to it.
    dependents: Vec<Vec<(usize, Need)>>,
}

impl Graph {
    fn new(staged: &[Staged], values: &[Value]) -> Graph {
        let index: HashMap<&str, usize> = staged.iter().enumerate().map(|(i, s)| (s.source_id.as_str(), i)).collect();
        let mut refs_out = Vec::with_capacity(staged.len());
        let mut lists_out = Vec::with_capacity(staged.len());
        let mut dependents: Vec<Vec<(usize, Need)>> = vec![Vec::new(); staged.len()];
        for (i, st) in staged.iter().enumerate() {
            let mut list_names: Vec<String> = Vec::new();
            let mut rs = Vec::new();
            let ty = st.ty.as_str();
            walk_refs(&values[i], "", &mut |p, item, k, t| {
                let required = matches!((ty, k), ("relationship", "source_ref" | "target_ref") | ("sighting", "sighting_of_ref") | ("language-content", "object_ref"));
                let need = if required && item.is_none() {
                    Need::Required
                } else if item.is_some() && !p.contains('.') && required_list(ty, p, &values[i]) {
                    let n = match list_names.iter().position(|l| l == p) {
                        Some(n) => n,
                        None => {
                            list_names.push(p.to_owned());
                            list_names.len() - 1
                        }
                    };
                    Need::List(n)
                } else {
                    Need::Optional
                };
                let j = index.get(t).copied();
                if let Some(j) = j {
                    dependents[j].push((i, need));
                }
                rs.push((j, t.to_owned(), need));
            });
            refs_out.push(rs);
            lists_out.push(list_names.len());
        }
        Graph { refs: refs_out, lists: lists_out, dependents }
    }
}

/// Withholds, to a fixed point, every object that cannot stand without a withheld one. Linear
/// in the number of references: list counts are taken once against the objects alive on entry,
/// and every object withheld here decrements them as it goes.
fn resolve_dependencies(staged: &[Staged], g: &Graph, alive: &mut [bool], removals: &mut Vec<Removal>, policy: &Policy) {
    let mut counts: Vec<Vec<usize>> = g.lists.iter().map(|&n| vec![0; n]).collect();
    let mut lost: Vec<Option<String>> = vec![None; staged.len()];
    for i in 0..staged.len() {
        if !alive[i] {
            continue;
        }
        for (j, t, need) in &g.refs[i] {
            let ok = t == &policy.org_identity || j.is_some_and(|j| alive[j]);
            match need {
                Need::Required if !ok && lost[i].is_none() => lost[i] = Some(t.clone()),
                Need::List(l) if ok => counts[i][*l] += 1,
                _ => {}
            }
        }
        if lost[i].is_none() && counts[i].contains(&0) {
            lost[i] = Some("every reference in a required list".into());
        }
    }
    let mut queue: Vec<usize> = Vec::new();
    let mut kill = |i: usize, why: &str, alive: &mut [bool], queue: &mut Vec<usize>| {
        alive[i] = false;
        queue.push(i);
        let what = why.split_once("--").map(|(ty, _)| ty).unwrap_or(why);
        removals.push(Removal { source_id: staged[i].source_id.clone(), path: None, span: None, reason: Reason::Dependency(what.to_owned()) });
    };
    for i in 0..staged.len() {
        if alive[i]
            && let Some(why) = &lost[i]
        {
            kill(i, why, alive, &mut queue);
        }
    }
    while let Some(j) = queue.pop() {
        for &(i, need) in &g.dependents[j] {
            if !alive[i] {
                continue;
            }
            match need {
                Need::Required => kill(i, &staged[j].source_id, alive, &mut queue),
                Need::List(l) => {
                    counts[i][l] -= 1;
                    if counts[i][l] == 0 {
                        kill(i, "every reference in a required list", alive, &mut queue);
                    }
                }
                Need::Optional => {}
            }
        }
    }
}

/// Builds the released object; returns it and the reference paths pruned (path, target).
#[allow(clippy::too_many_arguments)] // private: the projection's state, passed explicitly
fn rebuild(
    st: &Staged,
    value: Value,
    id_map: &BTreeMap<String, String>,
    index: &HashMap<&str, usize>,
    reg: &Registry,
    recipient: &Recipient,
    policy: &Policy,
    used: &mut BTreeMap<String, Value>,
    memo: &mut HashMap<String, Option<String>>,
    release_time: &str,
) -> (Value, Vec<(String, String)>) {
    let map = |t: &str| -> Option<String> {
        if t == policy.org_identity {
            Some(t.to_owned())
        } else if index.contains_key(t) {
            id_map.get(t).cloned()
        } else {
            None
        }
    };
    // References to anything not released are pruned, the rest mapped to released ids. When
    // granular markings are carried, list items that shift must shift their selectors too, so
    // the pruning goes through `path::prune` and its index map.
    let mut pruned_refs: Vec<(String, String)> = Vec::new();
    let mut granular_sels: Vec<(String, &Vec<String>)> = Vec::with_capacity(st.granular.len());
    let mut value = value;
    if st.granular.is_empty() {
        map_refs(&mut value, "", &map, &mut pruned_refs);
    } else {
        walk_refs(&value, "", &mut |p, i, _k, t| {
            if t != policy.org_identity && !index.contains_key(t) {
                pruned_refs.push((i.map_or_else(|| p.to_owned(), |i| path::index(p, i)), t.to_owned()));
            }
        });
        if !pruned_refs.is_empty() {
            let set: BTreeSet<String> = pruned_refs.iter().map(|(p, _)| p.clone()).collect();
            let mut rp = path::prune(&value, &set, &[]);
            value = std::mem::take(&mut rp.value);
            for (sel, refs) in &st.granular {
                if let Some(n) = rp.map_selector(sel, &value) {
                    granular_sels.push((n, refs));
                }
            }
        } else {
            granular_sels.extend(st.granular.iter().map(|(s, r)| (s.clone(), r)));
        }
        map_refs(&mut value, "", &map, &mut Vec::new());
    }
    // Rebuilt in place: only the rebuilt properties are inserted (key order is irrelevant to
    // the RFC 8785 bytes that are hashed, signed and published).
    let Value::Object(mut m) = value else { return (Value::Null, pruned_refs) };
    let category = tearline_stix::validate::category_of(&st.ty);
    let is_sco = matches!(category, Some(tearline_stix::validate::Category::Sco));
    m.insert("spec_version".into(), json!("2.1"));
    m.insert("id".into(), json!(id_map.get(&st.source_id).cloned().unwrap_or_default()));
    if !is_sco {
        let t = release_time;
        m.insert("created_by_ref".into(), json!(policy.org_identity));
        m.insert("created".into(), json!(t));
        m.insert("modified".into(), json!(t));
    }
    // Object-level markings.
    let mut omr: Vec<String> = Vec::new();
    if let Some(t) = st.objset.tlp {
        omr.push(t.definition_id().to_owned());
    }
    for r in &st.objset.refs {
        if let Some(id) = reissue(r, reg, policy, recipient, used, memo) {
            omr.push(id);
        }
    }
    if recipient.flags.hostile || recipient.flags.not_recognised {
        omr.push(ids::NO_ENDORSEMENT.to_owned());
        used.entry(ids::NO_ENDORSEMENT.to_owned()).or_insert_with(ids::no_endorsement_definition);
    }
    if let Some(t) = st.objset.tlp {
        used.entry(t.definition_id().to_owned()).or_insert_with(|| tlp_def(t));
    }
    omr.sort();
    omr.dedup();
    if !omr.is_empty() {
        m.insert("object_marking_refs".into(), json!(omr));
    }
    // Granular markings, carried with their selectors mapped to the pruned object.
    let mut by_ref: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (new_sel, refs) in granular_sels {
        for r in refs {
            let out_ref = match reg.get(r) {
                Ok(Marking::Tlp(t)) => {
                    used.entry(t.definition_id().to_owned()).or_insert_with(|| tlp_def(*t));
                    Some(t.definition_id().to_owned())
                }
                _ => reissue(r, reg, policy, recipient, used, memo),
            };
            if let Some(o) = out_ref {
                by_ref.entry(o).or_default().insert(new_sel.clone());
            }
        }
    }
    if !by_ref.is_empty() {
        let g: Vec<Value> = by_ref.into_iter().map(|(r, sels)| json!({"marking_ref": r, "selectors": sels})).collect();
        m.insert("granular_markings".into(), Value::Array(g));
    }
    (Value::Object(m), pruned_refs)
}

fn map_refs(v: &mut Value, path: &str, map: &impl Fn(&str) -> Option<String>, pruned: &mut Vec<(String, String)>) {
    match v {
        Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                if matches!(x, Value::Object(_) | Value::Array(_)) {
                    map_refs(x, &path::index(path, i), map, pruned);
                }
            }
        }
        Value::Object(o) => {
            let mut gone: Vec<String> = Vec::new();
            for (k, x) in o.iter_mut() {
                if k.ends_with("_ref") {
                    if let Value::String(t) = x {
                        match map(t) {
                            Some(n) => *t = n,
                            None => {
                                pruned.push((path::key(path, k), t.clone()));
                                gone.push(k.clone());
                            }
                        }
                    }
                } else if k.ends_with("_refs") {
                    if let Value::Array(items) = x {
                        let mut kept = Vec::with_capacity(items.len());
                        for (i, it) in items.iter().enumerate() {
                            match it.as_str().and_then(map) {
                                Some(n) => kept.push(Value::String(n)),
                                None => pruned.push((path::index(&path::key(path, k), i), it.as_str().unwrap_or_default().to_owned())),
                            }
                        }
                        if kept.is_empty() {
                            gone.push(k.clone());
                        } else {
                            *items = kept;
                        }
                    }
                } else if matches!(x, Value::Object(_) | Value::Array(_)) {
                    map_refs(x, &path::key(path, k), map, pruned);
                }
            }
            for k in gone {
                o.shift_remove(&k);
            }
        }
        _ => {}
    }
}

fn tlp_def(t: crate::markings::Tlp) -> Value {
    ids::tlp2_definition(t.definition_id()).expect("five TLP definitions").clone()
}

/// Re-issues a source marking for the release: TLP goes to its OASIS id (handled by the
/// caller), source protection is internal and dropped, everything else becomes a new
/// marking-definition built from the parsed marking (nothing of the source definition is
/// copied), with an id derived from the seed, the recipient and its content.
fn reissue(r: &str, reg: &Registry, policy: &Policy, recipient: &Recipient, used: &mut BTreeMap<String, Value>, memo: &mut HashMap<String, Option<String>>) -> Option<String> {
    if let Some(hit) = memo.get(r) {
        return hit.clone();
    }
    let out = reissue_uncached(r, reg, policy, recipient, used);
    memo.insert(r.to_owned(), out.clone());
    out
}

fn reissue_uncached(r: &str, reg: &Registry, policy: &Policy, recipient: &Recipient, used: &mut BTreeMap<String, Value>) -> Option<String> {
    let m = reg.get(r).ok()?;
    if matches!(m, Marking::Tlp(_) | Marking::SourceProtection { .. }) {
        return None;
    }
    let t = millis(&policy.release_time);
    let (name, body): (String, Value) = match m {
        Marking::Tlp(_) | Marking::SourceProtection { .. } => return None,
        Marking::Statement(s) if s == ids::NO_ENDORSEMENT_TEXT => {
            used.entry(ids::NO_ENDORSEMENT.to_owned()).or_insert_with(ids::no_endorsement_definition);
            return Some(ids::NO_ENDORSEMENT.to_owned());
        }
        Marking::Statement(s) => ("statement".into(), json!({"definition_type":"statement","definition":{"statement":s}})),
        Marking::Caveats(c) => {
            let mut e = Map::new();
            e.insert("extension_type".into(), json!("property-extension"));
            e.insert("kind".into(), json!("caveats"));
            if let Some(cls) = c.classification {
                e.insert("classification".into(), json!(cls.abbrev()));
            }
            let mut controls: Vec<&str> = c.controls.iter().map(|c| c.as_str()).collect();
            if let Some(rl) = &c.rel_to {
                controls.push("REL");
                e.insert("rel_to".into(), json!(rl.iter().map(|c| c.as_str()).collect::<Vec<_>>()));
            }
            if let Some(d) = &c.display_only {
                controls.push("DISPLAYONLY");
                e.insert("display_only".into(), json!(d.iter().map(|c| c.as_str()).collect::<Vec<_>>()));
            }
            if !controls.is_empty() {
                e.insert("controls".into(), json!(controls));
            }
            e.insert("portion".into(), json!(c.portion()));
            (c.portion(), json!({"extensions":{ids::EXT_MARKINGS: e}}))
        }
        Marking::Pap(p) => (
            format!("PAP:{}", p.value().to_ascii_uppercase()),
            json!({"extensions":{ids::EXT_MARKINGS:{"extension_type":"property-extension","kind":"pap","pap":p.value()}}}),
        ),
        Marking::Iep(i) => {
            let mut iep = json!({"iep_version":"2.0","name":i.name,"start_date":i.start_date,"end_date":i.end_date,
                "encrypt_in_transit":i.encrypt_in_transit,"permitted_actions":i.permitted_actions,
                "affected_party_notifications":i.affected_party_notifications,"attribution":i.attribution,
                "unmodified_resale":i.unmodified_resale});
            if let Some(t) = i.tlp {
                iep["tlp"] = json!(match t {
                    crate::markings::Tlp::Clear => "white",
                    crate::markings::Tlp::Green => "green",
                    crate::markings::Tlp::Amber => "amber",
                    _ => "red",
                });
            }
            (format!("IEP: {}", i.name), json!({"extensions":{ids::EXT_MARKINGS:{"extension_type":"property-extension","kind":"iep","iep":iep}}}))
        }
    };
    let content = tearline_stix::canonical::to_canonical_string(&body);
    let id = format!("marking-definition--{}", derive_uuid(&policy.seed, &["marking", &recipient.org_identity, &content]));
    let mut def = json!({"type":"marking-definition","spec_version":"2.1","id":id,"created":t,
        "created_by_ref":policy.org_identity,"name":name});
    if let (Value::Object(d), Value::Object(b)) = (&mut def, body) {
        d.extend(b);
    }
    if matches!(m, Marking::Caveats(_) | Marking::Pap(_) | Marking::Iep(_)) {
        used.entry(ids::EXT_MARKINGS.to_owned()).or_insert_with(|| ids::extension_definition(ids::EXT_MARKINGS).expect("defined").clone());
        used.entry(ids::TEARLINE_IDENTITY.to_owned()).or_insert_with(ids::tearline_identity);
    }
    used.insert(id.clone(), def);
    Some(id)
}
