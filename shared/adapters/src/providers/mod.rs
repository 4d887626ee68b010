//! Clients for external providers, speaking their real wire formats over HTTP (the same clients
//! run against the simulators locally).

pub mod bankid;
