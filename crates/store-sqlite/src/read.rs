//! Read queries over the objects table.

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension};
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

/// The decision column of a partner member's page (`?2` partner, `?3` the number of the
/// admission key, see [`admission_key`], looked up once per page): the number of the names
/// of the admission stored for the row under the key (an integer, from `admissions`, one
/// primary-key lookup), else the releases that published exactly this (id, version) to the
/// partner (text, `m1,m2`), else NULL ([`RowColumn`]).
const DECISION: &str = ", COALESCE((SELECT names FROM admissions WHERE obj = objects.date_added AND key = ?3),
        (SELECT group_concat(r.manifest_id) FROM release_objects r WHERE r.partner = ?2 AND r.object_id = objects.stix_id AND r.version = objects.version))";

/// One page, with each row's decision column for a partner member's read.
pub(crate) fn page(conn: &Connection, collection_id: &str, filter: &ObjectFilter, with_body: bool, read: Option<(&PartnerRead, &AdmissionSets)>) -> StoreResult<PartnerPage> {
    let coll: Option<i64> = conn
        .prepare_cached("SELECT pk FROM collections WHERE id = ?1")
        .map_err(db_err)?
        .query_row([collection_id], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    let Some(coll) = coll else {
        return Ok(PartnerPage::default());
    };
    let mut sql = format!(
        "SELECT date_added, stix_id, type, version, spec_version{}{} FROM objects WHERE coll = ?1",
        if with_body { ", body" } else { ", NULL" },
        if read.is_some() { DECISION } else { "" }
    );
    let mut args: Vec<Sql> = vec![coll.into()];
    if let Some((r, _)) = read {
        // An unknown key (nothing stored under it) is no number: every row is decided live.
        let key: Option<i64> =
            conn.prepare_cached("SELECT id FROM admission_keys WHERE key = ?1").map_err(db_err)?.query_row([admission_key(r)], |row| row.get(0)).optional().map_err(db_err)?;
        args.push(r.partner.clone().into());
        args.push(key.unwrap_or(-1).into());
    }
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
    let mut decisions = Vec::new();
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
            decisions.push(match row.get_ref(6).map_err(db_err)? {
                rusqlite::types::ValueRef::Integer(n) => RowColumn::Admitted(n),
                other => RowColumn::published(other.as_str_or_null().map_err(|e| StoreError::Internal(e.to_string()))?),
            });
        }
    }
    drop(rows);
    let Some((_, sets)) = read else { return Ok(PartnerPage { page: Page { items, more }, rows: Vec::new() }) };
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
