//! Platform functions: health, the OpenAPI document, and the event-pipeline canary.

pub mod canary;
pub mod health;
pub mod key_rotation;
pub mod openapi_doc;
pub mod secret_rotation;
