//! Property: variants of random texts never change digits, capitalised words, time
//! expressions, numbers, methods or negations.

use proptest::prelude::*;
use serde_json::json;
use tearline_trace::{PhraseTable, VariantOptions, make_variants};

use crate::extract::text_features;

fn piece() -> impl Strategy<Value = String> {
    let table = PhraseTable::default();
    let phrases: Vec<String> = table.groups().iter().flat_map(|g| g.phrases.clone()).collect();
    prop_oneof![
        4 => proptest::sample::select(phrases),
        2 => proptest::sample::select(vec!["Damascus", "Sayyida Zaynab", "Crocus City Hall", "Kerman", "Islamic State", "We", "The", "It"]).prop_map(str::to_owned),
        2 => proptest::sample::select(vec!["3", "12", "5,000", "48 hours", "10 to 12", "2025-01-10", "U2"]).prop_map(str::to_owned),
        2 => proptest::sample::select(vec!["in the coming days", "on Friday", "tonight", "between 10 and 12 January", "on the eve of the commemoration", "within the next week", "before dawn", "at night"]).prop_map(str::to_owned),
        5 => proptest::sample::select(vec!["the", "cell", "shrine", "group", "attack", "pilgrims", "near", "and", "is", "to", "be", "a", "bomb", "not", "two", "several", "vehicle", "planning", "likely", "will", "on", "in", "of"]).prop_map(str::to_owned),
        2 => proptest::sample::select(vec![".", ",", "\"", ";", ":", "\u{201c}", "\u{201d}", "-", "\n"]).prop_map(str::to_owned),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn variants_keep_operative_words(pieces in proptest::collection::vec(piece(), 1..60), marks in any::<bool>(), seed in any::<u8>()) {
        let text = pieces.join(" ");
        let objs = vec![json!({"type":"note","spec_version":"2.1","id":"note--00000000-0000-4000-8000-000000000001",
            "created":"2025-01-01T00:00:00.000Z","modified":"2025-01-01T00:00:00.000Z","content":text,"abstract":text,
            "object_refs":["campaign--00000000-0000-4000-8000-000000000002"]})];
        let mut o = VariantOptions::new([seed; 32]);
        o.invisible_marks = marks;
        let vs = make_variants(&objs, &["a", "b", "c", "d"], &PhraseTable::default(), &o).expect("variants");
        let want = text_features(&text);
        for v in &vs.variants {
            for p in ["content", "abstract"] {
                let t = v.objects[0][p].as_str().expect("text");
                prop_assert_eq!(&text_features(t), &want, "{:?} -> {:?}", text, t);
                // Digits, capitalised words and quotes appear in the same order.
                let keep = |s: &str| s.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().any(|c| c.is_ascii_digit() || c.is_uppercase())).map(str::to_owned).collect::<Vec<_>>();
                prop_assert_eq!(keep(t), keep(&text));
            }
        }
    }
}
