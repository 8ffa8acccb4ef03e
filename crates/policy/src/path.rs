//! Granular-marking selectors (`description`, `labels.[1]`, `external_references.[0].url`):
//! parsing, resolution, and removal of selected properties with the index map needed to carry
//! the remaining granular markings over to the pruned object.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

/// One step of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn list_index(p: &str) -> Option<usize> {
    let d = p.strip_prefix('[')?.strip_suffix(']')?;
    if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    d.parse().ok()
}

/// Parses a selector by the OASIS rule
/// `^([a-z0-9_-]{3,249}(\.(\[\d+\]|[a-z0-9_-]{1,250}))*|id)$`.
pub fn parse(s: &str) -> Option<Vec<Seg<'_>>> {
    if s == "id" {
        return Some(vec![Seg::Key("id")]);
    }
    let name = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    let mut out = Vec::new();
    for (i, p) in s.split('.').enumerate() {
        if i == 0 {
            if !name(p, 3, 249) {
                return None;
            }
            out.push(Seg::Key(p));
        } else if let Some(ix) = list_index(p) {
            out.push(Seg::Index(ix));
        } else if name(p, 1, 250) {
            out.push(Seg::Key(p));
        } else {
            return None;
        }
    }
    Some(out)
}

/// The value a selector names, if it parses and exists.
pub fn resolve<'v>(obj: &'v Value, s: &str) -> Option<&'v Value> {
    let mut cur = obj;
    for seg in parse(s)? {
        cur = match (seg, cur) {
            (Seg::Key(k), Value::Object(o)) => o.get(k)?,
            (Seg::Index(i), Value::Array(a)) => a.get(i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The value a selector names, mutably.
pub fn resolve_mut<'v>(obj: &'v mut Value, s: &str) -> Option<&'v mut Value> {
    let mut cur = obj;
    for seg in parse(s)? {
        cur = match (seg, cur) {
            (Seg::Key(k), Value::Object(o)) => o.get_mut(k)?,
            (Seg::Index(i), Value::Array(a)) => a.get_mut(i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Joins a path and a key.
pub fn key(parent: &str, k: &str) -> String {
    if parent.is_empty() { k.to_owned() } else { format!("{parent}.{k}") }
}

/// Joins a path and a list index.
pub fn index(parent: &str, i: usize) -> String {
    format!("{parent}.[{i}]")
}

/// An object with some properties removed, and how list indices moved.
#[derive(Debug, Default)]
pub struct Pruned {
    pub value: Value,
    /// For every list that lost items: old path of the list -> new index of each old item.
    maps: HashMap<String, Vec<Option<usize>>>,
    /// Old paths removed, including containers emptied by removals.
    pub dropped: BTreeSet<String>,
}

/// Removes every selected path (and containers left empty by the removal) from `obj`, and the
/// top-level properties named in `skip_top`.
pub fn prune(obj: &Value, removed: &BTreeSet<String>, skip_top: &[&str]) -> Pruned {
    let mut out = Pruned::default();
    let Value::Object(o) = obj else { return out };
    let mut m = Map::with_capacity(o.len());
    let mut path = String::new();
    for (k, x) in o {
        if skip_top.contains(&k.as_str()) {
            continue;
        }
        if removed.is_empty() {
            m.insert(k.clone(), x.clone());
            continue;
        }
        path.clear();
        path.push_str(k);
        if let Some(y) = rec(x, &mut path, removed, &mut out.maps, &mut out.dropped) {
            m.insert(k.clone(), y);
        }
    }
    out.value = Value::Object(m);
    out
}

fn rec(v: &Value, path: &mut String, removed: &BTreeSet<String>, maps: &mut HashMap<String, Vec<Option<usize>>>, dropped: &mut BTreeSet<String>) -> Option<Value> {
    if !path.is_empty() && removed.contains(path.as_str()) {
        dropped.insert(path.clone());
        return None;
    }
    let len = path.len();
    match v {
        Value::Object(o) => {
            let mut m = Map::with_capacity(o.len());
            for (k, x) in o {
                if len > 0 {
                    path.push('.');
                }
                path.push_str(k);
                if let Some(y) = rec(x, path, removed, maps, dropped) {
                    m.insert(k.clone(), y);
                }
                path.truncate(len);
            }
            if m.is_empty() && !o.is_empty() && len > 0 {
                dropped.insert(path.clone());
                return None;
            }
            Some(Value::Object(m))
        }
        Value::Array(a) => {
            let mut items = Vec::with_capacity(a.len());
            let mut map = Vec::with_capacity(a.len());
            for (i, x) in a.iter().enumerate() {
                use std::fmt::Write;
                let _ = write!(path, ".[{i}]");
                match rec(x, path, removed, maps, dropped) {
                    Some(y) => {
                        map.push(Some(items.len()));
                        items.push(y);
                    }
                    None => map.push(None),
                }
                path.truncate(len);
            }
            if items.len() != a.len() {
                maps.insert(path.clone(), map);
            }
            if items.is_empty() && !a.is_empty() {
                dropped.insert(path.clone());
                return None;
            }
            Some(Value::Array(items))
        }
        other => Some(other.clone()),
    }
}

impl Pruned {
    /// Where a selector of the original object points in the pruned one (`pruned`: the pruned
    /// value, or one with the same structure), if it survived.
    pub fn map_selector(&self, s: &str, pruned: &Value) -> Option<String> {
        let segs = parse(s)?;
        let mut old = String::new();
        let mut new = String::new();
        for seg in segs {
            match seg {
                Seg::Key(k) => {
                    old = key(&old, k);
                    new = key(&new, k);
                }
                Seg::Index(i) => {
                    let ni = match self.maps.get(&old) {
                        Some(m) => (*m.get(i)?)?,
                        None => i,
                    };
                    old = index(&old, i);
                    new = index(&new, ni);
                }
            }
            if self.dropped.contains(&old) {
                return None;
            }
        }
        resolve(pruned, &new).map(|_| new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors_parse_and_resolve() {
        let o = json!({"id":"x--1","labels":["a","b","c"],"external_references":[{"source_name":"s","url":"u"}]});
        assert_eq!(resolve(&o, "labels.[1]"), Some(&json!("b")));
        assert_eq!(resolve(&o, "external_references.[0].url"), Some(&json!("u")));
        assert!(resolve(&o, "labels.[3]").is_none());
        assert!(parse("Labels").is_none());
        assert!(parse("ab").is_none());
        assert!(parse("id").is_some());
        assert!(parse("labels.[x]").is_none());
    }

    #[test]
    fn prune_shifts_indices_and_drops_empty_containers() {
        let o = json!({"labels":["a","b","c"],"external_references":[{"url":"u"}],"name":"n"});
        let removed: BTreeSet<String> = ["labels.[0]", "external_references.[0].url"].iter().map(|s| s.to_string()).collect();
        let p = prune(&o, &removed, &[]);
        assert_eq!(p.value, json!({"labels":["b","c"],"name":"n"}));
        assert_eq!(p.map_selector("labels.[2]", &p.value).as_deref(), Some("labels.[1]"));
        assert_eq!(p.map_selector("labels.[0]", &p.value), None);
        assert_eq!(p.map_selector("external_references", &p.value), None);
        assert_eq!(p.map_selector("name", &p.value).as_deref(), Some("name"));
    }
}
