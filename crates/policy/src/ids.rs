//! Fixed identifiers: the OASIS TLP marking-definitions (pinned by golden tests), the TLP 1.0
//! ones accepted on input, the OASIS PAP extension, and tearline's own extension-definitions and
//! statement markings. tearline's ids are FIXED forever: a changed definition gets a new id
//! (marking-definitions and extension-definitions are not versioned by meaning).
//! `data/policy/README.md` documents each one.

use serde_json::{Value, json};

/// The OASIS TLP 2.0 marking extension.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
/// `created` of the five TLP 2.0 marking-definitions.
pub const TLP2_CREATED: &str = "2022-10-01T00:00:00.000Z";

pub const TLP2_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
pub const TLP2_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
pub const TLP2_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
pub const TLP2_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
pub const TLP2_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// `created` of the four TLP 1.0 marking-definitions (STIX 2.1 section 7.2.1.4).
pub const TLP1_CREATED: &str = "2017-01-20T00:00:00.000Z";
pub const TLP1_WHITE: &str = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
pub const TLP1_GREEN: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
pub const TLP1_AMBER: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";
pub const TLP1_RED: &str = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";

/// The OASIS PAP marking extension (cti-stix-common-objects); PAP marking-definitions are
/// recognised by this extension and its `pap` property, whatever their id.
pub const PAP_EXTENSION: &str = "extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b";

/// The tearline project's identity: `created_by_ref` of tearline's extension-definitions and
/// fixed statement markings.
pub const TEARLINE_IDENTITY: &str = "identity--6abac6d4-2396-4e74-ba74-5f94f19c8203";
/// Handling caveats (classification, OC, NF, REL TO, RELIDO, FOUO, PR, DISPLAYONLY), and the
/// PAP and FIRST IEP 2.0 policies where no OASIS definition is used: a property-extension of
/// marking-definition objects.
pub const EXT_MARKINGS: &str = "extension-definition--0dbb22d3-b292-481e-a3cc-f94691c820e2";
/// Source protection: on a marking-definition, a level; on any object, protected text spans.
pub const EXT_SOURCE_PROTECTION: &str = "extension-definition--6d0b0ae0-11e7-4f8f-b13a-e82d608caad9";
/// The release manifest (content hash, signature, key id, supersedes / recall) on a `report`
/// or recall `note`.
pub const EXT_RELEASE_MANIFEST: &str = "extension-definition--d193eec9-e53b-4871-aa96-94f34a2e494c";
/// Duty-to-warn threat attributes (harm type, specificity, time window, urgency) on any SDO.
pub const EXT_THREAT_ATTRIBUTES: &str = "extension-definition--c14747dd-ac3f-4ce3-b3a4-c9e9ee6cefec";
/// The statement carried by every release to a recipient flagged hostile or not recognised.
pub const NO_ENDORSEMENT: &str = "marking-definition--8eecf7ed-47e5-411e-869d-e17e89c2faf3";
pub const NO_ENDORSEMENT_TEXT: &str = "This information is shared solely to warn of a threat to life. Sharing it does not constitute recognition of, endorsement of, or support for the recipient or its authority.";

const TEARLINE_CREATED: &str = "2026-01-01T00:00:00.000Z";

/// The five TLP 2.0 marking-definitions exactly as OASIS publishes them, in order
/// CLEAR, GREEN, AMBER, AMBER+STRICT, RED.
pub fn tlp2_definitions() -> Vec<Value> {
    static DEFS: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    DEFS.get_or_init(build_tlp2).clone()
}

/// The TLP 2.0 definition of one id (borrowed from a static table).
pub fn tlp2_definition(id: &str) -> Option<&'static Value> {
    static DEFS: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    DEFS.get_or_init(build_tlp2).iter().find(|d| d["id"] == id)
}

/// tearline's extension-definition of one id (borrowed from a static table).
pub fn extension_definition(id: &str) -> Option<&'static Value> {
    static DEFS: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    DEFS.get_or_init(extension_definitions).iter().find(|d| d["id"] == id)
}

