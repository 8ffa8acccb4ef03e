//! Releases: the immutable record (metadata as JSON, the exact bundle bytes), its state, the
//! sources it derives from, and the (id, version) of each object it published to its partner.

use rusqlite::{Connection, OptionalExtension, params};
use tearline_store::*;

use crate::db_err;
use crate::write::{WriterState, insert_objects};

const SELECT: &str = "SELECT meta, bundle, state FROM releases";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, Vec<u8>, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn load(rows: Vec<(String, Vec<u8>, String)>) -> StoreResult<Vec<ReleaseRecord>> {
    rows.into_iter()
        .map(|(meta, bundle, state)| {
            let state: ReleaseState = state.parse().map_err(StoreError::Internal)?;
            ReleaseRecord::from_stored(&meta, bundle, state).map_err(StoreError::Internal)
        })
        .collect()
}

fn query(c: &Connection, sql: &str, arg: Option<&str>) -> StoreResult<Vec<ReleaseRecord>> {
    let mut st = c.prepare_cached(sql).map_err(db_err)?;
    let rows: Vec<_> = match arg {
        Some(a) => st.query_map([a], from_row).map_err(db_err)?.collect::<Result<_, _>>().map_err(db_err)?,
        None => st.query_map([], from_row).map_err(db_err)?.collect::<Result<_, _>>().map_err(db_err)?,
    };
    load(rows)
}

pub(crate) fn one(c: &Connection, manifest_id: &str) -> StoreResult<Option<ReleaseRecord>> {
    Ok(query(c, &format!("{SELECT} WHERE manifest_id = ?1"), Some(manifest_id))?.pop())
}

pub(crate) fn list(c: &Connection, partner: Option<&str>) -> StoreResult<Vec<ReleaseRecord>> {
    match partner {
        Some(p) => query(c, &format!("{SELECT} WHERE partner = ?1 ORDER BY created, manifest_id"), Some(p)),
        None => query(c, &format!("{SELECT} ORDER BY created, manifest_id"), None),
    }
}

pub(crate) fn from_source(c: &Connection, source_id: &str) -> StoreResult<Vec<ReleaseRecord>> {
    query(
        c,
        &format!("{SELECT} WHERE manifest_id IN (SELECT manifest_id FROM release_sources WHERE source_id = ?1) ORDER BY created, manifest_id"),
        Some(source_id),
    )
}

pub(crate) fn object_ids(c: &Connection, partner: &str) -> StoreResult<Vec<String>> {
    let mut st = c.prepare_cached("SELECT DISTINCT object_id FROM release_objects WHERE partner = ?1 ORDER BY object_id").map_err(db_err)?;
    let rows = st.query_map([partner], |r| r.get(0)).map_err(db_err)?;
    rows.collect::<Result<_, _>>().map_err(db_err)
}

pub(crate) fn released_among(c: &Connection, partner: &str, ids: &[String]) -> StoreResult<Vec<String>> {
    let mut st = c.prepare_cached("SELECT 1 FROM release_objects WHERE partner = ?1 AND object_id = ?2 LIMIT 1").map_err(db_err)?;
    let mut out = Vec::new();
    for id in ids {
        if st.exists(rusqlite::params![partner, id]).map_err(db_err)? && !out.contains(id) {
            out.push(id.clone());
        }
    }
    Ok(out)
}

/// Stores egress admissions for a partner's rows of one collection in `admissions` (the rows
/// themselves are never rewritten), replacing earlier ones of the same partner under other
/// keys (its profile or the policy changed since). A row deleted meanwhile is skipped.
pub(crate) fn record_admissions(c: &Connection, read: &PartnerRead, collection_id: &str, rows: &[(Cursor, Vec<String>)]) -> StoreResult<()> {
    if read.fingerprint.is_empty() || rows.is_empty() {
        return Ok(());
    }
    let Some(coll) = crate::write::collection_pk(c, collection_id)? else { return Ok(()) };
    let key = admission_key(read);
    let key = intern(c, "INSERT INTO admission_keys (key) VALUES (?1) ON CONFLICT (key) DO NOTHING", "SELECT id FROM admission_keys WHERE key = ?1", &key)?;
    // The partner's other keys: keys are `partner LF fingerprint`, so they sort between
    // `partner LF` and `partner VT`.
    let stale: Vec<i64> = {
        let mut st = c.prepare_cached("SELECT id FROM admission_keys WHERE key > ?1 AND key < ?2 AND id <> ?3").map_err(db_err)?;
        let ids = st.query_map(params![format!("{}\n", read.partner), format!("{}\u{b}", read.partner), key], |r| r.get(0)).map_err(db_err)?;
        ids.collect::<Result<_, _>>().map_err(db_err)?
    };
    let mut drop_stale = if stale.is_empty() {
        None
    } else {
        let ids = stale.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        Some(c.prepare(&format!("DELETE FROM admissions WHERE obj = ?1 AND key IN ({ids})")).map_err(db_err)?)
    };
    let mut sets: Vec<(String, i64)> = Vec::new();
    let mut st = c
        .prepare_cached(
            "INSERT INTO admissions (obj, key, names) SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM objects WHERE date_added = ?1 AND coll = ?4)
             ON CONFLICT (obj, key) DO UPDATE SET names = excluded.names WHERE names <> excluded.names",
        )
        .map_err(db_err)?;
    for (cursor, names) in rows {
        let names = names.join(",");
        let set = match sets.iter().find(|(n, _)| *n == names) {
            Some((_, id)) => *id,
            None => {
                let id = intern(c, "INSERT INTO admission_sets (names) VALUES (?1) ON CONFLICT (names) DO NOTHING", "SELECT id FROM admission_sets WHERE names = ?1", &names)?;
                sets.push((names, id));
                id
            }
        };
        if let Some(d) = &mut drop_stale {
            d.execute([cursor.0]).map_err(db_err)?;
        }
        st.execute(params![cursor.0, key, set, coll]).map_err(db_err)?;
    }
    Ok(())
}

