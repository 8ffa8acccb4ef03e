//! [`Bounded`]: a store whose every call (but `backup`) fails as unavailable after a time limit.
//!
//! A database that stops answering without closing its connections (a network that drops
//! packets) would otherwise hold a request until TCP gives up, minutes later. Wrapped, the call
//! answers [`StoreError::Unavailable`] (HTTP 503) after the limit, and the next call tries again,
//! so the node recovers by itself when the database returns.

use std::time::Duration;

use async_trait::async_trait;

use crate::*;

/// Wraps a store; see the module documentation.
pub struct Bounded<S> {
    inner: S,
    limit: Duration,
}

impl<S: Store> Bounded<S> {
    pub fn new(inner: S, limit: Duration) -> Self {
        Bounded { inner, limit }
    }

    async fn bound<T>(&self, what: &str, fut: impl std::future::Future<Output = StoreResult<T>>) -> StoreResult<T> {
        match tokio::time::timeout(self.limit, fut).await {
            Ok(r) => r,
            Err(_) => Err(StoreError::Unavailable(format!("the database did not answer {what} within {} s", self.limit.as_secs_f32()))),
        }
    }
}

#[async_trait]
impl<S: Store> Store for Bounded<S> {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    async fn backup(&self, dest: &std::path::Path) -> StoreResult<()> {
        // Copies take as long as the database is large: not bounded.
        self.inner.backup(dest).await
    }

    async fn settle(&self) -> StoreResult<()> {
        // As long as the log is large: not bounded.
        self.inner.settle().await
    }

    async fn ping(&self) -> StoreResult<()> {
        self.bound("ping", self.inner.ping()).await
    }

    async fn add_account(&self, name: &str, role: Role, secret_hash: SecretHash) -> StoreResult<Account> {
        self.bound("add account", self.inner.add_account(name, role, secret_hash)).await
    }

    async fn set_account_secret(&self, name: &str, secret_hash: SecretHash) -> StoreResult<()> {
        self.bound("set account secret", self.inner.set_account_secret(name, secret_hash)).await
    }

    async fn disable_account(&self, name: &str) -> StoreResult<()> {
        self.bound("disable account", self.inner.disable_account(name)).await
    }

    async fn accounts(&self) -> StoreResult<Vec<Account>> {
        self.bound("accounts", self.inner.accounts()).await
    }

    async fn account_by_secret(&self, hash: &SecretHash) -> StoreResult<Option<Account>> {
        self.bound("account by secret", self.inner.account_by_secret(hash)).await
    }

    async fn account_by_name(&self, name: &str) -> StoreResult<Option<(Account, SecretHash)>> {
        self.bound("account by name", self.inner.account_by_name(name)).await
    }

    async fn api_roots(&self) -> StoreResult<Vec<ApiRoot>> {
        self.bound("api roots", self.inner.api_roots()).await
    }

    async fn add_collection(&self, new: NewCollection) -> StoreResult<Collection> {
        self.bound("add collection", self.inner.add_collection(new)).await
    }

    async fn set_grant(&self, collection_id: &str, account: &str, access: Access) -> StoreResult<()> {
        self.bound("set grant", self.inner.set_grant(collection_id, account, access)).await
    }

    async fn collections(&self) -> StoreResult<Vec<Collection>> {
        self.bound("collections", self.inner.collections()).await
    }

    async fn collections_for(&self, account_id: i64, api_root: &str) -> StoreResult<Vec<(Collection, Access)>> {
        self.bound("collections for", self.inner.collections_for(account_id, api_root)).await
    }

    async fn collection_for(&self, account_id: i64, api_root: &str, collection_id: &str) -> StoreResult<Option<(Collection, Access)>> {
        self.bound("collection for", self.inner.collection_for(account_id, api_root, collection_id)).await
    }

    async fn collection(&self, collection_id: &str) -> StoreResult<Option<Collection>> {
        self.bound("collection", self.inner.collection(collection_id)).await
    }

    async fn add_objects(&self, collection_id: &str, items: Vec<Submission>, status: Option<StatusDraft>) -> StoreResult<AddResult> {
        self.bound("add objects", self.inner.add_objects(collection_id, items, status)).await
    }

    async fn objects(&self, collection_id: &str, filter: &ObjectFilter, with_body: bool) -> StoreResult<Page> {
        self.bound("objects", self.inner.objects(collection_id, filter, with_body)).await
    }

