//! Partner management: the same functions for `tearline partner ...` and `/api/v1/partners`.

use serde::Deserialize;
use tearline_stix::Identifier;
use tearline_store::{Account, Partner, PartnerProfile, RelationshipFlag, Store, secret};

use crate::{Action, Actor, CountryCode, ServiceError, ServiceResult};

/// Partner fields as given by a user. On `add`, `name`, `title` and `country` are required; on
/// `update`, every field is optional and replaces the stored one when given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerInput {
    pub name: Option<String>,
    pub title: Option<String>,
    pub identity_id: Option<String>,
    pub country: Option<String>,
    pub sectors: Option<Vec<String>>,
    pub trust_tier: Option<u8>,
    pub flags: Option<Vec<String>>,
    pub clients: Option<Vec<String>>,
    pub communities: Option<Vec<String>>,
}

fn invalid(msg: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(msg.into())
}

fn check_name(name: &str) -> ServiceResult<()> {
    let ok = (2..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if ok { Ok(()) } else { Err(invalid(format!("partner name '{name}' must be 2 to 64 characters of a-z, 0-9 and '-'"))) }
}

fn clean_list(items: Vec<String>, what: &str) -> ServiceResult<Vec<String>> {
    let mut out: Vec<String> = items.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    if let Some(bad) = out.iter().find(|s| s.len() > 200) {
        return Err(invalid(format!("{what} entry '{}...' is longer than 200 characters", &bad[..20])));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Applies `input` over `base` and checks the result.
fn merge(mut base: PartnerProfile, input: PartnerInput) -> ServiceResult<PartnerProfile> {
    if let Some(t) = input.title {
        base.title = t.trim().to_owned();
    }
    if let Some(id) = input.identity_id {
        let parsed = Identifier::parse(&id).map_err(|e| invalid(e.to_string()))?;
        if parsed.object_type() != "identity" {
            return Err(invalid(format!("identity_id '{id}' must be an identity--... id")));
        }
        base.identity_id = id;
    }
    if let Some(c) = input.country {
        base.country = CountryCode::parse(&c).map_err(invalid)?.to_string();
    }
    if let Some(s) = input.sectors {
        base.sectors = clean_list(s, "sectors")?;
    }
    if let Some(t) = input.trust_tier {
        if !(1..=5).contains(&t) {
            return Err(invalid(format!("trust_tier {t} is out of range: 1 (closest) to 5 (least trusted)")));
        }
        base.trust_tier = t;
    }
    if let Some(flags) = input.flags {
        let mut parsed = flags.iter().map(|f| f.trim().parse::<RelationshipFlag>()).collect::<Result<Vec<_>, _>>().map_err(invalid)?;
        parsed.sort();
        parsed.dedup();
        base.flags = parsed;
    }
    if let Some(c) = input.clients {
        base.clients = clean_list(c, "clients")?;
    }
    if let Some(c) = input.communities {
        base.communities = clean_list(c, "communities")?;
    }
    if base.title.is_empty() || base.title.len() > 200 {
        return Err(invalid("title must be 1 to 200 characters"));
    }
    Ok(base)
}

pub async fn add(store: &dyn Store, actor: &Actor, input: PartnerInput) -> ServiceResult<Partner> {
    actor.require(Action::ManagePartners)?;
    let name = input.name.clone().ok_or_else(|| invalid("a partner needs a name"))?;
    check_name(&name)?;
    let country = input.country.as_deref().ok_or_else(|| invalid("a partner needs a country (ISO 3166-1 alpha-3)"))?;
    CountryCode::parse(country).map_err(invalid)?;
    let base = PartnerProfile {
        name: name.clone(),
        title: name,
        identity_id: Identifier::new_v4("identity").into_string(),
        country: String::new(),
        sectors: vec![],
        trust_tier: 3,
        flags: vec![],
        clients: vec![],
        communities: vec![],
    };
    let profile = merge(base, PartnerInput { name: None, ..input })?;
    Ok(store.add_partner(profile).await?)
}

pub async fn update(store: &dyn Store, actor: &Actor, name: &str, input: PartnerInput) -> ServiceResult<Partner> {
    actor.require(Action::ManagePartners)?;
    if input.name.as_deref().is_some_and(|n| n != name) {
        return Err(invalid("a partner's name cannot change; add a new partner instead"));
    }
    let current = store.partner(name).await?.filter(|p| !p.removed).ok_or_else(|| ServiceError::NotFound(format!("partner '{name}'")))?;
    let profile = merge(current.profile, PartnerInput { name: None, ..input })?;
    Ok(store.update_partner(profile).await?)
}

pub async fn remove(store: &dyn Store, actor: &Actor, name: &str) -> ServiceResult<()> {
    actor.require(Action::ManagePartners)?;
    Ok(store.remove_partner(name).await?)
}

pub async fn list(store: &dyn Store, actor: &Actor) -> ServiceResult<Vec<Partner>> {
    actor.require(Action::Read)?;
    Ok(store.partners().await?)
}

pub async fn show(store: &dyn Store, actor: &Actor, name: &str) -> ServiceResult<Partner> {
    actor.require(Action::Read)?;
    store.partner(name).await?.ok_or_else(|| ServiceError::NotFound(format!("partner '{name}'")))
}

/// Creates a member account for a partner; returns it and its secret (shown once).
pub async fn add_member(store: &dyn Store, actor: &Actor, partner: &str, account: &str) -> ServiceResult<(Account, String)> {
    actor.require(Action::ManagePartners)?;
    let ok = !account.is_empty() && account.len() <= 100 && !account.contains(':') && account.chars().all(|c| c.is_ascii_graphic());
    if !ok {
        return Err(invalid("account names are 1 to 100 printable ASCII characters without spaces or ':'"));
    }
    let s = secret::generate();
    let acct = store.add_partner_member(partner, account, secret::hash(&s)).await?;
    Ok((acct, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tearline_store::Role;

    async fn store() -> (tempfile::TempDir, tearline_store_sqlite::SqliteStore) {
        let d = tempfile::tempdir().unwrap();
        let s = tearline_store_sqlite::SqliteStore::open(d.path().join("t.db")).unwrap();
        (d, s)
    }

    fn input(name: &str, country: &str) -> PartnerInput {
        PartnerInput { name: Some(name.into()), country: Some(country.into()), ..Default::default() }
    }

    #[tokio::test]
    async fn add_validates_and_defaults() {
        let (_d, s) = store().await;
        let p = add(&s, &Actor::Operator, PartnerInput { flags: Some(vec!["not-recognised".into(), "hostile".into()]), ..input("syria-gsd", "syr") })
            .await
            .unwrap();
        assert_eq!(p.profile.country, "SYR");
        assert!(p.profile.identity_id.starts_with("identity--"));
        assert_eq!(p.profile.flags, vec![RelationshipFlag::Hostile, RelationshipFlag::NotRecognised]);
        for bad in [input("Bad Name", "SYR"), input("ok-name", "Syria"), PartnerInput { trust_tier: Some(9), ..input("ok-name", "SYR") }, PartnerInput { flags: Some(vec!["evil".into()]), ..input("ok-name", "SYR") }] {
            assert!(matches!(add(&s, &Actor::Operator, bad).await, Err(ServiceError::Invalid(_))));
        }
        assert!(matches!(add(&s, &Actor::Operator, input("syria-gsd", "SYR")).await, Err(ServiceError::Conflict(_))));
    }

    #[tokio::test]
    async fn roles_govern_management() {
        let (_d, s) = store().await;
        let analyst = s.add_account("ann", Role::Analyst, [1; 32]).await.unwrap();
        let auditor = s.add_account("aud", Role::Auditor, [2; 32]).await.unwrap();
        let admin = s.add_account("adm", Role::Admin, [3; 32]).await.unwrap();
        for who in [analyst, auditor.clone()] {
            assert!(matches!(add(&s, &Actor::Account(who), input("p1", "SYR")).await, Err(ServiceError::Forbidden(_))));
        }
        add(&s, &Actor::Account(admin), input("p1", "SYR")).await.unwrap();
        assert_eq!(list(&s, &Actor::Account(auditor)).await.unwrap().len(), 1, "auditors read everything");
    }

    #[tokio::test]
    async fn update_is_partial_and_members_get_secrets() {
        let (_d, s) = store().await;
        add(&s, &Actor::Operator, input("p1", "RUS")).await.unwrap();
        let p = update(&s, &Actor::Operator, "p1", PartnerInput { trust_tier: Some(5), ..Default::default() }).await.unwrap();
        assert_eq!((p.profile.trust_tier, p.profile.country.as_str()), (5, "RUS"));
        assert!(matches!(update(&s, &Actor::Operator, "p1", PartnerInput { name: Some("p2".into()), ..Default::default() }).await, Err(ServiceError::Invalid(_))));
        let (acct, secret) = add_member(&s, &Actor::Operator, "p1", "p1-liaison").await.unwrap();
        assert_eq!(s.account_by_secret(&secret::hash(&secret)).await.unwrap().unwrap().id, acct.id);
        remove(&s, &Actor::Operator, "p1").await.unwrap();
        assert!(matches!(update(&s, &Actor::Operator, "p1", PartnerInput::default()).await, Err(ServiceError::NotFound(_))));
    }
}
