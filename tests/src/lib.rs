//! Shared test support: AWS peer fixtures (moto), a Lambda Runtime API emulator, and helpers.

pub mod aws;
pub mod runtime_api;
