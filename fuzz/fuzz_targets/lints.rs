//! Feeds arbitrary text to the sanitiser lints (phrases, patterns and the model, with leak
//! tracing's equivalent phrases). None may panic; every finding's span lies on character
//! boundaries inside the text and is what it says it matched; linting the same text again (from
//! the cache) gives the same findings.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tearline_policy::LintConfig;
use tearline_policy::lints::lint_text;

static CFG: LazyLock<LintConfig> = LazyLock::new(|| {
    LintConfig::default().with_equivalent_phrases([["information indicates that", "reporting indicates that"], ["is judged to be", "appears to be"]])
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut first = Vec::new();
    lint_text(&text, "x", "description", &CFG, &mut first);
    for f in &first {
        let (s, e) = f.span.expect("a text finding has a span");
        assert!(s < e && e <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(e), "{f:?}");
        assert_eq!(f.matched, text[s..e], "{f:?}");
        assert!(f.blocking);
    }
    let mut again = Vec::new();
    lint_text(&text, "x", "description", &CFG, &mut again);
    assert_eq!(first, again);
});