fn build_tlp2() -> Vec<Value> {
    [
        (TLP2_CLEAR, "TLP:CLEAR", "clear"),
        (TLP2_GREEN, "TLP:GREEN", "green"),
        (TLP2_AMBER, "TLP:AMBER", "amber"),
        (TLP2_AMBER_STRICT, "TLP:AMBER+STRICT", "amber+strict"),
        (TLP2_RED, "TLP:RED", "red"),
    ]
    .iter()
    .map(|(id, name, v)| {
        json!({"type":"marking-definition","spec_version":"2.1","id":id,"created":TLP2_CREATED,"name":name,
            "extensions":{TLP2_EXTENSION:{"extension_type":"property-extension","tlp_2_0":v}}})
    })
    .collect()
}

/// The tearline project identity object.
pub fn tearline_identity() -> Value {
    json!({"type":"identity","spec_version":"2.1","id":TEARLINE_IDENTITY,"created":TEARLINE_CREATED,
        "modified":TEARLINE_CREATED,"name":"tearline","identity_class":"system",
        "description":"The tearline intelligence-sharing server: author of tearline's extension-definitions and fixed markings."})
}

/// The no-endorsement statement marking.
pub fn no_endorsement_definition() -> Value {
    json!({"type":"marking-definition","spec_version":"2.1","id":NO_ENDORSEMENT,"created":TEARLINE_CREATED,
        "created_by_ref":TEARLINE_IDENTITY,"name":"tearline: no endorsement",
        "definition_type":"statement","definition":{"statement":NO_ENDORSEMENT_TEXT}})
}

fn ext_def(id: &str, name: &str, description: &str) -> Value {
    json!({"type":"extension-definition","spec_version":"2.1","id":id,"created":TEARLINE_CREATED,
        "modified":TEARLINE_CREATED,"created_by_ref":TEARLINE_IDENTITY,"name":name,"description":description,
        "schema":"Defined in prose by the tearline source tree, data/policy/README.md (the description above summarises it)","version":"1.0",
        "extension_types":["property-extension"]})
}

/// tearline's four extension-definitions, in the order markings/caveats, source protection,
/// release manifest, threat attributes.
pub fn extension_definitions() -> Vec<Value> {
    vec![
        ext_def(
            EXT_MARKINGS,
            "tearline handling caveats, PAP and IEP",
            "On a marking-definition: kind 'caveats' (classification U|R|C|S|TS, controls OC|NF|REL|RELIDO|FOUO|PR|DISPLAYONLY, rel_to and display_only as ISO 3166 alpha-3 lists, or a portion mark such as 'S//REL TO USA, SYR'), kind 'pap' (pap: clear|green|amber|red) or kind 'iep' (iep: a FIRST IEP 2.0 policy)."
        ),
        ext_def(
            EXT_SOURCE_PROTECTION,
            "tearline source protection",
            "On a marking-definition: level (0-255) and category; content so marked leaves only in releases whose level and recipient allow that level. On any object: spans [{selector, start, end, level}] of protected text (UTF-8 byte offsets); never released below their level."
        ),
        ext_def(
            EXT_RELEASE_MANIFEST,
            "tearline release manifest",
            "On the report that lists a release's objects (or the note of a recall): kind release|correction|recall, recipient_ref, content_hash (sha256: hex of the RFC 8785 bytes of the JSON array of the release's other objects sorted by id), key_id, signature_alg Ed25519, signature (base64 over 'tearline-manifest-v1' NUL + RFC 8785 bytes of the manifest without 'signature'), supersedes / recalls."
        ),
        ext_def(
            EXT_THREAT_ATTRIBUTES,
            "tearline threat attributes",
            "Duty-to-warn attributes of a threat: harm_type (intentional-killing|serious-bodily-injury|kidnapping|other), harm_justification, credible, specific, impending (booleans), specificity (who, what, where, when, how), window_start / window_end (timestamps), victim (kind person|group|place, name, country ISO 3166-1 alpha-3, area, designations), own_citizens_at_risk (boolean), urgency (a level of the duty-to-warn profile: critical|high|routine by default; immediate|hours|days accepted)."
        ),
    ]
}

/// Every fixed definition tearline may put into a release (for a recipient's collection or
/// an offline verifier): the project identity, the four extension-definitions, the five TLP 2.0
/// marking-definitions and the no-endorsement statement.
pub fn all_fixed_definitions() -> Vec<Value> {
    let mut v = vec![tearline_identity()];
    v.extend(extension_definitions());
    v.extend(tlp2_definitions());
    v.push(no_endorsement_definition());
    v
}
