//! The signed-in user's own profile and settings.

pub mod profile;
pub mod settings;
