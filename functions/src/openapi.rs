//! The OpenAPI 3.1 document, generated from the handlers' request and response types. A copy is
//! committed at `infra/openapi.json`; a test fails when it is stale.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Drop API", description = "Drop's backend HTTP API. Money is integer minor units with an ISO 4217 currency; errors are RFC 9457 problem+json."),
    paths(crate::platform::health::health, crate::platform::openapi_doc::openapi),
    tags((name = "platform", description = "Health and API description"))
)]
pub struct ApiDoc;

/// The document as pretty JSON (the committed form).
pub fn json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = drop_runtime::config::VERSION.to_owned();
    doc.to_pretty_json().unwrap_or_else(|_| "{}".into())
}
