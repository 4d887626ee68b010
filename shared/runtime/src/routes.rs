//! The routes partners call Drop back on, in one place (`template.yaml` declares them; the
//! structure test checks each is a route there): the services ask for these URLs through
//! [`CallbackUrls`] and never spell a path themselves.

use drop_services::remit::ports::CallbackUrls;

/// The bank's return after a payer's SCA (`?payment=<id>`).
pub const SCA_RETURN: &str = "/api/payment/sca-callback";
/// The bank's return after a person consented to share their accounts (`?state=<state>`).
pub const ACCOUNTS_RETURN: &str = "/api/user/accounts/callback";
/// Provider and acquirer webhooks: `<prefix><provider>`.
pub const WEBHOOKS: &str = "/api/webhooks/";
/// The payout providers and the acquirer that call the webhooks.
pub const WEBHOOK_PROVIDERS: [&str; 3] = ["wise", "thunes", "nexi"];

/// Callback URLs under the API's public base URL.
pub struct ApiCallbacks {
    base: String,
}

impl ApiCallbacks {
    pub fn new(base: &str) -> Self {
        ApiCallbacks { base: base.trim_end_matches('/').to_owned() }
    }
}

/// Ids and states are Drop's own (letters, digits, `_`, `-`): nothing to escape; anything else is
/// left out rather than let into a URL.
fn plain(s: &str) -> &str {
    if s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        s
    } else {
        ""
    }
}

impl CallbackUrls for ApiCallbacks {
    fn sca_return(&self, payment_id: &str) -> String {
        format!("{}{SCA_RETURN}?payment={}", self.base, plain(payment_id))
    }

    fn provider_webhook(&self, provider: &str) -> String {
        format!("{}{WEBHOOKS}{}", self.base, plain(provider))
    }

    fn acquirer_webhook(&self, payment_id: &str) -> String {
        format!("{}{WEBHOOKS}nexi?payment={}", self.base, plain(payment_id))
    }

    fn accounts_return(&self, state: &str) -> String {
        format!("{}{ACCOUNTS_RETURN}?state={}", self.base, plain(state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let c = ApiCallbacks::new("https://api.drop.no/");
        assert_eq!(c.sca_return("qrp_01"), "https://api.drop.no/api/payment/sca-callback?payment=qrp_01");
        assert_eq!(c.provider_webhook("wise"), "https://api.drop.no/api/webhooks/wise");
        assert_eq!(c.acquirer_webhook("qrp_1"), "https://api.drop.no/api/webhooks/nexi?payment=qrp_1");
        assert_eq!(c.accounts_return("a-b_c"), "https://api.drop.no/api/user/accounts/callback?state=a-b_c");
        assert_eq!(c.sca_return("x&y=1"), "https://api.drop.no/api/payment/sca-callback?payment=");
    }
}
