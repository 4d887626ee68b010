//! The simulators' credentials, stored as the template's secrets: in `.drop/secrets.json` with the
//! embedded adapters, in the endpoint's Secrets Manager with `AWS_ENDPOINT_URL` (what an operator
//! puts in Secrets Manager in AWS).

use std::collections::BTreeMap;

/// Values by the template's secret logical ids.
pub fn values() -> BTreeMap<&'static str, String> {
    let thunes = serde_json::json!({"key": drop_simulators::thunes::KEY, "secret": drop_simulators::thunes::SECRET});
    BTreeMap::from([
        ("BankIdClientSecretValue", drop_simulators::bankid::CLIENT_SECRET.to_owned()),
        ("WiseApiTokenValue", drop_simulators::wise::TOKEN.to_owned()),
        ("ThunesCredentials", thunes.to_string()),
        ("NexiSecretKey", drop_simulators::nexi::SECRET_KEY.to_owned()),
        ("SwanClientSecret", drop_simulators::swan::CLIENT_SECRET.to_owned()),
        ("SwanWebhookSecret", drop_simulators::swan::WEBHOOK_SECRET.to_owned()),
        ("ScreeningListAuthorization", format!("Token {}", drop_simulators::lists::TOKEN)),
        // Drop-made: a fresh random value (kept once written; rotated like in AWS).
        ("CursorKey", drop_services::secrets::rotation::generate().expose().clone()),
    ])
}