    async fn delete_object(&self, collection_id: &str, object_id: &str, versions: &VersionFilter, spec_versions: &[String]) -> StoreResult<u64> {
        self.bound("delete object", self.inner.delete_object(collection_id, object_id, versions, spec_versions)).await
    }

    async fn status(&self, status_id: &str, account_id: i64) -> StoreResult<Option<StatusRecord>> {
        self.bound("status", self.inner.status(status_id, account_id)).await
    }

    async fn add_partner(&self, profile: PartnerProfile) -> StoreResult<Partner> {
        self.bound("add partner", self.inner.add_partner(profile)).await
    }

    async fn update_partner(&self, profile: PartnerProfile) -> StoreResult<Partner> {
        self.bound("update partner", self.inner.update_partner(profile)).await
    }

    async fn partners(&self) -> StoreResult<Vec<Partner>> {
        self.bound("partners", self.inner.partners()).await
    }

    async fn partner(&self, name: &str) -> StoreResult<Option<Partner>> {
        self.bound("partner", self.inner.partner(name)).await
    }

    async fn remove_partner(&self, name: &str) -> StoreResult<()> {
        self.bound("remove partner", self.inner.remove_partner(name)).await
    }

    async fn add_partner_member(&self, partner: &str, account: &str, secret_hash: SecretHash) -> StoreResult<Account> {
        self.bound("add partner member", self.inner.add_partner_member(partner, account, secret_hash)).await
    }

    async fn add_release(&self, record: ReleaseRecord, objects: Vec<Submission>) -> StoreResult<AddResult> {
        self.bound("add release", self.inner.add_release(record, objects)).await
    }

    async fn release(&self, manifest_id: &str) -> StoreResult<Option<ReleaseRecord>> {
        self.bound("release", self.inner.release(manifest_id)).await
    }

    async fn releases(&self, partner: Option<&str>) -> StoreResult<Vec<ReleaseRecord>> {
        self.bound("releases", self.inner.releases(partner)).await
    }

    async fn releases_from_source(&self, source_id: &str) -> StoreResult<Vec<ReleaseRecord>> {
        self.bound("releases from source", self.inner.releases_from_source(source_id)).await
    }

    async fn set_release_state(&self, manifest_id: &str, state: ReleaseState, objects: Vec<Submission>) -> StoreResult<AddResult> {
        self.bound("set release state", self.inner.set_release_state(manifest_id, state, objects)).await
    }

    async fn released_object_ids(&self, partner: &str) -> StoreResult<Vec<String>> {
        self.bound("released object ids", self.inner.released_object_ids(partner)).await
    }

    async fn released_among(&self, partner: &str, ids: &[String]) -> StoreResult<Vec<String>> {
        self.bound("released among", self.inner.released_among(partner, ids)).await
    }

    async fn partner_objects(&self, collection_id: &str, filter: &ObjectFilter, with_body: bool, read: &PartnerRead) -> StoreResult<PartnerPage> {
        self.bound("partner objects", self.inner.partner_objects(collection_id, filter, with_body, read)).await
    }

    async fn record_admissions(&self, read: &PartnerRead, collection_id: &str, rows: Vec<(Cursor, Vec<String>)>) -> StoreResult<()> {
        self.bound("record admissions", self.inner.record_admissions(read, collection_id, rows)).await
    }

    async fn ledger_append(&self, draft: LedgerDraft) -> StoreResult<LedgerEntry> {
        self.bound("ledger append", self.inner.ledger_append(draft)).await
    }

    async fn ledger_entries(&self, query: &LedgerQuery) -> StoreResult<Vec<LedgerEntry>> {
        self.bound("ledger entries", self.inner.ledger_entries(query)).await
    }

    async fn ledger_head(&self) -> StoreResult<Head> {
        self.bound("ledger head", self.inner.ledger_head()).await
    }

    async fn ledger_segments(&self) -> StoreResult<Vec<ArchivedSegment>> {
        self.bound("ledger segments", self.inner.ledger_segments()).await
    }

    async fn add_checkpoint(&self, checkpoint: Checkpoint) -> StoreResult<()> {
        self.bound("add checkpoint", self.inner.add_checkpoint(checkpoint)).await
    }

