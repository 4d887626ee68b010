//! What a Lambda function is, so that the bins and the local stack run the same handlers.

pub use crate::batch::RecordHandler;
use crate::message::{ApiRequest, ApiResponse};
use crate::needs::Need;
use crate::problem::ApiError;
use crate::Ctx;
use drop_domain::role::Role;
use futures::future::BoxFuture;
use std::sync::Arc;

pub type HttpHandler = fn(Arc<Ctx>, ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>>;
pub type ScheduleHandler = fn(Arc<Ctx>, serde_json::Value) -> BoxFuture<'static, Result<serde_json::Value, ApiError>>;

/// Who may call a route. Every route declares it in the registry (the one route → roles table).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Access {
    /// Anyone (login start, JWKS, health).
    Public,
    /// Anyone holding the refresh cookie; unsafe methods need the CSRF header.
    RefreshCookie,
    /// A valid access token with one of these roles.
    Roles(&'static [Role]),
}

/// Which rate limit applies to a route.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LimitClass {
    Login,
    Verify,
    Default,
}

#[derive(Clone, Copy)]
pub enum Kind {
    /// One HTTP API route (method, path as in `template.yaml`).
    Http {
        method: &'static str,
        path: &'static str,
        access: Access,
        limit: LimitClass,
        handler: HttpHandler,
        /// Refuses a request before anything else (405 for a path that names another route).
        check: crate::message::RouteCheck,
    },
    /// An SQS consumer, one record at a time; failures are reported per record.
    Sqs { handler: RecordHandler },
    /// A scheduled (cron/rate) invocation.
    Schedule { handler: ScheduleHandler },
    /// Invoked by an AWS service with its own event, no template `Events` (Secrets Manager's
    /// rotation steps: an `AWS::SecretsManager::RotationSchedule` names the function).
    Invoke { handler: ScheduleHandler },
}

#[derive(Clone, Copy)]
pub struct FunctionDef {
    /// The binary name (`Metadata.BuildProperties.Binary` in `template.yaml`).
    pub name: &'static str,
    pub kind: Kind,
    /// What it is wired with besides the tables and keys ([`Need::Http`] is implied by an HTTP
    /// route); its configuration reads and its context builds only these.
    pub uses: &'static [Need],
}

impl FunctionDef {
    /// Its needs, the implied ones included, sorted.
    pub fn needs(&self) -> Vec<Need> {
        let mut n = self.uses.to_vec();
        if matches!(self.kind, Kind::Http { .. }) {
            n.push(Need::Http);
        }
        n.sort_unstable();
        n.dedup();
        n
    }
}
