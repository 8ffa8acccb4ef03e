//! Embedded migrations. Each entry is applied once, in order, and never edited once released;
//! `PRAGMA user_version` records how many have been applied.

use rusqlite::Connection;
use tearline_store::{StoreError, StoreResult};

use crate::db_err;

const MIGRATIONS: &[&str] = &[
    // 1: accounts, API roots, collections, grants, objects, statuses.
    "CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        secret_hash BLOB NOT NULL UNIQUE,
        created TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE api_roots (
        name TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        description TEXT
    );
    CREATE TABLE collections (
        pk INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        api_root TEXT NOT NULL REFERENCES api_roots (name),
        title TEXT NOT NULL,
        description TEXT,
        alias TEXT
    );
    CREATE INDEX collections_by_root ON collections (api_root);
    CREATE TABLE grants (
        collection INTEGER NOT NULL REFERENCES collections (pk),
        account INTEGER NOT NULL REFERENCES accounts (id),
        can_read INTEGER NOT NULL,
        can_write INTEGER NOT NULL,
        PRIMARY KEY (collection, account)
    ) WITHOUT ROWID;
    -- One row per stored version per collection. date_added (microseconds since the epoch,
    -- strictly increasing) is the rowid: page order, cursor and added_after bound in one.
    CREATE TABLE objects (
        date_added INTEGER PRIMARY KEY,
        coll INTEGER NOT NULL REFERENCES collections (pk),
        stix_id TEXT NOT NULL,
        -- First 8 bytes of SHA-256(stix_id): a small, well-spread key for the per-id index
        -- (ids are checked in full on every match).
        id_key INTEGER NOT NULL,
        type TEXT NOT NULL,
        version TEXT NOT NULL,
        spec_version TEXT NOT NULL,
        is_first INTEGER NOT NULL,
        is_last INTEGER NOT NULL,
        hash BLOB NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX objects_by_id ON objects (coll, id_key);
    CREATE INDEX objects_by_coll ON objects (coll);
    CREATE INDEX objects_by_type ON objects (coll, type);
    CREATE INDEX objects_last ON objects (coll) WHERE is_last = 1;
    CREATE INDEX objects_last_by_type ON objects (coll, type) WHERE is_last = 1;
    CREATE TABLE statuses (
        id TEXT PRIMARY KEY,
        account INTEGER NOT NULL,
        created INTEGER NOT NULL,
        body TEXT NOT NULL
    );",
    // 2: partners and their member accounts.
    "CREATE TABLE partners (
        name TEXT PRIMARY KEY,
        profile TEXT NOT NULL,
        collection INTEGER NOT NULL REFERENCES collections (pk),
        created TEXT NOT NULL,
        removed INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE partner_members (
        account INTEGER PRIMARY KEY REFERENCES accounts (id),
        partner TEXT NOT NULL REFERENCES partners (name)
    );
    CREATE INDEX partner_members_by_partner ON partner_members (partner);",
    // 3: releases (immutable: only the state moves), their sources and published object ids.
    "CREATE TABLE releases (
        manifest_id TEXT PRIMARY KEY,
        partner TEXT NOT NULL REFERENCES partners (name),
        created TEXT NOT NULL,
        state TEXT NOT NULL,
        supersedes TEXT,
        bundle BLOB NOT NULL,
        meta TEXT NOT NULL
    );
    CREATE INDEX releases_by_partner ON releases (partner, created);
    CREATE TRIGGER releases_immutable BEFORE UPDATE OF manifest_id, partner, created, supersedes, bundle, meta ON releases
    BEGIN SELECT RAISE(ABORT, 'a release is immutable'); END;
    CREATE TRIGGER releases_kept BEFORE DELETE ON releases
    BEGIN SELECT RAISE(ABORT, 'a release is kept on record'); END;
    CREATE TABLE release_sources (
        source_id TEXT NOT NULL,
        manifest_id TEXT NOT NULL REFERENCES releases (manifest_id),
        PRIMARY KEY (source_id, manifest_id)
    ) WITHOUT ROWID;
    CREATE TABLE release_objects (
        partner TEXT NOT NULL,
        object_id TEXT NOT NULL,
        manifest_id TEXT NOT NULL,
        PRIMARY KEY (partner, object_id, manifest_id)
    ) WITHOUT ROWID;",
    // 4: the ledger (hash chain, checkpoints, archived segments), first retrievals of
    // releases, duty-to-warn cases and their events, leak-tracing variant maps.
    "CREATE TABLE ledger (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev BLOB NOT NULL,
        hash BLOB NOT NULL
    );
    CREATE INDEX ledger_by_subject ON ledger (subject, seq);
    CREATE TABLE ledger_segments (
        last INTEGER PRIMARY KEY,
        first INTEGER NOT NULL,
        last_hash BLOB NOT NULL,
        file_sha256 TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    -- Entries never change; only whole archived segments leave (see archive_ledger).
    CREATE TRIGGER ledger_immutable BEFORE UPDATE ON ledger
    BEGIN SELECT RAISE(ABORT, 'a ledger entry is immutable'); END;
    CREATE TRIGGER ledger_kept BEFORE DELETE ON ledger
    WHEN OLD.seq > (SELECT coalesce(max(last), 0) FROM ledger_segments)
    BEGIN SELECT RAISE(ABORT, 'a ledger entry is kept until its segment is archived'); END;
    CREATE TABLE ledger_checkpoints (
        seq INTEGER PRIMARY KEY,
        hash BLOB NOT NULL,
        at INTEGER NOT NULL,
        key_id TEXT NOT NULL,
        signature TEXT NOT NULL
    );
    CREATE TABLE retrievals (
        manifest_id TEXT NOT NULL,
        account TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (manifest_id, account)
    ) WITHOUT ROWID;
    CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        state TEXT NOT NULL,
        body TEXT NOT NULL,
        created INTEGER NOT NULL,
        updated INTEGER NOT NULL
    );
    CREATE TABLE case_events (
        case_id TEXT NOT NULL REFERENCES cases (id),
        version INTEGER NOT NULL,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL,
        PRIMARY KEY (case_id, version)
    ) WITHOUT ROWID;
    CREATE TRIGGER case_events_kept BEFORE DELETE ON case_events
    BEGIN SELECT RAISE(ABORT, 'a case event is kept on record'); END;
    CREATE TABLE variant_maps (
        manifest_id TEXT PRIMARY KEY REFERENCES releases (manifest_id),
        partner TEXT NOT NULL,
        body TEXT NOT NULL
    );",
    // 5: publication by (id, version): release_objects gains the version each release or
    // recall published, backfilled from the release bundles (a version is `modified`, else
    // `created`, as the fixed-width sort key) and, for what a bundle does not hold (recall
    // notices, revoked versions of a recalled release), from the delivery collection's rows.
    // objects.admission: the egress decision stored on the row (`partner LF fingerprint LF
    // names`), under the fingerprint of its inputs (a cache of a pure decision: no ledger
    // entry; read in the page query itself, no further lookup).
    "CREATE TABLE release_versions (
        partner TEXT NOT NULL,
        object_id TEXT NOT NULL,
        version TEXT NOT NULL,
        manifest_id TEXT NOT NULL,
        PRIMARY KEY (partner, object_id, version, manifest_id)
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO release_versions (partner, object_id, version, manifest_id)
    SELECT partner, object_id,
        substr(t, 1, 19) || '.' || substr(CASE WHEN substr(t, 20, 1) = '.' THEN substr(t, 21, length(t) - 21) ELSE '' END || '000000000', 1, 9) || 'Z',
        manifest_id
    FROM (
        SELECT ro.partner, ro.object_id, ro.manifest_id,
            coalesce(json_extract(b.value, '$.modified'), json_extract(b.value, '$.created')) AS t
        FROM release_objects ro
        JOIN (SELECT manifest_id, CASE WHEN json_valid(CAST(bundle AS TEXT)) THEN CAST(bundle AS TEXT) ELSE '{}' END AS doc FROM releases) r
            ON r.manifest_id = ro.manifest_id,
            json_each(r.doc, '$.objects') b
        WHERE json_extract(b.value, '$.id') = ro.object_id
    )
    WHERE typeof(t) = 'text' AND length(t) >= 20 AND substr(t, -1) = 'Z';
    INSERT OR IGNORE INTO release_versions (partner, object_id, version, manifest_id)
    SELECT ro.partner, ro.object_id, o.version, ro.manifest_id
    FROM release_objects ro
    JOIN releases r ON r.manifest_id = ro.manifest_id
    JOIN partners p ON p.name = ro.partner
    JOIN objects o ON o.coll = p.collection AND o.stix_id = ro.object_id
    WHERE NOT EXISTS (SELECT 1 FROM release_versions v WHERE v.partner = ro.partner AND v.object_id = ro.object_id AND v.manifest_id = ro.manifest_id)
       OR (r.state = 'recalled' AND json_valid(o.body) AND json_extract(o.body, '$.revoked') = 1);
    DROP TABLE release_objects;
    ALTER TABLE release_versions RENAME TO release_objects;
    ALTER TABLE objects ADD COLUMN admission TEXT;",
    // 6: three indexes on objects instead of five (every insert pays for each): the per-id
    // one, and two in date_added order (per collection, and per collection and type) that
    // carry is_last, so `match[version]=last` pages filter inside the index instead of
    // needing partial indexes of their own.
    "DROP INDEX IF EXISTS objects_by_coll;
    DROP INDEX IF EXISTS objects_last;
    DROP INDEX IF EXISTS objects_by_type;
    DROP INDEX IF EXISTS objects_last_by_type;
    CREATE INDEX objects_by_coll ON objects (coll, date_added, is_last);
    CREATE INDEX objects_by_type ON objects (coll, type, date_added, is_last);",
    // 7: the stored egress decision's key in a column of its own (`admitted_for`: partner LF
    // fingerprint; `admission`: the names), compared whole rather than by prefix and read
    // without building text per row. Decisions stored before are dropped: a cache, the next
    // read decides again.
    "ALTER TABLE objects ADD COLUMN admitted_for TEXT;
    UPDATE objects SET admission = NULL WHERE admission IS NOT NULL;",
    // 8: the stored egress decision as two numbers: the key (`admission_keys`: partner LF
    // fingerprint) and the names (`admission_sets`), so a partner's page compares integers and
    // reads each distinct list of names once. Decisions stored before are dropped (a cache).
    "CREATE TABLE admission_keys (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
    CREATE TABLE admission_sets (id INTEGER PRIMARY KEY, names TEXT NOT NULL UNIQUE);
    ALTER TABLE objects DROP COLUMN admitted_for;
    ALTER TABLE objects DROP COLUMN admission;
    ALTER TABLE objects ADD COLUMN admit_key INTEGER;
    ALTER TABLE objects ADD COLUMN admit_set INTEGER;",
    // 9: stored egress decisions in a table of their own (object, key, names), so storing one
    // never rewrites the object's row: rewritten rows grew, split their pages and left a
    // partner's collection 4-6% slower to read than one never decided. An object's
    // admissions go with it (the foreign key cascades). Decisions stored before are dropped
    // (a cache: the next read decides again).
    "CREATE TABLE admissions (
        obj INTEGER NOT NULL REFERENCES objects (date_added) ON DELETE CASCADE,
        key INTEGER NOT NULL,
        names INTEGER NOT NULL,
        PRIMARY KEY (obj, key)
    ) WITHOUT ROWID;
    ALTER TABLE objects DROP COLUMN admit_key;
    ALTER TABLE objects DROP COLUMN admit_set;",
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db_err)?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew { found: current, known: SCHEMA_VERSION });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(db_err)?;
        // Another process may have migrated while we waited for the lock.
        let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db_err)?;
        if now > i as i64 {
            continue;
        }
        tx.execute_batch(sql).map_err(db_err)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1)).map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        tracing::info!(version = i + 1, "applied sqlite migration");
    }
    Ok(())
}
