//! tearline's operations: the service functions behind every management action.
//!
//! The CLI and the management API (`/api/v1/`) both call these functions, so a rule lives in one
//! place. Each function takes the acting [`Actor`] and checks its role before it touches the
//! store; input is parsed into domain types here ("parse, don't validate"), so the store only
//! ever sees well-formed values.

pub mod cases;
mod country;
mod error;
pub mod ingest;
pub mod keys;
pub mod notify;
pub mod ledger;
pub mod osint;
pub mod partners;
pub mod push;
pub mod releases;
pub mod variants;

pub use country::CountryCode;
pub use error::{ServiceError, ServiceResult};

use tearline_store::{Account, Collection, Role, Store};

/// The collection, if the actor may write to it. A collection an account cannot see is "not
/// found", exactly like one that does not exist; the operator may write anywhere.
pub async fn writable_collection(store: &dyn Store, actor: &Actor, collection_id: &str) -> ServiceResult<Collection> {
    let not_found = || ServiceError::NotFound(format!("collection '{collection_id}'"));
    let collection = store.collection(collection_id).await?.ok_or_else(not_found)?;
    if let Actor::Account(a) = actor {
        let (_, access) = store.collection_for(a.id, &collection.api_root, collection_id).await?.ok_or_else(not_found)?;
        if !access.can_write {
            return Err(ServiceError::Forbidden("this account may not write to that collection".into()));
        }
    }
    Ok(collection)
}

/// Who performs an action: an authenticated account, or the local operator running a CLI
/// command directly on the database (who has the machine, hence every operator power).
#[derive(Debug, Clone)]
pub enum Actor {
    Account(Account),
    Operator,
}

/// The kinds of management action a role may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read partners, releases and cases.
    Read,
    /// Read the ledger (who did what) and its checkpoints: admin, auditor, release officer.
    ReadLedger,
    /// Create, change and remove partners and their members.
    ManagePartners,
    /// Add intelligence (open-source articles, bundles through the management API).
    Ingest,
    /// Preview (draft) a release to a partner.
    DraftRelease,
}

impl Actor {
    pub fn may(&self, action: Action) -> bool {
        let role = match self {
            Actor::Operator => return true,
            Actor::Account(a) => a.role,
        };
        match action {
            Action::Read => matches!(role, Role::Admin | Role::Analyst | Role::ReleaseOfficer | Role::Auditor),
            Action::ReadLedger => matches!(role, Role::Admin | Role::Auditor | Role::ReleaseOfficer),
            Action::ManagePartners => role == Role::Admin,
            Action::Ingest => matches!(role, Role::Admin | Role::Analyst),
            Action::DraftRelease => matches!(role, Role::Admin | Role::Analyst | Role::ReleaseOfficer),
        }
    }

    pub fn require(&self, action: Action) -> ServiceResult<()> {
        if self.may(action) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(format!("this account's role may not {}", match action {
                Action::Read => "read management data",
                Action::ReadLedger => "read the ledger (admin, auditor and release officer only)",
                Action::ManagePartners => "manage partners (admin only)",
                Action::Ingest => "add intelligence (admin and analyst only)",
                Action::DraftRelease => "draft releases (admin, analyst and release officer only)",
            })))
        }
    }
}
