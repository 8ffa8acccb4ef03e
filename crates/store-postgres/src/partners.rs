//! Partners: profile (JSON text), delivery collection, member accounts.

use tearline_store::ledger::{current_actor, drafts};
use tearline_store::*;
use tokio_postgres::GenericClient;

use crate::{PgStore, now_text, pg_err};

fn to_json(p: &PartnerProfile) -> StoreResult<String> {
    serde_json::to_string(p).map_err(|e| StoreError::Internal(e.to_string()))
}

const SELECT: &str = "SELECT p.name, p.profile, c.id, p.created, p.removed,
        ARRAY(SELECT a.name FROM partner_members m JOIN accounts a ON a.id = m.account WHERE m.partner = p.name ORDER BY a.name)
    FROM partners p JOIN collections c ON c.pk = p.collection";

fn from_row(row: &tokio_postgres::Row) -> StoreResult<Partner> {
    let profile: String = row.try_get(1).map_err(pg_err)?;
    Ok(Partner {
        profile: PartnerProfile::from_stored(&profile)?,
        collection_id: row.try_get(2).map_err(pg_err)?,
        created: row.try_get(3).map_err(pg_err)?,
        removed: row.try_get(4).map_err(pg_err)?,
        members: row.try_get(5).map_err(pg_err)?,
    })
}

async fn query<C: GenericClient>(c: &C, where_clause: &str, args: &[&(dyn tokio_postgres::types::ToSql + Sync)]) -> StoreResult<Vec<Partner>> {
    let rows = c.query(&format!("{SELECT} {where_clause}"), args).await.map_err(pg_err)?;
    rows.iter().map(from_row).collect()
}

impl PgStore {
    pub(crate) async fn partners_all(&self) -> StoreResult<Vec<Partner>> {
        let c = self.client().await?;
        query(&**c, "ORDER BY p.name", &[]).await
    }

    pub(crate) async fn partner_by_name(&self, name: &str) -> StoreResult<Option<Partner>> {
        let c = self.client().await?;
        Ok(query(&**c, "WHERE p.name = $1", &[&name]).await?.pop())
    }

    pub(crate) async fn partner_add(&self, profile: PartnerProfile) -> StoreResult<Partner> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        if tx.query_opt("SELECT 1 FROM partners WHERE name = $1", &[&profile.name]).await.map_err(pg_err)?.is_some() {
            return Err(StoreError::Conflict(format!("partner '{}'", profile.name)));
        }
        tx.execute("INSERT INTO api_roots (name, title) VALUES ($1, $1) ON CONFLICT (name) DO NOTHING", &[&PARTNER_API_ROOT])
            .await
            .map_err(pg_err)?;
        let id = uuid::Uuid::new_v4().to_string();
        let title = format!("Releases to {}", profile.title);
        let description = "Releases from the producer; post acknowledgements and outcomes here";
        let pk: i64 = tx
            .query_one(
                "INSERT INTO collections (id, api_root, title, description, alias) VALUES ($1, $2, $3, $4, $5) RETURNING pk",
                &[&id, &PARTNER_API_ROOT, &title, &description, &profile.name],
            )
            .await
            .map_err(pg_err)?
            .try_get(0)
            .map_err(pg_err)?;
        let created = now_text();
        tx.execute(
            "INSERT INTO partners (name, profile, collection, created, removed) VALUES ($1, $2, $3, $4, false)",
            &[&profile.name, &to_json(&profile)?, &pk, &created],
        )
        .await
        .map_err(|e| if crate::is_unique_violation(&e) { StoreError::Conflict(format!("partner '{}'", profile.name)) } else { pg_err(e) })?;
        crate::ledger::append(&tx, vec![drafts::partner(current_actor(), "partner.add", &profile)]).await?;
        tx.commit().await.map_err(pg_err)?;
        Ok(Partner { profile, collection_id: id, created, removed: false, members: vec![] })
    }

    pub(crate) async fn partner_update(&self, profile: PartnerProfile) -> StoreResult<Partner> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        let n = tx
            .execute("UPDATE partners SET profile = $1 WHERE name = $2 AND NOT removed", &[&to_json(&profile)?, &profile.name])
            .await
            .map_err(pg_err)?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("partner '{}'", profile.name)));
        }
        let partner = query(&*tx, "WHERE p.name = $1", &[&profile.name]).await?.pop().ok_or_else(|| StoreError::NotFound(format!("partner '{}'", profile.name)))?;
        crate::ledger::append(&tx, vec![drafts::partner(current_actor(), "partner.update", &profile)]).await?;
        tx.commit().await.map_err(pg_err)?;
        Ok(partner)
    }

    pub(crate) async fn partner_remove(&self, name: &str) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        let row = tx
            .query_opt("UPDATE partners SET removed = true WHERE name = $1 AND NOT removed RETURNING collection", &[&name])
            .await
            .map_err(pg_err)?
            .ok_or_else(|| StoreError::NotFound(format!("partner '{name}'")))?;
        let coll: i64 = row.try_get(0).map_err(pg_err)?;
        tx.execute("UPDATE accounts SET disabled = true WHERE id IN (SELECT account FROM partner_members WHERE partner = $1)", &[&name])
            .await
            .map_err(pg_err)?;
        tx.execute("DELETE FROM grants WHERE collection = $1", &[&coll]).await.map_err(pg_err)?;
        crate::ledger::append(&tx, vec![drafts::partner_remove(current_actor(), name)]).await?;
        tx.commit().await.map_err(pg_err)
    }

    pub(crate) async fn partner_add_member(&self, partner: &str, account: &str, secret_hash: SecretHash) -> StoreResult<Account> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        let found = tx
            .query_opt("SELECT collection, profile FROM partners WHERE name = $1 AND NOT removed", &[&partner])
            .await
            .map_err(pg_err)?
            .ok_or_else(|| StoreError::NotFound(format!("partner '{partner}'")))?;
        let coll: i64 = found.try_get(0).map_err(pg_err)?;
        let profile: String = found.try_get(1).map_err(pg_err)?;
        let created = now_text();
        let row = tx
            .query_one(
                "INSERT INTO accounts (name, role, secret_hash, created, disabled) VALUES ($1, $2, $3, $4, false)
                 RETURNING id, name, role, created, disabled, $5::text",
                &[&account, &Role::PartnerMember.as_str(), &&secret_hash[..], &created, &profile],
            )
            .await
            .map_err(|e| if crate::is_unique_violation(&e) { StoreError::Conflict(format!("account '{account}'")) } else { pg_err(e) })?;
        let acct = crate::account_from_row(&row)?;
        tx.execute("INSERT INTO partner_members (account, partner) VALUES ($1, $2)", &[&acct.id, &partner]).await.map_err(pg_err)?;
        tx.execute("INSERT INTO grants (collection, account, can_read, can_write) VALUES ($1, $2, true, true)", &[&coll, &acct.id])
            .await
            .map_err(pg_err)?;
        crate::ledger::append(&tx, vec![drafts::partner_member_add(current_actor(), partner, &acct.name)]).await?;
        tx.commit().await.map_err(pg_err)?;
        Ok(acct)
    }
}
