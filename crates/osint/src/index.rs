//! The phrase dictionary: every place name and actor alias, keyed by normalised form (and by
//! transliteration skeleton for long proper names), matched longest-first over the tokens.

use crate::data::{Aliases, Gazetteer};
use crate::hash::FxHashMap;
use crate::text::{Token, normalize, skeleton, tokenize_sentence};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Place(u32),
    Actor(u32),
}

#[derive(Debug, Clone)]
struct Entry {
    target: Target,
    /// Per token of the phrase: must the text token be capitalised / written in capitals?
    need_cap: Vec<bool>,
    need_upper: Vec<bool>,
}

/// A dictionary match over tokens `start..end`.
#[derive(Debug, Clone)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub targets: Vec<Target>,
    pub fuzzy: bool,
}

#[derive(Debug, Default, Clone)]
pub struct PhraseIndex {
    exact: FxHashMap<String, Vec<Entry>>,
    first: FxHashMap<String, usize>,
    skel: FxHashMap<String, Vec<Entry>>,
    skel_first: FxHashMap<String, usize>,
}

/// Short all-capital aliases ("IS", "WP") are only matched in capitals.
const UPPER_ONLY_MAX: usize = 3;

impl PhraseIndex {
    pub fn build(gaz: &Gazetteer, aliases: &Aliases) -> PhraseIndex {
        let mut ix = PhraseIndex::default();
        for (i, p) in gaz.places.iter().enumerate() {
            for n in std::iter::once(&p.name).chain(p.names.iter()) {
                ix.add(n, Target::Place(i as u32));
            }
        }
        for (i, a) in aliases.actors.iter().enumerate() {
            for n in std::iter::once(&a.name).chain(a.aliases.iter()) {
                ix.add(n, Target::Actor(i as u32));
            }
        }
        ix
    }

    fn add(&mut self, phrase: &str, target: Target) {
        let toks = tokenize_sentence(phrase, 0, 0);
        if toks.is_empty() {
            return;
        }
        let need_cap: Vec<bool> = toks.iter().map(|t| t.cap).collect();
        let letters = phrase.chars().filter(|c| c.is_alphabetic()).count();
        let all_upper = phrase
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase);
        let need_upper: Vec<bool> = toks
            .iter()
            .map(|t| t.upper && all_upper && letters <= UPPER_ONLY_MAX)
            .collect();
        let key = normalize(phrase);
        let n = toks.len();
        let entry = Entry {
            target,
            need_cap,
            need_upper,
        };
        let list = self.exact.entry(key.clone()).or_default();
        merge(list, &entry);
        let f = self.first.entry(toks[0].norm.clone()).or_insert(0);
        *f = (*f).max(n);
        // Fuzzy (skeleton) matching for long multi-word proper names only.
        let sk = skeleton(&key);
        let sk_len = sk.chars().filter(|c| *c != ' ').count();
        if (n >= 2 && sk_len >= 6) || (n == 1 && key.len() >= 8 && sk_len >= 5) {
            let list = self.skel.entry(sk.clone()).or_default();
            merge(list, &entry);
            let first_sk = sk.split(' ').next().unwrap_or("").to_owned();
            let f = self.skel_first.entry(first_sk).or_insert(0);
            *f = (*f).max(n);
        }
    }

    fn ok(entry: &Entry, toks: &[Token]) -> bool {
        entry
            .need_cap
            .iter()
            .zip(toks)
            .all(|(&c, t)| !c || t.cap || t.numeric)
            && entry
                .need_upper
                .iter()
                .zip(toks)
                .all(|(&u, t)| !u || t.upper)
    }

    /// Longest-first, left-to-right, non-overlapping matches within each sentence.
    pub fn find(&self, tokens: &[Token]) -> Vec<Match> {
        let mut out = Vec::new();
        let mut key = String::new();
        let mut i = 0;
        let n = tokens.len();
        let mut skels: Vec<Option<String>> = vec![None; n];
        while i < n {
            let mut found: Option<Match> = None;
            if let Some(&maxl) = self.first.get(tokens[i].norm.as_str()) {
                for l in (1..=maxl).rev() {
                    if i + l > n || tokens[i + l - 1].sentence != tokens[i].sentence {
                        continue;
                    }
                    key.clear();
                    for (k, t) in tokens[i..i + l].iter().enumerate() {
                        if k > 0 {
                            key.push(' ');
                        }
                        key.push_str(&t.norm);
                    }
                    if let Some(entries) = self.exact.get(key.as_str()) {
                        let targets: Vec<Target> = entries
                            .iter()
                            .filter(|e| Self::ok(e, &tokens[i..i + l]))
                            .map(|e| e.target)
                            .collect();
                        if !targets.is_empty() {
                            found = Some(Match {
                                start: i,
                                end: i + l,
                                targets,
                                fuzzy: false,
                            });
                            break;
                        }
                    }
                }
            }
            if found.is_none() && tokens[i].cap && !self.skel_first.is_empty() {
                let sk0 = skels[i]
                    .get_or_insert_with(|| skeleton(&tokens[i].norm))
                    .clone();
                if let Some(&maxl) = self.skel_first.get(sk0.as_str()) {
                    for l in (1..=maxl).rev() {
                        if i + l > n || tokens[i + l - 1].sentence != tokens[i].sentence {
                            continue;
                        }
                        key.clear();
                        for k in i..i + l {
                            if k > i {
                                key.push(' ');
                            }
                            let s = skels[k].get_or_insert_with(|| skeleton(&tokens[k].norm));
                            key.push_str(s);
                        }
                        if let Some(entries) = self.skel.get(key.as_str()) {
                            let targets: Vec<Target> = entries
                                .iter()
                                .filter(|e| Self::ok(e, &tokens[i..i + l]))
                                .map(|e| e.target)
                                .collect();
                            if !targets.is_empty() {
                                found = Some(Match {
                                    start: i,
                                    end: i + l,
                                    targets,
                                    fuzzy: true,
                                });
                                break;
                            }
                        }
                    }
                }
            }
            match found {
                Some(m) => {
                    i = m.end;
                    out.push(m);
                }
                None => i += 1,
            }
        }
        out
    }
}

/// Adds an entry; two spellings of one target that differ only in case keep the laxer rule
/// ("Lido Beach" and "Lido beach" accept either).
fn merge(list: &mut Vec<Entry>, entry: &Entry) {
    match list
        .iter_mut()
        .find(|e| e.target == entry.target && e.need_cap.len() == entry.need_cap.len())
    {
        Some(e) => {
            for (a, b) in e.need_cap.iter_mut().zip(&entry.need_cap) {
                *a = *a && *b;
            }
            for (a, b) in e.need_upper.iter_mut().zip(&entry.need_upper) {
                *a = *a && *b;
            }
        }
        None => list.push(entry.clone()),
    }
}
