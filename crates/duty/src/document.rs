//! The human-readable warning: plain text and HTML, deterministic.
//!
//! The operative facts (what, where, when, how) sit in a clearly delimited block so they can be
//! translated on their own: between `=== OPERATIVE FACTS ===` and `=== END OF OPERATIVE FACTS
//! ===` in text, in `<section class="operative-facts">` in HTML. Everything in the HTML is
//! escaped.

use serde::{Deserialize, Serialize};

use crate::Micros;
use crate::case::{Case, CaseRecipient};
use crate::profile::Profile;

/// What a warning document is rendered from.
#[derive(Debug, Clone, Copy)]
pub struct WarningInput<'a> {
    pub case: &'a Case,
    pub recipient: &'a CaseRecipient,
    /// The release that carries this warning (its manifest id) and its content hash.
    pub release_id: &'a str,
    pub content_hash: &'a str,
    /// The issuing organisation's name as the recipient should read it.
    pub issuer: &'a str,
    pub issued: Micros,
    pub profile: &'a Profile,
}

/// A rendered warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningDocument {
    pub text: String,
    pub html: String,
}

/// Begin / end lines of the operative-facts block in the text form.
pub const FACTS_BEGIN: &str = "=== OPERATIVE FACTS ===";
pub const FACTS_END: &str = "=== END OF OPERATIVE FACTS ===";

struct Facts {
    rows: Vec<(&'static str, String)>,
}

fn facts(case: &Case, profile: &Profile) -> Facts {
    let a = &case.attributes;
    let harm = profile.harm(&case.harm).map_or(case.harm.clone(), |h| h.label.clone());
    let mut rows = vec![("Threat", harm)];
    if let Some(w) = a.specificity.get("what") {
        rows.push(("What", w.to_owned()));
    }
    if let Some(v) = &case.victim {
        rows.push(("Target", v.name.clone()));
    }
    if let Some(w) = a.specificity.get("where") {
        rows.push(("Where", w.to_owned()));
    }
    let when = crate::human_window(a.window_start, a.window_end);
    match (when, a.specificity.get("when")) {
        (Some(w), Some(t)) if t != w => rows.push(("When", format!("{w} ({t})"))),
        (Some(w), _) => rows.push(("When", w)),
        (None, Some(t)) => rows.push(("When", t.to_owned())),
        (None, None) => {}
    }
    if let Some(h) = a.specificity.get("how") {
        rows.push(("How", h.to_owned()));
    }
    Facts { rows }
}

/// Renders the warning for one recipient.
pub fn render_warning(input: &WarningInput) -> WarningDocument {
    let WarningInput { case, recipient, release_id, content_hash, issuer, issued, profile } = *input;
    let urgency = profile.urgency(&case.urgency).map_or(case.urgency.clone(), |u| u.label.clone());
    let ack_by = issued + case.deadlines.acknowledge_within;
    let ack = profile.acknowledge_instructions.replace("{release_id}", release_id).replace("{content_hash}", content_hash);
    let f = facts(case, profile);
    let endorsement = recipient.needs_no_endorsement().then_some(profile.no_endorsement.as_str());

    let mut t = String::new();
    t.push_str("DUTY TO WARN: THREAT TO LIFE\n\n");
    t.push_str(&format!("From: {issuer}\nTo: {}\nIssued: {}\nUrgency: {urgency}\n\n", recipient.partner, crate::human_time(issued)));
    t.push_str(FACTS_BEGIN);
    t.push('\n');
    for (k, v) in &f.rows {
        t.push_str(&format!("{k}: {}\n", one_line(v)));
    }
    t.push_str(FACTS_END);
    t.push_str("\n\n");
    if let Some(s) = endorsement {
        t.push_str(s);
        t.push_str("\n\n");
    }
    t.push_str(&format!("Acknowledge by: {}\n{ack}\n\n", crate::human_time(ack_by)));
    t.push_str(&format!("Reference: release {release_id}\nContent hash: {content_hash}\n"));

    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Duty to warn: threat to life</title></head>\n<body>\n");
    h.push_str("<h1>Duty to warn: threat to life</h1>\n<dl class=\"header\">\n");
    for (k, v) in [("From", issuer.to_owned()), ("To", recipient.partner.clone()), ("Issued", crate::human_time(issued)), ("Urgency", urgency)] {
        h.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", esc(k), esc(&v)));
    }
    h.push_str("</dl>\n<section class=\"operative-facts\" translate=\"yes\">\n<h2>Operative facts</h2>\n<dl>\n");
    for (k, v) in &f.rows {
        h.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", esc(k), esc(v)));
    }
    h.push_str("</dl>\n</section>\n");
    if let Some(s) = endorsement {
        h.push_str(&format!("<p class=\"no-endorsement\">{}</p>\n", esc(s)));
    }
    h.push_str(&format!("<section class=\"acknowledge\">\n<p>Acknowledge by: {}</p>\n<p>{}</p>\n</section>\n", esc(&crate::human_time(ack_by)), esc(&ack)));
    h.push_str(&format!(
        "<p class=\"reference\" translate=\"no\">Reference: release <code>{}</code><br>Content hash: <code>{}</code></p>\n</body>\n</html>\n",
        esc(release_id),
        esc(content_hash)
    ));
    WarningDocument { text: t, html: h }
}

/// Newlines inside a fact would break the block's one-fact-per-line form.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// HTML escaping for text and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}
