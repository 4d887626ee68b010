//! Remittance routes: bank accounts, recipients, payments, provider webhooks, the payout worker
//! and reconciliation.

pub mod accounts;
pub mod jobs;
pub mod payments;
pub mod recipients;
pub mod webhooks;

/// Wraps an async handler into the registry's function-pointer shape.
#[macro_export]
macro_rules! handler {
    ($name:ident, $f:path) => {
        pub fn $name(
            ctx: std::sync::Arc<drop_runtime::Ctx>,
            req: drop_runtime::ApiRequest,
        ) -> futures::future::BoxFuture<'static, Result<drop_runtime::ApiResponse, drop_runtime::ApiError>> {
            Box::pin($f(ctx, req))
        }
    };
}
