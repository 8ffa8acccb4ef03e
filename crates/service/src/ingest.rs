//! Turning submitted STIX into store submissions: the one ingest path shared by TAXII POST and
//! `tearline import` (and open-source ingestion). Each object is validated on its own; an invalid object becomes a
//! per-object failure naming its index, id, property and rule, and never stops the others.

use serde_json::Value;
use tearline_stix::{canonical, envelope, validate};
use tearline_store::{NewObject, Submission};

/// Validates each object of an envelope; invalid ones become per-object failures. An envelope
/// that is not JSON, has the wrong shape or holds too many objects fails as a whole.
pub fn submissions(bytes: &[u8], max_objects: usize) -> Result<Vec<Submission>, envelope::EnvelopeError> {
    let items = envelope::parse_items(bytes, envelope::EnvelopeLimits { max_objects })?;
    // Each object is stored as the text it was sent as, compacted (no re-serialisation).
    Ok(items.iter().enumerate().map(|(i, item)| checked(i, &item.value, || envelope::compact(item.text, &item.value))).collect())
}

/// One object given as JSON text (an item of [`envelope::split`]): a submission as in
/// [`submissions`], or a per-object failure when the text does not parse.
pub fn submission_text(index: usize, text: &str) -> Submission {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => checked(index, &value, || envelope::compact(text, &value)),
        Err(e) => Submission::Rejected { id: None, version: None, message: format!("object {index} is not valid JSON: {e}") },
    }
}

fn describe(findings: &[tearline_stix::Finding]) -> String {
    findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// One object as a submission: accepted (stored as `obj` serialised), or rejected with why.
pub fn submission(index: usize, obj: &Value) -> Submission {
    checked(index, obj, || obj.to_string())
}

/// Validates one object; `body` gives the text to store when it is accepted.
fn checked(index: usize, obj: &Value, body: impl FnOnce() -> String) -> Submission {
    let id = obj.get("id").and_then(Value::as_str).map(str::to_owned);
    let version = obj.get("modified").or_else(|| obj.get("created")).and_then(Value::as_str).map(str::to_owned);
    let v = validate::validate_object(obj);
    let meta = if v.is_valid() { validate::object_meta(obj).map_err(|f| vec![f]) } else { Err(v.errors.clone()) };
    match meta {
        Ok(meta) => Submission::Accepted(NewObject {
            id: meta.id,
            object_type: meta.object_type,
            spec_version: meta.spec_version,
            version: meta.version,
            content_hash: canonical::canonical_sha256(obj),
            body: body(),
            note: (!v.warnings.is_empty()).then(|| format!("accepted with warnings: {}", describe(&v.warnings))),
        }),
        Err(errors) => Submission::Rejected {
            id: id.clone(),
            version,
            message: match &id {
                Some(id) => format!("object {index} ({id}) is invalid: {}", describe(&errors)),
                None => format!("object {index} is invalid: {}", describe(&errors)),
            },
        },
    }
}

/// What a partner member posts into its delivery collection is its own organisation's
/// feedback: an object naming another author (`created_by_ref` other than `identity`, such as
/// the producer's) is refused, per object, with a message saying so. Objects without
/// `created_by_ref` are stored (they still reach the duty-to-warn desk) but are not the
/// partner's own: egress serves them to no partner member.
pub fn only_authored_by(items: Vec<Submission>, identity: &str) -> Vec<Submission> {
    #[derive(serde::Deserialize)]
    struct Author {
        created_by_ref: Option<String>,
    }
    items
        .into_iter()
        .map(|s| match s {
            Submission::Accepted(o) => match serde_json::from_str::<Author>(&o.body).ok().and_then(|a| a.created_by_ref) {
                Some(author) if author != identity => Submission::Rejected {
                    id: Some(o.id.as_str().to_owned()),
                    version: o.version.map(|v| v.to_stix_string()),
                    message: format!(
                        "a partner member may post only its own organisation's objects: created_by_ref is {author}, expected {identity} (or leave it out)"
                    ),
                },
                _ => Submission::Accepted(o),
            },
            rejected => rejected,
        })
        .collect()
}
