//! Releases: the immutable record (metadata as JSON text, the exact bundle bytes), its state,
//! the sources it derives from, and the (id, version) of each object it published to its partner. Publishing
//! runs inside the same transaction as the record, through the `add_objects` machinery (and
//! its collection lock).

use tearline_store::ledger::{current_actor, drafts};
use tearline_store::*;
use deadpool_postgres::GenericClient;

use crate::write::{Request, add_in};
use crate::{PgStore, is_unique_violation, pg_err};

const SELECT: &str = "SELECT meta, bundle, state FROM releases";

fn from_rows(rows: Vec<tokio_postgres::Row>) -> StoreResult<Vec<ReleaseRecord>> {
    rows.iter()
        .map(|r| {
            let meta: String = r.try_get(0).map_err(pg_err)?;
            let bundle: Vec<u8> = r.try_get(1).map_err(pg_err)?;
            let state: String = r.try_get(2).map_err(pg_err)?;
            let state: ReleaseState = state.parse().map_err(StoreError::Internal)?;
            ReleaseRecord::from_stored(&meta, bundle, state).map_err(StoreError::Internal)
        })
        .collect()
}

async fn delivery_collection<C: GenericClient>(c: &C, partner: &str) -> StoreResult<String> {
    c.query_opt("SELECT c.id FROM partners p JOIN collections c ON c.pk = p.collection WHERE p.name = $1 AND NOT p.removed", &[&partner])
        .await
        .map_err(pg_err)?
        .ok_or_else(|| StoreError::NotFound(format!("partner '{partner}'")))?
        .try_get(0)
        .map_err(pg_err)
}

/// Publishes objects in the transaction; any conflict or rejection fails the whole call.
async fn publish(tx: &deadpool_postgres::Transaction<'_>, partner: &str, manifest_id: &str, objects: Vec<Submission>) -> StoreResult<AddResult> {
    let coll = delivery_collection(tx, partner).await?;
    // Published objects are recorded by the release's own entry (its bundle hash covers them).
    let mut results = add_in(tx, &coll, &[Request { items: objects, status: None, actor: String::new() }], &mut Vec::new()).await?;
    let result = results.pop().ok_or_else(|| StoreError::Internal("no result for the release objects".into()))?;
    if let Some(bad) = result.outcomes.iter().find(|o| !o.is_success()) {
        return Err(StoreError::Conflict(format!("release object could not be published ({bad:?})")));
    }
    // Publication is by (id, version): the versions as stored (or found stored).
    let (ids, versions): (Vec<String>, Vec<String>) = published_versions(&result.outcomes).into_iter().unzip();
    tx.execute(
        "INSERT INTO release_objects (partner, object_id, version, manifest_id)
         SELECT $1, id, v, $2 FROM unnest($3::text[], $4::text[]) AS t(id, v) ON CONFLICT DO NOTHING",
        &[&partner, &manifest_id, &ids, &versions],
    )
    .await
    .map_err(pg_err)?;
    Ok(result)
}

