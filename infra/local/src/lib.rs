//! The whole Drop stack on one machine, driven by `template.yaml`: every HTTP API route served by
//! its handler, the outbox relayed to the bus and routed by the template's rules to its queues,
//! queue consumers polled, schedules run (and triggerable now), the simulators on their own
//! ports. Embedded adapters (one SQLite file) by default; AWS adapters against `AWS_ENDPOINT_URL`.

pub mod env_vars;
pub mod local_bus;
pub mod local_secrets;
pub mod pattern;
pub mod provision;
pub mod rotation;
pub mod schedule;
pub mod server;
pub mod stack;
pub mod template;
pub mod workers;

pub use stack::{Options, Stack};
