//! Read queries over the objects table.

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, params};
use tearline_stix::Timestamp;
use tearline_store::*;

use crate::db_err;

/// Appends `AND column IN (?, ...)` for a non-empty set of values.
pub(crate) fn push_in(sql: &mut String, args: &mut Vec<Sql>, column: &str, values: impl IntoIterator<Item = String>) {
    let start = args.len();
    args.extend(values.into_iter().map(Sql::from));
    if args.len() == start {
        return;
    }
    sql.push_str(&format!(" AND {column} IN ("));
    for i in start..args.len() {
        if i > start {
            sql.push(',');
        }
        sql.push_str(&format!("?{}", i + 1));
    }
    sql.push(')');
}

/// Appends the `match[version]` condition (`is_last` is read from the date-ordered indexes).
pub(crate) fn push_version_filter(sql: &mut String, args: &mut Vec<Sql>, versions: &VersionFilter) {
    if versions.all {
        return;
    }
    let mut terms = Vec::new();
    if versions.last {
        terms.push("is_last = 1".to_owned());
    }
    if versions.first {
        terms.push("is_first = 1".to_owned());
    }
    for v in &versions.at {
        args.push(Sql::from(v.sort_key()));
        terms.push(format!("version = ?{}", args.len()));
    }
    if terms.is_empty() {
        sql.push_str(" AND 0");
    } else if terms.len() == 1 {
        sql.push_str(&format!(" AND {}", terms[0]));
    } else {
        sql.push_str(&format!(" AND ({})", terms.join(" OR ")));
    }
}

pub(crate) fn objects(conn: &Connection, collection_id: &str, filter: &ObjectFilter, with_body: bool) -> StoreResult<Page> {
    Ok(page(conn, collection_id, filter, with_body, None)?.page)
}

/// The releases that published exactly this (id, version) to the partner (`m1,m2`, NULL for
/// none): a partner member's row without a stored admission is decided live from them.
const PUBLISHED: &str = "SELECT group_concat(manifest_id) FROM release_objects WHERE partner = ?1 AND object_id = ?2 AND version = ?3";

/// The admissions stored under a key (its number, see [`admission_key`]) for the rows of a
/// page's cursor range: one range read of `admissions` (primary key `(obj, key)`), beside the
/// page in cursor order.
const STORED: &str = "SELECT obj, names FROM admissions WHERE obj BETWEEN ?1 AND ?2 AND key = ?3 ORDER BY obj";

