//! Constraints the OpenAPI document takes from the code that enforces them (one source each):
//! contact patterns from `drop_domain::contact`, payment statuses from the state machine, id
//! formats from the id generators, and the request rules JSON Schema can say (exactly one amount,
//! amounts of at least one minor unit).

use serde_json::{json, Value};

/// `pay_`, `rcp_` and alert ids: a type prefix and a ULID (Crockford base32, upper case).
fn ulid_id(prefix: &str) -> Value {
    json!({"type": "string", "pattern": format!("^{prefix}_[0-9A-HJKMNP-TV-Z]{{26}}$")})
}

/// Linked accounts: `acc_` and 26 hex digits of a keyed hash.
fn account_id() -> Value {
    json!({"type": "string", "pattern": "^acc_[0-9a-f]{26}$"})
}

/// Keeps a property's description while replacing its schema.
fn set(schema: &mut Value, prop: &str, mut new: Value) {
    if let Some(d) = schema["properties"][prop].get("description").cloned() {
        new["description"] = d;
    }
    schema["properties"][prop] = new;
}

fn param(doc: &mut Value, path: &str, method: &str, name: &str, schema: Value) {
    if let Some(params) = doc["paths"][path][method]["parameters"].as_array_mut() {
        for p in params.iter_mut().filter(|p| p["name"] == name) {
            p["schema"] = schema.clone();
        }
    }
}

pub fn constrain(doc: &mut Value) {
    let phone = json!({"type": "string", "pattern": drop_domain::contact::phone_pattern()});
    let email = json!({"type": "string", "maxLength": drop_domain::contact::EMAIL_MAX,
        "pattern": drop_domain::contact::EMAIL_PATTERN});
    let statuses: Vec<&str> = drop_domain::payment::ALL.iter().map(|s| s.as_str()).collect();
    let schemas = &mut doc["components"]["schemas"];

    let register = &mut schemas["RegisterRequest"];
    set(register, "phone", phone.clone());
    set(register, "email", email.clone());

    // A change of phone, of e-mail, or both; `null` keeps the current one.
    let update = &mut schemas["ProfileUpdate"];
    set(update, "phone", json!({"oneOf": [phone, {"type": "null"}]}));
    set(update, "email", json!({"oneOf": [email, {"type": "null"}]}));
    update["anyOf"] = json!([
        {"required": ["phone"], "properties": {"phone": {"type": "string"}}},
        {"required": ["email"], "properties": {"email": {"type": "string"}}}
    ]);

    set(&mut schemas["QrRequest"], "merchantId", ulid_id("mer"));

    let initiate = &mut schemas["InitiateRequest"];
    set(initiate, "recipientId", ulid_id("rcp"));
    set(initiate, "targetCurrency", json!({"type": "string", "pattern": "^[A-Z]{3}$"}));
    for amount in ["sourceAmount", "targetAmount"] {
        set(
            initiate,
            amount,
            json!({"type": ["integer", "null"], "format": "int64", "minimum": 1,
            "maximum": drop_runtime::whole::MAX}),
        );
    }
    initiate["oneOf"] = json!([
        {"required": ["sourceAmount"], "properties": {"sourceAmount": {"type": "integer"}, "targetAmount": {"type": "null"}}},
        {"required": ["targetAmount"], "properties": {"targetAmount": {"type": "integer"}, "sourceAmount": {"type": "null"}}}
    ]);

    let confirm = &mut schemas["ConfirmRequest"];
    set(confirm, "paymentId", ulid_id("pay"));
    set(confirm, "accountId", account_id());

    set(&mut schemas["RequestCreate"], "accountId", json!({"oneOf": [account_id(), {"type": "null"}]}));

    let qr_confirm = &mut schemas["QrConfirmRequest"];
    set(qr_confirm, "paymentId", ulid_id("qrp"));
    set(qr_confirm, "accountId", account_id());
    let qr_statuses = crate::qr_pay::statuses();
    set(&mut schemas["QrPaymentView"], "status", json!({"type": "string", "enum": qr_statuses.clone()}));
    // The history's items are one of two shapes, told apart by `type`.
    set(&mut schemas["QrPaymentView"], "type", json!({"type": "string", "enum": ["qr", "p2p"]}));
    set(&mut schemas["QrPaymentView"], "direction", json!({"type": "string", "enum": ["sent", "received"]}));
    let wallet_statuses: Vec<&str> = drop_domain::lifecycle::wallet::TxStatus::ALL.iter().map(|s| s.as_str()).collect();
    set(&mut schemas["WalletHistoryView"], "type", json!({"type": "string", "enum": ["wallet"]}));
    set(&mut schemas["WalletHistoryView"], "direction", json!({"type": "string", "enum": ["sent", "received"]}));
    set(&mut schemas["WalletHistoryView"], "status", json!({"type": "string", "enum": wallet_statuses.clone()}));
    set(&mut schemas["SaleView"], "status", json!({"type": "string", "enum": qr_statuses}));
    set(&mut schemas["RefundView"], "status", json!({"type": "string", "enum": crate::merchant_refund::statuses()}));

    let thunes = &mut schemas["ThunesCallback"];
    set(
        thunes,
        "id",
        json!({"type": "integer", "format": "int64", "minimum": -drop_runtime::whole::MAX,
        "maximum": drop_runtime::whole::MAX}),
    );

    set(&mut schemas["PaymentResponse"], "status", json!({"type": "string", "enum": statuses}));
    set(&mut schemas["PaymentResponse"], "type", json!({"type": "string", "enum": ["remittance"]}));

    let mut any_status: Vec<&str> = statuses.clone();
    any_status.extend(crate::qr_pay::statuses().into_iter().filter(|s| !statuses.contains(s)));
    let wallet_only: Vec<&str> = wallet_statuses.into_iter().filter(|s| !any_status.contains(s)).collect();
    any_status.extend(wallet_only);
    param(doc, "/api/payment/history", "get", "status", json!({"type": "string", "enum": any_status}));
    param(doc, "/api/payment/history", "get", "type", json!({"type": "string", "enum": crate::remit::payments::KINDS}));
    param(doc, "/api/merchant/qr", "get", "merchantId", ulid_id("mer"));
    let time = json!({"type": "string", "format": "date-time"});
    for path in ["/api/merchant/dashboard", "/api/merchant/payments", "/api/merchant/payments.csv"] {
        param(doc, path, "get", "merchantId", ulid_id("mer"));
        param(doc, path, "get", "from", time.clone());
        param(doc, path, "get", "to", time.clone());
    }
    param(doc, "/api/merchant/payments", "get", "status", json!({"type": "string", "enum": crate::qr_pay::statuses()}));
    param(doc, "/api/webhooks/nexi", "post", "payment", ulid_id("qrp"));
    for (path, method, id) in [
        ("/api/payment/{id}", "get", ulid_id("pay")),
        ("/api/payment/{id}/cancel", "post", ulid_id("pay")),
        ("/api/payment/qr/{id}", "get", ulid_id("qrp")),
        ("/api/merchant/payments/{id}/refund", "post", ulid_id("qrp")),
        ("/api/user/recipients/{id}", "delete", ulid_id("rcp")),
        ("/api/user/accounts/{id}", "delete", account_id()),
        ("/api/admin/alerts/{id}/close", "post", ulid_id("alr")),
    ] {
        param(doc, path, method, "id", id);
    }
}
