//! Drop's Lambda handlers (a library) and the registry of functions. Each binary in `src/bin` is a
//! three-line `main` that runs one registry entry; the local stack runs the same entries.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod console;
pub mod contract;
pub mod merchant;
pub mod merchant_qr;
pub mod merchant_refund;
pub mod merchant_sales;
pub mod openapi;
pub mod payment_requests;
pub mod platform;
pub mod qr_pay;
pub mod qr_settlement;
pub mod registry;
pub mod remit;
pub mod rescreen;
pub mod roles;
pub mod screening_list;
pub mod strs;
pub mod user;
pub mod wallet;
pub mod wallet_transfer;
