//! Partners: profile (JSON), delivery collection, member accounts.

use rusqlite::{Connection, OptionalExtension, params};
use tearline_store::*;

use crate::{db_err, insert_collection, now_text};

fn to_json(p: &PartnerProfile) -> StoreResult<String> {
    serde_json::to_string(p).map_err(|e| StoreError::Internal(e.to_string()))
}

fn load(c: &Connection, name: &str, profile: &str, collection_id: String, created: String, removed: bool) -> StoreResult<Partner> {
    let profile = PartnerProfile::from_stored(profile)?;
    let mut st = c
        .prepare_cached("SELECT a.name FROM partner_members m JOIN accounts a ON a.id = m.account WHERE m.partner = ?1 ORDER BY a.name")
        .map_err(db_err)?;
    let members = st.query_map([name], |r| r.get(0)).map_err(db_err)?.collect::<Result<_, _>>().map_err(db_err)?;
    Ok(Partner { profile, collection_id, created, removed, members })
}

const SELECT: &str = "SELECT p.name, p.profile, c.id, p.created, p.removed FROM partners p JOIN collections c ON c.pk = p.collection";

fn query(c: &Connection, sql: &str, arg: Option<&dyn rusqlite::ToSql>) -> StoreResult<Vec<Partner>> {
    let mut st = c.prepare_cached(sql).map_err(db_err)?;
    let map = |r: &rusqlite::Row<'_>| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, bool>(4)?));
    let rows: Vec<_> = match arg {
        Some(a) => st.query_map([a], map).map_err(db_err)?.collect::<Result<_, _>>().map_err(db_err)?,
        None => st.query_map([], map).map_err(db_err)?.collect::<Result<_, _>>().map_err(db_err)?,
    };
    rows.into_iter().map(|(name, profile, coll, created, removed)| load(c, &name, &profile, coll, created, removed)).collect()
}

pub(crate) fn all(c: &Connection) -> StoreResult<Vec<Partner>> {
    query(c, &format!("{SELECT} ORDER BY p.name"), None)
}

pub(crate) fn by_name(c: &Connection, name: &str) -> StoreResult<Option<Partner>> {
    Ok(query(c, &format!("{SELECT} WHERE p.name = ?1"), Some(&name))?.pop())
}

pub(crate) fn add(c: &Connection, profile: PartnerProfile) -> StoreResult<Partner> {
    if c.query_row("SELECT 1 FROM partners WHERE name = ?1", [&profile.name], |_| Ok(())).optional().map_err(db_err)?.is_some() {
        return Err(StoreError::Conflict(format!("partner '{}'", profile.name)));
    }
    let (pk, coll) = insert_collection(
        c,
        NewCollection {
            api_root: PARTNER_API_ROOT.into(),
            title: format!("Releases to {}", profile.title),
            description: Some("Releases from the producer; post acknowledgements and outcomes here".into()),
            alias: Some(profile.name.clone()),
            readers: vec![],
            writers: vec![],
        },
    )?;
    let created = now_text();
    c.execute(
        "INSERT INTO partners (name, profile, collection, created, removed) VALUES (?1, ?2, ?3, ?4, 0)",
        params![profile.name, to_json(&profile)?, pk, created],
    )
    .map_err(db_err)?;
    Ok(Partner { profile, collection_id: coll.id, created, removed: false, members: vec![] })
}

pub(crate) fn update(c: &Connection, profile: PartnerProfile) -> StoreResult<Partner> {
    let n = c
        .execute("UPDATE partners SET profile = ?1 WHERE name = ?2 AND removed = 0", params![to_json(&profile)?, profile.name])
        .map_err(db_err)?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("partner '{}'", profile.name)));
    }
    by_name(c, &profile.name)?.ok_or_else(|| StoreError::NotFound(format!("partner '{}'", profile.name)))
}

pub(crate) fn remove(c: &Connection, name: &str) -> StoreResult<()> {
    let coll: Option<i64> = c
        .query_row("SELECT collection FROM partners WHERE name = ?1 AND removed = 0", [name], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    let coll = coll.ok_or_else(|| StoreError::NotFound(format!("partner '{name}'")))?;
    c.execute("UPDATE partners SET removed = 1 WHERE name = ?1", [name]).map_err(db_err)?;
    c.execute("UPDATE accounts SET disabled = 1 WHERE id IN (SELECT account FROM partner_members WHERE partner = ?1)", [name])
        .map_err(db_err)?;
    c.execute("DELETE FROM grants WHERE collection = ?1", [coll]).map_err(db_err)?;
    Ok(())
}

pub(crate) fn add_member(c: &Connection, partner: &str, account: &str, secret_hash: SecretHash) -> StoreResult<Account> {
    let (coll, profile): (i64, String) = c
        .query_row("SELECT collection, profile FROM partners WHERE name = ?1 AND removed = 0", [partner], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(db_err)?
        .ok_or_else(|| StoreError::NotFound(format!("partner '{partner}'")))?;
    if c.query_row("SELECT 1 FROM accounts WHERE name = ?1", [account], |_| Ok(())).optional().map_err(db_err)?.is_some() {
        return Err(StoreError::Conflict(format!("account '{account}'")));
    }
    let created = now_text();
    c.execute(
        "INSERT INTO accounts (name, role, secret_hash, created, disabled) VALUES (?1, ?2, ?3, ?4, 0)",
        params![account, Role::PartnerMember.as_str(), &secret_hash[..], created],
    )
    .map_err(db_err)?;
    let id = c.last_insert_rowid();
    c.execute("INSERT INTO partner_members (account, partner) VALUES (?1, ?2)", params![id, partner]).map_err(db_err)?;
    c.execute("INSERT INTO grants (collection, account, can_read, can_write) VALUES (?1, ?2, 1, 1)", params![coll, id]).map_err(db_err)?;
    let profile = PartnerProfile::shared(&profile)?;
    Ok(Account { id, name: account.to_owned(), role: Role::PartnerMember, created, disabled: false, partner: Some(profile) })
}