/// The number of a text in one of the admission tables (added if new).
fn intern(c: &Connection, insert: &str, select: &str, text: &str) -> StoreResult<i64> {
    c.prepare_cached(insert).map_err(db_err)?.execute([text]).map_err(db_err)?;
    c.prepare_cached(select).map_err(db_err)?.query_row([text], |r| r.get(0)).map_err(db_err)
}

fn delivery_collection(c: &Connection, partner: &str) -> StoreResult<String> {
    c.query_row(
        "SELECT c.id FROM partners p JOIN collections c ON c.pk = p.collection WHERE p.name = ?1 AND p.removed = 0",
        [partner],
        |r| r.get(0),
    )
    .optional()
    .map_err(db_err)?
    .ok_or_else(|| StoreError::NotFound(format!("partner '{partner}'")))
}

/// Publishes objects; any conflict or rejection fails the whole call (the caller rolls back).
fn publish(c: &Connection, state: &mut WriterState, partner: &str, manifest_id: &str, objects: Vec<Submission>) -> StoreResult<AddResult> {
    let coll = delivery_collection(c, partner)?;
    // Published objects are recorded by the release's own entry (its bundle hash covers them).
    let outcomes = insert_objects(c, state, &coll, objects, &mut Default::default())?;
    if let Some(bad) = outcomes.iter().find(|o| !o.is_success()) {
        return Err(StoreError::Conflict(format!("release object could not be published ({bad:?})")));
    }
    // Publication is by (id, version): the versions as stored (or found stored).
    let mut ins = c
        .prepare_cached("INSERT OR IGNORE INTO release_objects (partner, object_id, version, manifest_id) VALUES (?1, ?2, ?3, ?4)")
        .map_err(db_err)?;
    for (id, version) in published_versions(&outcomes) {
        ins.execute(params![partner, id, version, manifest_id]).map_err(db_err)?;
    }
    Ok(AddResult { outcomes, status: None })
}

fn current_state(c: &Connection, manifest_id: &str) -> StoreResult<Option<(ReleaseState, String)>> {
    let row: Option<(String, String)> = c
        .query_row("SELECT state, partner FROM releases WHERE manifest_id = ?1", [manifest_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(db_err)?;
    row.map(|(s, p)| Ok((s.parse().map_err(StoreError::Internal)?, p))).transpose()
}

pub(crate) fn add(c: &Connection, state: &mut WriterState, actor: String, record: ReleaseRecord, objects: Vec<Submission>) -> StoreResult<AddResult> {
    if current_state(c, &record.manifest_id)?.is_some() {
        return Err(StoreError::Conflict(format!("release '{}'", record.manifest_id)));
    }
    if let Some(old) = &record.supersedes {
        match current_state(c, old)? {
            None => return Err(StoreError::NotFound(format!("release '{old}'"))),
            Some((s, _)) if s != ReleaseState::Active => {
                return Err(StoreError::Invalid(format!("release '{old}' is {s}; only an active release can be superseded")));
            }
            Some((_, p)) if p != record.partner => {
                return Err(StoreError::Invalid(format!("release '{old}' went to another partner; a correction goes to the same partner")));
            }
            Some(_) => {
                c.execute("UPDATE releases SET state = ?1 WHERE manifest_id = ?2", params![ReleaseState::Superseded.as_str(), old]).map_err(db_err)?;
            }
        }
    }
    delivery_collection(c, &record.partner)?;
    c.execute(
        "INSERT INTO releases (manifest_id, partner, created, state, supersedes, bundle, meta) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![record.manifest_id, record.partner, record.created, record.state.as_str(), record.supersedes, record.bundle, record.meta_json()],
    )
    .map_err(db_err)?;
    let mut src = c.prepare_cached("INSERT OR IGNORE INTO release_sources (source_id, manifest_id) VALUES (?1, ?2)").map_err(db_err)?;
    for source in record.id_map.keys() {
        src.execute(params![source, record.manifest_id]).map_err(db_err)?;
    }
    if let Some(map) = &record.variant_map {
        c.execute("INSERT INTO variant_maps (manifest_id, partner, body) VALUES (?1, ?2, ?3)", params![record.manifest_id, record.partner, map])
            .map_err(db_err)?;
    }
    let result = publish(c, state, &record.partner, &record.manifest_id, objects)?;
    crate::ledger::append(c, state, ledger::drafts::release(actor, &record))?;
    Ok(result)
}

pub(crate) fn set_state(
    c: &Connection,
    state: &mut WriterState,
    actor: String,
    manifest_id: &str,
    to: ReleaseState,
    objects: Vec<Submission>,
) -> StoreResult<AddResult> {
    let (from, partner) = current_state(c, manifest_id)?.ok_or_else(|| StoreError::NotFound(format!("release '{manifest_id}'")))?;
    if !from.may_become(to) {
        return Err(StoreError::Invalid(format!("release '{manifest_id}' is {from}; it cannot become {to}")));
    }
    c.execute("UPDATE releases SET state = ?1 WHERE manifest_id = ?2", params![to.as_str(), manifest_id]).map_err(db_err)?;
    let published: Vec<String> = accepted_ids(&objects);
    let result = publish(c, state, &partner, manifest_id, objects)?;
    crate::ledger::append(c, state, ledger::drafts::release_state(actor, manifest_id, from, to, &published))?;
    Ok(result)
}
