#![no_main]
//! TAXII query parameters: arbitrary bytes as a URL query string.

use libfuzzer_sys::fuzz_target;
use tearline_taxii::query::{QueryLimits, TaxiiQuery};

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    let limits = QueryLimits::default();
    if let Ok(q) = TaxiiQuery::parse(Some(&raw), limits) {
        assert!(q.limit >= 1 && q.limit <= limits.max_page);
        let values = q.ids.len() + q.types.len() + q.spec_versions.len() + q.versions.as_ref().map_or(0, |v| v.at.len());
        assert!(values <= limits.max_values);
        if let Some(c) = q.next {
            assert_eq!(tearline_store::Cursor::decode(&c.encode()), Some(c));
        }
    }
});
