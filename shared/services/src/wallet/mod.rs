//! The euro account (wallet) a user holds at a banking-as-a-service provider.

pub mod ports;
