//! Read queries over the objects table, and the filter SQL shared with deletes.

use tearline_stix::Timestamp;
use tearline_store::*;
use tokio_postgres::types::ToSql;

use crate::pg_err;

/// Positional parameters of a query being built.
#[derive(Default)]
pub(crate) struct Params {
    values: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl Params {
    /// Adds a value and returns its placeholder (`$n`).
    pub(crate) fn push<T: ToSql + Sync + Send + 'static>(&mut self, value: T) -> String {
        self.values.push(Box::new(value));
        format!("${}", self.values.len())
    }

    pub(crate) fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.values.iter().map(|v| &**v as &(dyn ToSql + Sync)).collect()
    }

    /// Appends ` AND column = $n` for one value, ` AND column = ANY($n)` for several, nothing
    /// for none. The single-value form lets the planner walk a `(coll, column, date_added)`
    /// index in `date_added` order.
    pub(crate) fn push_in(&mut self, sql: &mut String, column: &str, values: &[String]) {
        match values {
            [] => {}
            [one] => {
                let p = self.push(one.clone());
                sql.push_str(&format!(" AND {column} = {p}"));
            }
            many => {
                let p = self.push(many.to_vec());
                sql.push_str(&format!(" AND {column} = ANY({p})"));
            }
        }
    }

    /// Appends the `match[version]` condition. `is_last` alone is written exactly as the
    /// partial indexes' predicate so that the planner uses them.
    pub(crate) fn push_version_filter(&mut self, sql: &mut String, versions: &VersionFilter) {
        if versions.all {
            return;
        }
        let mut terms = Vec::new();
        if versions.last {
            terms.push("is_last".to_owned());
        }
        if versions.first {
            terms.push("is_first".to_owned());
        }
        if !versions.at.is_empty() {
            let keys: Vec<String> = versions.at.iter().map(Timestamp::sort_key).collect();
            let p = self.push(keys);
            terms.push(format!("version = ANY({p})"));
        }
        match terms.len() {
            0 => sql.push_str(" AND false"),
            1 => sql.push_str(&format!(" AND {}", terms[0])),
            _ => sql.push_str(&format!(" AND ({})", terms.join(" OR "))),
        }
    }
}

pub(crate) fn parse_version(text: &str) -> StoreResult<Timestamp> {
    Timestamp::parse(text).map_err(|e| StoreError::Internal(format!("stored version is unreadable: {e}")))
}

