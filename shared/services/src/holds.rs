//! The hold on a user's transfers: set by a screening hit or a blocking AML decision (naming the
//! alert), read before every payment, released when compliance closes that alert as anything but
//! a confirmed risk. One attribute of the user's profile; nothing user-visible names it.

use crate::table::{Condition, Item, Key, Update};

/// The user-profile attribute that holds transfers; its value is the alert's id.
pub const HOLD_ATTR: &str = "aml_hold";

fn profile(user_id: &str) -> Key {
    Key::new(drop_domain::keys::user_pk(user_id), drop_domain::keys::PROFILE_SK)
}

/// Holds the user's further transfers, for this alert (only on an existing profile).
pub fn hold(user_id: &str, alert_id: &str) -> Update {
    Update::new(profile(user_id)).set(HOLD_ATTR, alert_id).when(Condition::present())
}

/// Whether a profile item is held, and by which alert.
pub fn held_by(profile_item: &Item) -> Option<&str> {
    profile_item.s(HOLD_ATTR)
}

/// Releases the hold if this alert is the one holding it (a later alert's hold stays).
pub fn release(user_id: &str, alert_id: &str) -> Update {
    Update::new(profile(user_id)).remove(HOLD_ATTR).when(Condition::eq(HOLD_ATTR, alert_id))
}

/// The profile key, for a caller that reads it before deciding.
pub fn profile_key(user_id: &str) -> Key {
    profile(user_id)
}
