//! With `AWS_ENDPOINT_URL` set, creates the template's tables, keys, bus, queues, rules and secrets on that
//! endpoint (moto's server or LocalStack), named `<prefix>-<LogicalId>`. Re-running finds what is
//! already there (keys through an alias), so data survives a restart of the local stack.

use crate::template::Template;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
#[error("provisioning {what}: {detail}")]
pub struct ProvisionError {
    pub what: String,
    pub detail: String,
}

fn perr(what: &str, e: impl std::fmt::Display) -> ProvisionError {
    ProvisionError { what: what.to_owned(), detail: e.to_string() }
}

/// What `!Ref` and `!GetAtt X.Arn` resolve to.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub refs: BTreeMap<String, String>,
    pub arns: BTreeMap<String, String>,
}

pub async fn provision(sdk: &aws_config::SdkConfig, t: &Template, prefix: &str) -> Result<Resolved, ProvisionError> {
    let mut r = Resolved::default();
    let ddb = aws_sdk_dynamodb::Client::new(sdk);
    for (id, spec) in &t.tables {
        let name = format!("{prefix}-{id}");
        if ddb.describe_table().table_name(&name).send().await.is_err() {
            create_table(&ddb, &name, &spec.gsis).await.map_err(|e| perr(&name, e))?;
            if let Some(attr) = &spec.ttl_attribute {
                ddb.update_time_to_live()
                    .table_name(&name)
                    .time_to_live_specification(
                        TimeToLiveSpecification::builder()
                            .attribute_name(attr)
                            .enabled(true)
                            .build()
                            .map_err(|e| perr(&name, e))?,
                    )
                    .send()
                    .await
                    .map_err(|e| perr(&name, aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
            }
        }
        r.refs.insert(id.clone(), name);
    }
    let kms = aws_sdk_kms::Client::new(sdk);
    for (id, spec) in &t.keys {
        let alias = format!("alias/{prefix}-{id}");
        let meta = match kms.describe_key().key_id(&alias).send().await {
            Ok(out) => out.key_metadata,
            Err(_) => {
                let created = kms
                    .create_key()
                    .key_spec(spec.spec.as_str().into())
                    .key_usage(spec.usage.as_str().into())
                    .send()
                    .await
                    .map_err(|e| perr(&alias, aws_sdk_kms::error::DisplayErrorContext(e)))?;
                let key_id = created.key_metadata.as_ref().map(|m| m.key_id.clone()).unwrap_or_default();
                kms.create_alias()
                    .alias_name(&alias)
                    .target_key_id(&key_id)
                    .send()
                    .await
                    .map_err(|e| perr(&alias, aws_sdk_kms::error::DisplayErrorContext(e)))?;
                created.key_metadata
            }
        };
        let (key_id, arn) = meta.map(|m| (m.key_id, m.arn)).unwrap_or_default();
        r.refs.insert(id.clone(), key_id);
        if let Some(arn) = arn {
            r.arns.insert(id.clone(), arn);
        }
    }
    let sqs = aws_sdk_sqs::Client::new(sdk);
    // Dead-letter queues first: the others point at them.
    let mut order: Vec<&String> = t.queues.keys().collect();
    order.sort_by_key(|q| t.queues[*q].dead_letter.is_some());
    for id in order {
        let spec = &t.queues[id];
        let name = format!("{prefix}-{id}");
        let mut req = sqs
            .create_queue()
            .queue_name(&name)
            .attributes(QueueAttributeName::VisibilityTimeout, spec.visibility_timeout.to_string());
        if let Some(dlq) = &spec.dead_letter {
            let arn = r.arns.get(dlq).ok_or_else(|| perr(&name, format!("dead-letter queue {dlq} unknown")))?;
            req = req.attributes(
                QueueAttributeName::RedrivePolicy,
                format!(r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":"{}"}}"#, spec.max_receive),
            );
        }
        let url = req
            .send()
            .await
            .map_err(|e| perr(&name, aws_sdk_sqs::error::DisplayErrorContext(e)))?
            .queue_url
            .unwrap_or_default();
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| perr(&name, aws_sdk_sqs::error::DisplayErrorContext(e)))?
            .attributes
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
            .unwrap_or_default();
        r.refs.insert(id.clone(), url);
        r.arns.insert(id.clone(), arn);
    }
    let eb = aws_sdk_eventbridge::Client::new(sdk);
    for id in &t.buses {
        let name = format!("{prefix}-{id}");
        if eb.describe_event_bus().name(&name).send().await.is_err() {
            eb.create_event_bus()
                .name(&name)
                .send()
                .await
                .map_err(|e| perr(&name, aws_sdk_eventbridge::error::DisplayErrorContext(e)))?;
        }
        r.refs.insert(id.clone(), name);
    }
    let bus = t.buses.first().map(|b| format!("{prefix}-{b}")).unwrap_or_else(|| "default".into());
    for rule in &t.rules {
        let name = format!("{prefix}-{}", rule.logical_id);
        eb.put_rule()
            .name(&name)
            .event_bus_name(&bus)
            .event_pattern(rule.pattern.to_string())
            .send()
            .await
            .map_err(|e| perr(&name, aws_sdk_eventbridge::error::DisplayErrorContext(e)))?;
        for q in &rule.queues {
            let arn = r.arns.get(q).ok_or_else(|| perr(&name, format!("target {q} unknown")))?;
            let target =
                aws_sdk_eventbridge::types::Target::builder().id(q).arn(arn).build().map_err(|e| perr(&name, e))?;
            eb.put_targets()
                .rule(&name)
                .event_bus_name(&bus)
                .targets(target)
                .send()
                .await
                .map_err(|e| perr(&name, aws_sdk_eventbridge::error::DisplayErrorContext(e)))?;
        }
    }
    let s3 = drop_adapters::aws::S3Objects::client(sdk);
    for id in t.buckets.keys() {
        let name = bucket_name(prefix, id);
        if s3.head_bucket().bucket(&name).send().await.is_err() {
            let region = sdk.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".into());
            let mut create = s3.create_bucket().bucket(&name);
            if region != "us-east-1" {
                let c = aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region.as_str()))
                    .build();
                create = create.create_bucket_configuration(c);
            }
            create.send().await.map_err(|e| perr(&name, aws_sdk_s3::error::DisplayErrorContext(e)))?;
            let on = aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build();
            s3.put_bucket_versioning()
                .bucket(&name)
                .versioning_configuration(on)
                .send()
                .await
                .map_err(|e| perr(&name, aws_sdk_s3::error::DisplayErrorContext(e)))?;
        }
        r.refs.insert(id.clone(), name);
    }
    let sm = aws_sdk_secretsmanager::Client::new(sdk);
    let values = crate::local_secrets::values();
    for id in &t.secrets {
        let name = format!("{prefix}-{id}");
        if sm.describe_secret().secret_id(&name).send().await.is_err() {
            let value = values.get(id.as_str()).cloned().unwrap_or_default();
            sm.create_secret()
                .name(&name)
                .secret_string(value)
                .send()
                .await
                .map_err(|e| perr(&name, aws_sdk_secretsmanager::error::DisplayErrorContext(e)))?;
        }
        r.refs.insert(id.clone(), name);
    }
    Ok(r)
}

/// S3 bucket names are lower case.
pub fn bucket_name(prefix: &str, id: &str) -> String {
    format!("{prefix}-{id}").to_lowercase()
}

async fn create_table(ddb: &aws_sdk_dynamodb::Client, name: &str, gsis: &[String]) -> Result<(), String> {
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(|e| e.to_string())
    };
    let key = |n: &str, t: KeyType| {
        KeySchemaElement::builder().attribute_name(n).key_type(t).build().map_err(|e| e.to_string())
    };
    let mut req = ddb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk")?)
        .attribute_definitions(attr("sk")?)
        .key_schema(key("pk", KeyType::Hash)?)
        .key_schema(key("sk", KeyType::Range)?);
    for ix in gsis {
        let (p, s) = (format!("{ix}pk"), format!("{ix}sk"));
        req = req.attribute_definitions(attr(&p)?).attribute_definitions(attr(&s)?).global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(ix)
                .key_schema(key(&p, KeyType::Hash)?)
                .key_schema(key(&s, KeyType::Range)?)
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .map_err(|e| e.to_string())?,
        );
    }
    req.send().await.map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
    Ok(())
}