/// One page; for a partner member's read, each row's decision ([`RowColumn`]). The page is read
/// exactly as a producer's (the same statement and plan); then the admissions stored under the
/// read's key for the page's cursor range are read at once ([`STORED`]), and only a row without
/// one is looked up in `release_objects` ([`PUBLISHED`]).
pub(crate) fn page(conn: &Connection, collection_id: &str, filter: &ObjectFilter, with_body: bool, read: Option<(&PartnerRead, &AdmissionSets)>) -> StoreResult<PartnerPage> {
    // A partner member's page and its stored admissions are read in one snapshot, so an
    // admission read is of the very row the page holds.
    let _snapshot = match read {
        Some(_) => Some(conn.unchecked_transaction().map_err(db_err)?),
        None => None,
    };
    let coll: Option<i64> = conn
        .prepare_cached("SELECT pk FROM collections WHERE id = ?1")
        .map_err(db_err)?
        .query_row([collection_id], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    let Some(coll) = coll else {
        return Ok(PartnerPage::default());
    };
    let mut sql = format!("SELECT date_added, stix_id, type, version, spec_version{} FROM objects WHERE coll = ?1", if with_body { ", body" } else { ", NULL" });
    let mut args: Vec<Sql> = vec![coll.into()];
    let after = filter.after.map(|c| c.0).max(filter.added_after.map(|t| t.as_micros()));
    if let Some(after) = after {
        args.push(after.into());
        sql.push_str(&format!(" AND date_added > ?{}", args.len()));
    }
    if !filter.ids.is_empty() {
        let start = args.len();
        args.extend(filter.ids.iter().map(|id| Sql::from(crate::id_key(id))));
        let keys: Vec<String> = (start..args.len()).map(|i| format!("?{}", i + 1)).collect();
        sql.push_str(&format!(" AND id_key IN ({})", keys.join(",")));
    }
    push_in(&mut sql, &mut args, "stix_id", filter.ids.iter().cloned());
    // With several types, scan in date_added order and filter (`+type` keeps SQLite from
    // gathering every match of each type and sorting them).
    let type_col = if filter.types.len() > 1 { "+type" } else { "type" };
    push_in(&mut sql, &mut args, type_col, filter.types.iter().cloned());
    push_in(&mut sql, &mut args, "spec_version", filter.spec_versions.iter().cloned());
    push_version_filter(&mut sql, &mut args, &filter.versions);
    let limit = filter.limit.max(1);
    // The limit is written into the statement, not bound: SQLite (3.50) plans with a bound
    // LIMIT's value and so re-prepares such a statement (parse and plan) every time it is
    // bound. A page size is our own integer; each distinct one is a cached statement.
    sql.push_str(&format!(" ORDER BY date_added LIMIT {}", limit.saturating_add(1).min(i64::MAX as usize)));

    let mut st = conn.prepare_cached(&sql).map_err(db_err)?;
    let mut rows = st.query(rusqlite::params_from_iter(args)).map_err(db_err)?;
    let mut items = Vec::with_capacity(limit.min(1024));
    // A partner member's rows' versions as stored (the text `release_objects` holds).
    let mut versions: Vec<String> = Vec::new();
    let mut more = false;
    let mut bytes = 0usize;
    while let Some(row) = rows.next().map_err(db_err)? {
        if items.len() == limit {
            more = true;
            break;
        }
        let body: Option<String> = if with_body { Some(row.get(5).map_err(db_err)?) } else { None };
        bytes += body.as_ref().map_or(0, String::len);
        if bytes > filter.max_bytes && !items.is_empty() {
            more = true;
            break;
        }
        let date_added: i64 = row.get(0).map_err(db_err)?;
        let version: String = row.get(3).map_err(db_err)?;
        items.push(StoredObject {
            id: row.get(1).map_err(db_err)?,
            object_type: row.get(2).map_err(db_err)?,
            version: Timestamp::parse(&version).map_err(|e| StoreError::Internal(format!("stored version is unreadable: {e}")))?,
            date_added: Timestamp::from_micros(date_added),
            spec_version: row.get(4).map_err(db_err)?,
            body,
            cursor: Cursor(date_added),
        });
        if read.is_some() {
            versions.push(version);
        }
    }
    drop(rows);
    let Some((r, sets)) = read else { return Ok(PartnerPage { page: Page { items, more }, rows: Vec::new() }) };
    let decisions = decide_rows(conn, r, &items, &versions)?;
    let missing = sets.missing(&decisions);
    if !missing.is_empty() {
        let mut st = conn.prepare_cached("SELECT names FROM admission_sets WHERE id = ?1").map_err(db_err)?;
        for n in missing {
            if let Some(text) = st.query_row([n], |r| r.get::<_, String>(0)).optional().map_err(db_err)? {
                sets.keep(n, &text);
            }
        }
    }
    Ok(PartnerPage { page: Page { items, more }, rows: sets.decide(decisions)? })
}

/// Each row's decision column for a partner member's read of a page (rows in cursor order):
/// the number of the names stored for it under the read's key, else the releases that
/// published it.
fn decide_rows(conn: &Connection, read: &PartnerRead, items: &[StoredObject], versions: &[String]) -> StoreResult<Vec<RowColumn>> {
    let (Some(first), Some(last)) = (items.first(), items.last()) else { return Ok(Vec::new()) };
    // An unknown key (nothing stored under it) has no admissions: every row is decided live.
    let key: Option<i64> =
        conn.prepare_cached("SELECT id FROM admission_keys WHERE key = ?1").map_err(db_err)?.query_row([admission_key(read)], |row| row.get(0)).optional().map_err(db_err)?;
    let mut stored: Vec<(i64, i64)> = Vec::new();
    if let Some(key) = key {
        let mut st = conn.prepare_cached(STORED).map_err(db_err)?;
        let rows = st.query_map(params![first.cursor.0, last.cursor.0, key], |r| Ok((r.get(0)?, r.get(1)?))).map_err(db_err)?;
        stored = rows.collect::<Result<_, _>>().map_err(db_err)?;
    }
    let mut stored = stored.into_iter().peekable();
    let mut out = Vec::with_capacity(items.len());
    for (o, version) in items.iter().zip(versions) {
        while stored.next_if(|(obj, _)| *obj < o.cursor.0).is_some() {}
        if let Some((_, names)) = stored.next_if(|(obj, _)| *obj == o.cursor.0) {
            out.push(RowColumn::Admitted(names));
            continue;
        }
        let mut st = conn.prepare_cached(PUBLISHED).map_err(db_err)?;
        let text: Option<String> = st.query_row(params![read.partner, o.id, version], |r| r.get(0)).map_err(db_err)?;
        out.push(RowColumn::published(text.as_deref()));
    }
    Ok(out)
}