    async fn checkpoints(&self) -> StoreResult<Vec<Checkpoint>> {
        self.bound("checkpoints", self.inner.checkpoints()).await
    }

    async fn archive_ledger(&self, segment: ArchivedSegment) -> StoreResult<()> {
        // Deletes as many entries as the segment holds: not bounded, like backup.
        self.inner.archive_ledger(segment).await
    }

    async fn record_retrievals(&self, items: Vec<Retrieval>) -> StoreResult<Vec<Retrieval>> {
        self.bound("record retrievals", self.inner.record_retrievals(items)).await
    }

    async fn retrievals(&self, manifest_id: Option<&str>) -> StoreResult<Vec<Retrieval>> {
        self.bound("retrievals", self.inner.retrievals(manifest_id)).await
    }

    async fn put_case(&self, write: CaseWrite) -> StoreResult<CaseRow> {
        self.bound("put case", self.inner.put_case(write)).await
    }

    async fn case(&self, id: &str) -> StoreResult<Option<CaseRow>> {
        self.bound("case", self.inner.case(id)).await
    }

    async fn cases(&self) -> StoreResult<Vec<CaseRow>> {
        self.bound("cases", self.inner.cases()).await
    }

    async fn case_events(&self, id: &str) -> StoreResult<Vec<CaseEvent>> {
        self.bound("case events", self.inner.case_events(id)).await
    }

