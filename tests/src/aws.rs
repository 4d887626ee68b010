//! Fixtures on the AWS protocol peer named by `AWS_ENDPOINT_URL` (moto's server in CI).
//! The AWS half of every suite is `#[ignore = "needs moto: tests/run.sh"]` and calls [`require`]:
//! a plain `cargo test` reports it ignored, `tests/run.sh` runs it with `--include-ignored`.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType,
};

/// The AWS peer of a test marked `#[ignore = "needs moto: tests/run.sh"]`: such a test is
/// reported as ignored by a plain `cargo test`, and fails when run without its peer.
pub fn require() -> String {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(e) if !e.is_empty() => e,
        _ => panic!("this test needs AWS_ENDPOINT_URL (moto's server): run it through tests/run.sh"),
    }
}

pub async fn config() -> aws_config::SdkConfig {
    drop_adapters::aws::sdk_config().await
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", ulid::Ulid::new().to_string().to_lowercase())
}

/// Creates a table shaped like the template's main table: pk/sk and gsi1..gsi4.
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) {
    let attr = |n: &str| {
        AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build().unwrap()
    };
    let key = |n: &str, t: KeyType| KeySchemaElement::builder().attribute_name(n).key_type(t).build().unwrap();
    let mut req = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk"))
        .attribute_definitions(attr("sk"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range));
    for i in 1..=4 {
        let (p, s) = (format!("gsi{i}pk"), format!("gsi{i}sk"));
        req = req.attribute_definitions(attr(&p)).attribute_definitions(attr(&s)).global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(format!("gsi{i}"))
                .key_schema(key(&p, KeyType::Hash))
                .key_schema(key(&s, KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        );
    }
    req.send().await.expect("create table");
}

/// The ARN of an SQS queue.
pub async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn).cloned())
        .expect("queue arn")
}
