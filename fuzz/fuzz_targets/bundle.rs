//! Feeds arbitrary bytes to the envelope parser, and every object it yields to validation and
//! to RFC 8785 canonicalisation. Neither may panic; canonical text must re-parse to itself, and
//! the compacted text that storage keeps must parse to exactly the object validated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tearline_stix::canonical::to_canonical_string;
use tearline_stix::envelope::{EnvelopeLimits, compact, parse_items};
use tearline_stix::validate::{object_meta, validate_object};

fuzz_target!(|data: &[u8]| {
    let Ok(items) = parse_items(data, EnvelopeLimits { max_objects: 1_000 }) else { return };
    for item in &items {
        let obj = &item.value;
        let stored: serde_json::Value = serde_json::from_str(&compact(item.text, obj)).expect("compact JSON parses");
        assert_eq!(&stored, obj, "compact text says what the value says");
        let v = validate_object(obj);
        if v.is_valid() {
            // What validation accepts, storage can index.
            object_meta(obj).expect("a valid object has an id");
        }
        let canonical = to_canonical_string(obj);
        let reparsed: serde_json::Value = serde_json::from_str(&canonical).expect("canonical JSON parses");
        assert_eq!(to_canonical_string(&reparsed), canonical, "canonical form is a fixed point");
    }
});
