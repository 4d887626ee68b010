//! The port to Enhetsregisteret (Brønnøysundregistrene): an organisation and its roles.

use async_trait::async_trait;
use drop_domain::organisation::OrgNumber;

#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub org_number: String,
    pub name: String,
    /// `AS`, `ENK`, `ASA`, …
    pub form: String,
    /// The business address's postal town (`NORGE` when the register has none).
    pub city: String,
    pub bankrupt: bool,
    pub winding_up: bool,
    pub deleted: bool,
}

impl Unit {
    /// Why it cannot be a merchant, if it cannot.
    pub fn inactive(&self) -> Option<&'static str> {
        if self.deleted {
            Some("deleted")
        } else if self.bankrupt {
            Some("bankrupt")
        } else if self.winding_up {
            Some("being wound up")
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoleHolder {
    /// The role type (`DAGL`, `LEDE`, `SIGN`, …).
    pub role: String,
    pub given_name: String,
    pub family_name: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
    pub resigned: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// Timeouts, 429, 5xx: try again.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait BusinessRegister: Send + Sync {
    /// `None`: no such organisation. A deleted one is `Some` with `deleted`.
    async fn unit(&self, org: &OrgNumber) -> Result<Option<Unit>, RegisterError>;
    /// People holding roles (organisations holding roles are left out).
    async fn roles(&self, org: &OrgNumber) -> Result<Vec<RoleHolder>, RegisterError>;
}