    async fn variant_maps(&self) -> StoreResult<Vec<VariantMapRow>> {
        self.bound("variant maps", self.inner.variant_maps()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store whose calls never finish.
    struct Stuck;

    #[async_trait]
    #[allow(unused_variables)]
    impl Store for Stuck {
        fn backend(&self) -> &'static str {
            "stuck"
        }
        async fn ping(&self) -> StoreResult<()> {
            std::future::pending().await
        }
        async fn add_account(&self, name: &str, role: Role, secret_hash: SecretHash) -> StoreResult<Account> {
            std::future::pending().await
        }
        async fn set_account_secret(&self, name: &str, secret_hash: SecretHash) -> StoreResult<()> {
            std::future::pending().await
        }
        async fn disable_account(&self, name: &str) -> StoreResult<()> {
            std::future::pending().await
        }
        async fn accounts(&self) -> StoreResult<Vec<Account>> {
            std::future::pending().await
        }
        async fn account_by_secret(&self, hash: &SecretHash) -> StoreResult<Option<Account>> {
            std::future::pending().await
        }
        async fn account_by_name(&self, name: &str) -> StoreResult<Option<(Account, SecretHash)>> {
            std::future::pending().await
        }
        async fn api_roots(&self) -> StoreResult<Vec<ApiRoot>> {
            std::future::pending().await
        }
        async fn add_collection(&self, new: NewCollection) -> StoreResult<Collection> {
            std::future::pending().await
        }
        async fn set_grant(&self, collection_id: &str, account: &str, access: Access) -> StoreResult<()> {
            std::future::pending().await
        }
        async fn collections(&self) -> StoreResult<Vec<Collection>> {
            std::future::pending().await
        }
        async fn collections_for(&self, account_id: i64, api_root: &str) -> StoreResult<Vec<(Collection, Access)>> {
            std::future::pending().await
        }
        async fn collection_for(&self, account_id: i64, api_root: &str, collection_id: &str) -> StoreResult<Option<(Collection, Access)>> {
            std::future::pending().await
        }
        async fn collection(&self, collection_id: &str) -> StoreResult<Option<Collection>> {
            std::future::pending().await
        }
        async fn add_objects(&self, collection_id: &str, items: Vec<Submission>, status: Option<StatusDraft>) -> StoreResult<AddResult> {
            std::future::pending().await
        }
        async fn objects(&self, collection_id: &str, filter: &ObjectFilter, with_body: bool) -> StoreResult<Page> {
            std::future::pending().await
        }
        async fn delete_object(&self, collection_id: &str, object_id: &str, versions: &VersionFilter, spec_versions: &[String]) -> StoreResult<u64> {
            std::future::pending().await
        }
        async fn status(&self, status_id: &str, account_id: i64) -> StoreResult<Option<StatusRecord>> {
            std::future::pending().await
        }
        async fn add_partner(&self, profile: PartnerProfile) -> StoreResult<Partner> {
            std::future::pending().await
        }
        async fn update_partner(&self, profile: PartnerProfile) -> StoreResult<Partner> {
            std::future::pending().await
        }
        async fn partners(&self) -> StoreResult<Vec<Partner>> {
            std::future::pending().await
        }
        async fn partner(&self, name: &str) -> StoreResult<Option<Partner>> {
            std::future::pending().await
        }
        async fn remove_partner(&self, name: &str) -> StoreResult<()> {
            std::future::pending().await
        }
        async fn add_partner_member(&self, partner: &str, account: &str, secret_hash: SecretHash) -> StoreResult<Account> {
            std::future::pending().await
        }
        async fn add_release(&self, record: ReleaseRecord, objects: Vec<Submission>) -> StoreResult<AddResult> {
            std::future::pending().await
        }
        async fn release(&self, manifest_id: &str) -> StoreResult<Option<ReleaseRecord>> {
            std::future::pending().await
        }
        async fn releases(&self, partner: Option<&str>) -> StoreResult<Vec<ReleaseRecord>> {
            std::future::pending().await
        }
        async fn releases_from_source(&self, source_id: &str) -> StoreResult<Vec<ReleaseRecord>> {
            std::future::pending().await
        }
        async fn set_release_state(&self, manifest_id: &str, state: ReleaseState, objects: Vec<Submission>) -> StoreResult<AddResult> {
            std::future::pending().await
        }
        async fn released_object_ids(&self, partner: &str) -> StoreResult<Vec<String>> {
            std::future::pending().await
        }
        async fn released_among(&self, partner: &str, ids: &[String]) -> StoreResult<Vec<String>> {
            std::future::pending().await
        }
        async fn partner_objects(&self, collection_id: &str, filter: &ObjectFilter, with_body: bool, read: &PartnerRead) -> StoreResult<PartnerPage> {
            std::future::pending().await
        }
        async fn record_admissions(&self, read: &PartnerRead, collection_id: &str, rows: Vec<(Cursor, Vec<String>)>) -> StoreResult<()> {
            std::future::pending().await
        }
        async fn ledger_append(&self, draft: LedgerDraft) -> StoreResult<LedgerEntry> {
            std::future::pending().await
        }
        async fn ledger_entries(&self, query: &LedgerQuery) -> StoreResult<Vec<LedgerEntry>> {
            std::future::pending().await
        }
        async fn ledger_head(&self) -> StoreResult<Head> {
            std::future::pending().await
        }
        async fn ledger_segments(&self) -> StoreResult<Vec<ArchivedSegment>> {
            std::future::pending().await
        }
        async fn add_checkpoint(&self, checkpoint: Checkpoint) -> StoreResult<()> {
            std::future::pending().await
        }
        async fn checkpoints(&self) -> StoreResult<Vec<Checkpoint>> {
            std::future::pending().await
        }
        async fn archive_ledger(&self, segment: ArchivedSegment) -> StoreResult<()> {
            std::future::pending().await
        }
        async fn record_retrievals(&self, items: Vec<Retrieval>) -> StoreResult<Vec<Retrieval>> {
            std::future::pending().await
        }
        async fn retrievals(&self, manifest_id: Option<&str>) -> StoreResult<Vec<Retrieval>> {
            std::future::pending().await
        }
        async fn put_case(&self, write: CaseWrite) -> StoreResult<CaseRow> {
            std::future::pending().await
        }
        async fn case(&self, id: &str) -> StoreResult<Option<CaseRow>> {
            std::future::pending().await
        }
        async fn cases(&self) -> StoreResult<Vec<CaseRow>> {
            std::future::pending().await
        }
        async fn case_events(&self, id: &str) -> StoreResult<Vec<CaseEvent>> {
            std::future::pending().await
        }
        async fn variant_maps(&self) -> StoreResult<Vec<VariantMapRow>> {
            std::future::pending().await
        }
        async fn backup(&self, dest: &std::path::Path) -> StoreResult<()> {
            std::future::pending().await
        }
        async fn settle(&self) -> StoreResult<()> {
            std::future::pending().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_that_does_not_answer_becomes_unavailable() {
        let store = Bounded::new(Stuck, Duration::from_secs(5));
        assert!(matches!(store.ping().await, Err(StoreError::Unavailable(_))));
        assert!(matches!(store.objects("c", &ObjectFilter::default(), true).await, Err(StoreError::Unavailable(_))));
    }
}
