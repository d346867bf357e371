//! Who is acting: the account, its roles with their scopes, and the address it acts from. The web
//! crate resolves it from a session or a token; the operations decide with it.

use jijiao_domain::authz::{Action, Grant, Place, Role, permits};
use jijiao_storage::{Account, Actor};

use crate::AppError;

/// The account an operation acts for, with its roles and their scopes.
#[derive(Clone, Debug)]
pub struct Acting {
    pub account: Account,
    pub grants: Vec<Grant>,
    /// Recorded in the audit log beside every change.
    pub ip: Option<String>,
}

impl Acting {
    pub fn may(&self, action: Action, place: &Place) -> bool {
        permits(&self.grants, action, place)
    }

    /// `Ok` if permitted, else [`AppError::Forbidden`].
    pub fn require(&self, action: Action, place: &Place) -> Result<(), AppError> {
        if self.may(action, place) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    pub fn has(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn is_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role.is_admin())
    }

    /// The audit log's actor.
    pub fn actor(&self) -> Actor {
        Actor { account_id: Some(self.account.id.0), name: self.account.display_name.clone(), ip: self.ip.clone() }
    }
}
