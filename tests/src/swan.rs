//! Driving the Swan simulator like Swan's Testing API: a project token, then euro sent to an
//! account (an incoming SEPA credit) or an outgoing transfer booked.

use serde_json::{json, Value};

fn http() -> reqwest::Client {
    crate::flow::client()
}

/// A project token (OAuth2 client credentials) from the simulator at `base`.
pub async fn token(base: &str) -> String {
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        drop_simulators::swan::CLIENT_ID,
        drop_simulators::swan::CLIENT_SECRET
    );
    let r = http()
        .post(format!("{base}/swan/oauth2/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
}

/// Runs a Testing API mutation with `input`; answers the GraphQL response.
pub async fn admin(base: &str, query: &str, input: Value) -> Value {
    http()
        .post(format!("{base}/swan/sandbox-partner-admin/graphql"))
        .bearer_auth(token(base).await)
        .json(&json!({"query": query, "variables": {"input": input}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub const INCOMING: &str = "mutation($input: SimulateIncomingSepaCreditTransferInput!) {
  simulateIncomingSepaCreditTransferReception(input: $input) {
    __typename
    ... on SimulateIncomingSepaCreditTransferReceptionSuccessPayload { transactionId }
    ... on Rejection { message }
  }
}";

pub const BOOK: &str = "mutation($input: SimulateOutgoingSepaCreditTransferBookingInput!) {
  simulateOutgoingSepaCreditTransferBooking(input: $input) { __typename }
}";

/// Sends `value` euro (a decimal string) from `name` to `iban`; answers Swan's transaction id.
pub async fn credit(base: &str, iban: &str, value: &str, name: &str) -> String {
    let input = json!({"amount": {"value": value, "currency": "EUR"}, "creditorIban": iban,
        "debtorIban": "DE89370400440532013000", "debtorName": name, "endToEndId": "E2E-1", "label": "from abroad"});
    let r = admin(base, INCOMING, input).await;
    r["data"]["simulateIncomingSepaCreditTransferReception"]["transactionId"]
        .as_str()
        .expect("a transaction")
        .to_owned()
}
