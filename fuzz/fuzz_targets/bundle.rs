//! Feeds arbitrary bytes to the envelope parser, and every object it yields to validation and
//! to RFC 8785 canonicalisation. Neither may panic; canonical text must re-parse to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tearline_stix::canonical::to_canonical_string;
use tearline_stix::envelope::{EnvelopeLimits, parse_envelope};
use tearline_stix::validate::{object_meta, validate_object};

fuzz_target!(|data: &[u8]| {
    let Ok(objects) = parse_envelope(data, EnvelopeLimits { max_objects: 1_000 }) else { return };
    for obj in &objects {
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
