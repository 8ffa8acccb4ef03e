//! An operative-field extractor written independently of the crate: what a recipient acts on
//! (place, time window, target, method, numbers) as a list of features. Two variants of one
//! release must give identical lists.

use serde_json::Value;

const NUMBER_WORDS: &[&str] = &[
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "twenty",
    "thirty", "forty", "fifty", "hundred", "hundreds", "thousand", "thousands", "dozen", "dozens", "several", "few",
    "many", "least", "most", "more", "less", "single", "lone", "pair", "first", "tens",
];
const TIME_WORDS: &[&str] = &[
    "today", "tonight", "tomorrow", "morning", "afternoon", "evening", "night", "day", "days", "week", "weeks",
    "weekend", "month", "hours", "hour", "coming", "next", "last", "before", "after", "during", "until", "within",
    "eve", "anniversary", "annual", "soon", "imminent", "earlier", "final", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "easter", "christmas", "ashura", "nowruz", "eid",
];
const TIME_LEAD: &[&str] = &["in", "on", "at", "by", "the", "within", "during", "over", "next", "coming", "this", "last", "between", "and"];
const METHOD_WORDS: &[&str] = &[
    "bomb", "bomber", "bombers", "bombing", "bombings", "suicide", "explosive", "explosives", "vest", "vehicle",
    "vehicles", "van", "truck", "gunmen", "rifles", "shooting", "pistol", "knife", "knives", "grenades", "ramming",
    "kidnap", "kidnappers", "motorcycles", "chemicals", "detonate", "fire", "uniform", "attack", "attacks",
];
const TARGET_WORDS: &[&str] = &[
    "shrine", "mosque", "church", "churches", "synagogue", "cemetery", "memorial", "commemoration", "concert",
    "concerts", "hall", "stadium", "market", "pilgrims", "pilgrimage", "worshippers", "mourners", "crowd", "crowds",
    "gathering", "visitors", "people", "aid", "workers", "convoy", "hotels", "procession", "prayers", "celebrations",
    "gates", "gate", "road", "checkpoint", "checkpoints", "foyer", "courtyard", "officers", "route", "station",
];
const NEGATIONS: &[&str] = &["not", "no", "never", "without", "unlikely", "lack", "despite"];

fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'')).filter(|w| !w.is_empty()).collect()
}

/// Features of one free text, in order.
pub fn text_features(text: &str) -> Vec<String> {
    let w = words(text);
    let mut out = Vec::new();
    for (i, word) in w.iter().enumerate() {
        let l = word.to_lowercase();
        if word.chars().any(|c| c.is_ascii_digit()) || NUMBER_WORDS.contains(&l.as_str()) {
            out.push(format!("num:{word}"));
        }
        if word.chars().next().is_some_and(char::is_uppercase) {
            out.push(format!("cap:{word}"));
        }
        if TIME_WORDS.contains(&l.as_str()) {
            // The time word with the prepositions and determiners leading into it.
            let mut lead = Vec::new();
            let mut j = i;
            while j > 0 && TIME_LEAD.contains(&w[j - 1].to_lowercase().as_str()) && lead.len() < 3 {
                j -= 1;
                lead.push(w[j].to_lowercase());
            }
            lead.reverse();
            out.push(format!("time:{} {l}", lead.join(" ")));
        }
        if METHOD_WORDS.contains(&l.as_str()) {
            out.push(format!("method:{l}"));
        }
        if TARGET_WORDS.contains(&l.as_str()) {
            out.push(format!("target:{l}"));
        }
        if NEGATIONS.contains(&l.as_str()) {
            out.push(format!("neg:{l}"));
        }
    }
    out
}

const FREE_TEXT: &[&str] = &["description", "content", "abstract", "explanation"];

fn walk(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let p = format!("{path}.{k}");
                if k == "id" || k.ends_with("_ref") || k.ends_with("_refs") {
                    continue;
                }
                if path.is_empty()
                    && FREE_TEXT.contains(&k.as_str())
                    && let Value::String(s) = x
                {
                    out.extend(text_features(s).into_iter().map(|f| format!("{p}/{f}")));
                    continue;
                }
                walk(x, &p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, &format!("{path}[{i}]"), out);
            }
        }
        // Everything that is not free text or an id is operative as it stands: names,
        // timestamps (first_seen, start_time, window_end ...), numbers, coordinates, extensions.
        other => out.push(format!("{path}={other}")),
    }
}

/// Features of one STIX object (without its id and references).
pub fn object_features(o: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(o, "", &mut out);
    out
}

/// Features of a release, object by object in order.
pub fn release_features(objects: &[Value]) -> Vec<Vec<String>> {
    objects.iter().map(object_features).collect()
}