/// One page; for a partner member's read (`read`), each row with its decision columns: the
/// number of the names of the admission stored for the row under the read's key (see
/// [`admission_key`]; from `admissions`, read for the page's cursor range at once; the key's
/// own number is looked up once per query), else the releases that published exactly this
/// (id, version) to the partner (`m1,m2`, NULL for none) ([`RowColumn`]).
pub(crate) async fn page(
    client: &deadpool_postgres::Client,
    collection_id: &str,
    filter: &ObjectFilter,
    with_body: bool,
    read: Option<(&PartnerRead, &AdmissionSets)>,
) -> StoreResult<PartnerPage> {
    let mut p = Params::default();
    let coll = p.push(collection_id.to_owned());
    // An unknown collection selects nothing: an empty page, as for an empty collection.
    let mut sql = format!(
        "SELECT date_added, stix_id, type, version, spec_version, {} AS body, NULL::bigint AS admit_set, NULL::text AS published FROM objects WHERE coll = (SELECT pk FROM collections WHERE id = {coll})",
        if with_body { "body" } else { "NULL::text" }
    );
    let after = filter.after.map(|c| c.0).max(filter.added_after.map(|t| t.as_micros()));
    if let Some(after) = after {
        let a = p.push(after);
        sql.push_str(&format!(" AND date_added > {a}"));
    }
    p.push_in(&mut sql, "stix_id", &filter.ids);
    p.push_in(&mut sql, "type", &filter.types);
    if !filter.spec_versions.is_empty() {
        let s = p.push(filter.spec_versions.clone());
        sql.push_str(&format!(" AND spec_version = ANY({s})"));
    }
    p.push_version_filter(&mut sql, &filter.versions);
    let limit = filter.limit.max(1);
    let l = p.push((limit + 1) as i64);
    sql.push_str(&format!(" ORDER BY date_added LIMIT {l}"));
    if with_body {
        // The byte budget is applied in the database, so bodies past it never travel: keep
        // the rows whose running body size stays within the budget (and always the first),
        // and count the candidates to know whether more remain.
        let m = p.push(i64::try_from(filter.max_bytes).unwrap_or(i64::MAX));
        let n = p.push(limit as i64);
        sql = format!(
            "SELECT date_added, stix_id, type, version, spec_version, body, admit_set, published, total FROM (
                SELECT page.*,
                    sum(octet_length(body)) OVER w AS running,
                    row_number() OVER w AS n,
                    count(*) OVER () AS total
                FROM ({sql}) page
                WINDOW w AS (ORDER BY date_added ROWS UNBOUNDED PRECEDING)
             ) budgeted
             WHERE n <= {n} AND (n = 1 OR running <= {m})
             ORDER BY date_added"
        );
    }
    if let Some((r, _)) = read {
        // The page exactly as a producer's (materialised, so it keeps its plan: the index in
        // date_added order, stopped at the limit); then the admissions stored under the read's
        // key for the page's cursor range, one range scan of the primary key; the releases
        // that published a row only for a row without one.
        let (partner, key) = (p.push(r.partner.clone()), p.push(admission_key(r)));
        let total = if with_body { ", d.total" } else { "" };
        sql = format!(
            "WITH d AS MATERIALIZED ({sql}),
                  a AS (SELECT obj, names FROM admissions
                        WHERE coll = (SELECT pk FROM collections WHERE id = {coll})
                          AND key = (SELECT id FROM admission_keys WHERE key = {key})
                          AND obj BETWEEN (SELECT min(date_added) FROM d) AND (SELECT max(date_added) FROM d))
             SELECT d.date_added, d.stix_id, d.type, d.version, d.spec_version, d.body, a.names AS admit_set,
                 CASE WHEN a.names IS NULL THEN (SELECT string_agg(r.manifest_id, ',') FROM release_objects r
                     WHERE r.partner = {partner} AND r.object_id = d.stix_id AND r.version = d.version) END AS published{total}
             FROM d LEFT JOIN a ON a.obj = d.date_added ORDER BY d.date_added"
        );
    }

    let st = client.prepare_cached(&sql).await.map_err(pg_err)?;
    let rows = client.query(&st, &p.refs()).await.map_err(pg_err)?;
    let more = if with_body {
        match rows.first() {
            Some(row) => row.try_get::<_, i64>(8).map_err(pg_err)? > rows.len() as i64,
            None => false,
        }
    } else {
        rows.len() > limit
    };
    let mut items = Vec::with_capacity(rows.len().min(limit));
    let mut decisions = Vec::new();
    for row in rows.iter().take(limit) {
        let date_added: i64 = row.try_get(0).map_err(pg_err)?;
        let version: &str = row.try_get(3).map_err(pg_err)?;
        items.push(StoredObject {
            id: row.try_get(1).map_err(pg_err)?,
            object_type: row.try_get(2).map_err(pg_err)?,
            version: parse_version(version)?,
            date_added: Timestamp::from_micros(date_added),
            spec_version: row.try_get(4).map_err(pg_err)?,
            body: if with_body { Some(row.try_get(5).map_err(pg_err)?) } else { None },
            cursor: Cursor(date_added),
        });
        if read.is_some() {
            decisions.push(match row.try_get::<_, Option<i64>>(6).map_err(pg_err)? {
                Some(n) => RowColumn::Admitted(n),
                None => RowColumn::published(row.try_get::<_, Option<&str>>(7).map_err(pg_err)?),
            });
        }
    }
    let Some((_, sets)) = read else { return Ok(PartnerPage { page: Page { items, more }, rows: Vec::new() }) };
    let missing = sets.missing(&decisions);
    if !missing.is_empty() {
        let st = client.prepare_cached("SELECT id, names FROM admission_sets WHERE id = ANY($1)").await.map_err(pg_err)?;
        for row in client.query(&st, &[&missing]).await.map_err(pg_err)? {
            sets.keep(row.try_get(0).map_err(pg_err)?, row.try_get(1).map_err(pg_err)?);
        }
    }
    Ok(PartnerPage { page: Page { items, more }, rows: sets.decide(decisions)? })
}
