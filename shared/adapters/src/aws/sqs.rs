//! The job queue on SQS (`queue` is the queue URL).

use super::describe;
use async_trait::async_trait;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use aws_sdk_sqs::Client;
use drop_services::queue::{JobQueue, QueueError, QueueMessage};

pub struct SqsQueue {
    client: Client,
}

impl SqsQueue {
    pub fn new(client: Client) -> Self {
        SqsQueue { client }
    }
}

fn err<E: std::fmt::Debug + aws_sdk_sqs::error::ProvideErrorMetadata, R: std::fmt::Debug>(
    e: aws_sdk_sqs::error::SdkError<E, R>,
) -> QueueError {
    match e {
        aws_sdk_sqs::error::SdkError::ServiceError(s) => match s.err().code() {
            Some("AWS.SimpleQueueService.NonExistentQueue" | "QueueDoesNotExist") => {
                QueueError::NoSuchQueue(describe(s.err()))
            }
            _ => QueueError::Unavailable(describe(s.err())),
        },
        other => QueueError::Unavailable(other.to_string()),
    }
}

#[async_trait]
impl JobQueue for SqsQueue {
    fn kind(&self) -> &'static str {
        "sqs"
    }

    async fn send(&self, queue: &str, body: &str) -> Result<String, QueueError> {
        drop_services::aws_calls::record("sqs:SendMessage", queue);
        let out = self.client.send_message().queue_url(queue).message_body(body).send().await.map_err(err)?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }

    async fn receive(&self, queue: &str, max: u32, visibility_secs: u32) -> Result<Vec<QueueMessage>, QueueError> {
        drop_services::aws_calls::record("sqs:ReceiveMessage", queue);
        let out = self
            .client
            .receive_message()
            .queue_url(queue)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .visibility_timeout(visibility_secs.min(43_200) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(err)?;
        Ok(out
            .messages()
            .iter()
            .map(|m| QueueMessage {
                id: m.message_id().unwrap_or_default().to_owned(),
                receipt: m.receipt_handle().unwrap_or_default().to_owned(),
                body: m.body().unwrap_or_default().to_owned(),
                receive_count: m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1),
            })
            .collect())
    }

    async fn delete(&self, queue: &str, receipt: &str) -> Result<(), QueueError> {
        drop_services::aws_calls::record("sqs:DeleteMessage", queue);
        self.client.delete_message().queue_url(queue).receipt_handle(receipt).send().await.map_err(err)?;
        Ok(())
    }
}
