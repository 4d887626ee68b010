//! Clients for external providers, speaking their real wire formats over HTTP (the same clients
//! run against the simulators locally).

pub mod bank;
pub mod bankid;
pub mod brreg;
pub mod http;
pub mod lists;
pub mod nexi;
pub mod norges_bank;
pub mod swan;
pub mod thunes;
pub mod wise;