impl PgStore {
    pub(crate) async fn release_add(&self, record: ReleaseRecord, objects: Vec<Submission>) -> StoreResult<AddResult> {
        let mut client = self.client().await?;
        let result = async {
            let tx = client.transaction().await.map_err(pg_err)?;
            delivery_collection(&tx, &record.partner).await?;
            if let Some(old) = &record.supersedes {
                let n = tx
                    .execute(
                        "UPDATE releases SET state = 'superseded' WHERE manifest_id = $1 AND state = 'active' AND partner = $2",
                        &[old, &record.partner],
                    )
                    .await
                    .map_err(pg_err)?;
                if n == 0 {
                    let row = tx.query_opt("SELECT state, partner FROM releases WHERE manifest_id = $1", &[old]).await.map_err(pg_err)?;
                    return Err(match row {
                        None => StoreError::NotFound(format!("release '{old}'")),
                        Some(r) if r.get::<_, String>(1) != record.partner => {
                            StoreError::Invalid(format!("release '{old}' went to another partner; a correction goes to the same partner"))
                        }
                        Some(r) => StoreError::Invalid(format!("release '{old}' is {}; only an active release can be superseded", r.get::<_, String>(0))),
                    });
                }
            }
            tx.execute(
                "INSERT INTO releases (manifest_id, partner, created, state, supersedes, bundle, meta) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[&record.manifest_id, &record.partner, &record.created, &record.state.as_str(), &record.supersedes, &record.bundle, &record.meta_json()],
            )
            .await
            .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict(format!("release '{}'", record.manifest_id)) } else { pg_err(e) })?;
            let sources: Vec<&str> = record.id_map.keys().map(String::as_str).collect();
            tx.execute(
                "INSERT INTO release_sources (source_id, manifest_id) SELECT s, $1 FROM unnest($2::text[]) AS s ON CONFLICT DO NOTHING",
                &[&record.manifest_id, &sources],
            )
            .await
            .map_err(pg_err)?;
            if let Some(map) = &record.variant_map {
                tx.execute("INSERT INTO variant_maps (manifest_id, partner, body) VALUES ($1, $2, $3)", &[&record.manifest_id, &record.partner, map])
                    .await
                    .map_err(pg_err)?;
            }
            let result = publish(&tx, &record.partner, &record.manifest_id, objects).await?;
            crate::ledger::append(&tx, vec![drafts::release(current_actor(), &record)]).await?;
            tx.commit().await.map_err(pg_err)?;
            Ok(result)
        }
        .await;
        crate::settle(client, &result);
        result
    }

    pub(crate) async fn release_set_state(&self, manifest_id: &str, to: ReleaseState, objects: Vec<Submission>) -> StoreResult<AddResult> {
        let mut client = self.client().await?;
        let result = async {
            let tx = client.transaction().await.map_err(pg_err)?;
            let row = tx
                .query_opt("SELECT state, partner FROM releases WHERE manifest_id = $1 FOR UPDATE", &[&manifest_id])
                .await
                .map_err(pg_err)?
                .ok_or_else(|| StoreError::NotFound(format!("release '{manifest_id}'")))?;
            let from: ReleaseState = row.try_get::<_, String>(0).map_err(pg_err)?.parse().map_err(StoreError::Internal)?;
            let partner: String = row.try_get(1).map_err(pg_err)?;
            if !from.may_become(to) {
                return Err(StoreError::Invalid(format!("release '{manifest_id}' is {from}; it cannot become {to}")));
            }
            tx.execute("UPDATE releases SET state = $2 WHERE manifest_id = $1", &[&manifest_id, &to.as_str()]).await.map_err(pg_err)?;
            let published: Vec<String> = accepted_ids(&objects);
            let result = publish(&tx, &partner, manifest_id, objects).await?;
            crate::ledger::append(&tx, vec![drafts::release_state(current_actor(), manifest_id, from, to, &published)]).await?;
            tx.commit().await.map_err(pg_err)?;
            Ok(result)
        }
        .await;
        crate::settle(client, &result);
        result
    }

    pub(crate) async fn release_query(&self, where_clause: &str, arg: Option<&str>) -> StoreResult<Vec<ReleaseRecord>> {
        let c = self.client().await?;
        let sql = format!("{SELECT} {where_clause}");
        let rows = match arg {
            Some(a) => c.query(&sql, &[&a]).await,
            None => c.query(&sql, &[]).await,
        };
        let result = rows.map_err(pg_err).and_then(from_rows);
        crate::settle(c, &result);
        result
    }

    pub(crate) async fn release_among(&self, partner: &str, ids: &[String]) -> StoreResult<Vec<String>> {
        let c = self.client().await?;
        let result = c
            .query("SELECT DISTINCT object_id FROM release_objects WHERE partner = $1 AND object_id = ANY($2)", &[&partner, &ids])
            .await
            .map_err(pg_err)
            .and_then(|rows| rows.iter().map(|r| r.try_get(0).map_err(pg_err)).collect());
        crate::settle(c, &result);
        result
    }

    pub(crate) async fn admissions_record(&self, read: &PartnerRead, collection_id: &str, rows: Vec<(Cursor, Vec<String>)>) -> StoreResult<()> {
        if read.fingerprint.is_empty() || rows.is_empty() {
            return Ok(());
        }
        let added: Vec<i64> = rows.iter().map(|(c, _)| c.0).collect();
        let key = admission_key(read);
        let names: Vec<String> = rows.iter().map(|(_, n)| n.join(",")).collect();
        let mut distinct = names.clone();
        distinct.sort();
        distinct.dedup();
        let c = self.client().await?;
        let result = async {
            // The key's and the names' numbers (added if new; admissions hold the numbers).
            c.execute("INSERT INTO admission_keys (key) VALUES ($1) ON CONFLICT (key) DO NOTHING", &[&key]).await.map_err(pg_err)?;
            let key: i64 = c.query_one("SELECT id FROM admission_keys WHERE key = $1", &[&key]).await.map_err(pg_err)?.try_get(0).map_err(pg_err)?;
            c.execute("INSERT INTO admission_sets (names) SELECT unnest($1::text[]) ON CONFLICT (names) DO NOTHING", &[&distinct]).await.map_err(pg_err)?;
            let mut numbers = std::collections::HashMap::new();
            for row in c.query("SELECT names, id FROM admission_sets WHERE names = ANY($1)", &[&distinct]).await.map_err(pg_err)? {
                numbers.insert(row.try_get::<_, String>(0).map_err(pg_err)?, row.try_get::<_, i64>(1).map_err(pg_err)?);
            }
            let sets = names.iter().map(|n| numbers.get(n).copied().ok_or_else(|| StoreError::Internal("admission names not stored".into()))).collect::<StoreResult<Vec<i64>>>()?;
            // The partner's admissions under its other keys (keys are `partner LF fingerprint`)
            // go: its profile or the policy changed since.
            let st = c
                .prepare_cached(
                    "DELETE FROM admissions a WHERE a.coll = (SELECT pk FROM collections WHERE id = $1) AND a.obj = ANY($2) AND a.key <> $3
                       AND a.key IN (SELECT id FROM admission_keys WHERE starts_with(key, $4))",
                )
                .await
                .map_err(pg_err)?;
            c.execute(&st, &[&collection_id, &added, &key, &format!("{}\n", read.partner)]).await.map_err(pg_err)?;
            // Rows deleted meanwhile are skipped (the join); the rows themselves are never
            // rewritten.
            let st = c
                .prepare_cached(
                    "INSERT INTO admissions (coll, obj, key, names)
                     SELECT o.coll, o.date_added, $4, t.s FROM unnest($2::bigint[], $3::bigint[]) AS t(added, s)
                     JOIN objects o ON o.coll = (SELECT pk FROM collections WHERE id = $1) AND o.date_added = t.added
                     ON CONFLICT (coll, obj, key) DO UPDATE SET names = EXCLUDED.names WHERE admissions.names IS DISTINCT FROM EXCLUDED.names",
                )
                .await
                .map_err(pg_err)?;
            c.execute(&st, &[&collection_id, &added, &sets, &key]).await.map_err(pg_err).map(|_| ())
        }
        .await;
        crate::settle(c, &result);
        result
    }

    pub(crate) async fn release_object_ids(&self, partner: &str) -> StoreResult<Vec<String>> {
        let c = self.client().await?;
        let result = c
            .query("SELECT DISTINCT object_id FROM release_objects WHERE partner = $1 ORDER BY object_id", &[&partner])
            .await
            .map_err(pg_err)
            .and_then(|rows| rows.iter().map(|r| r.try_get(0).map_err(pg_err)).collect());
        crate::settle(c, &result);
        result
    }
}
