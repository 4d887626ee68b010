//! The `Notifier` in AWS: SMS through SNS `Publish` (transactional), e-mail through SES v2.

use async_trait::async_trait;
use drop_domain::Secret;
use drop_services::notify::{Channel, Notifier, NotifyError};

pub struct AwsNotifier {
    sns: aws_sdk_sns::Client,
    ses: aws_sdk_sesv2::Client,
    from: String,
}

impl AwsNotifier {
    pub fn new(sns: aws_sdk_sns::Client, ses: aws_sdk_sesv2::Client, from: &str) -> Self {
        AwsNotifier { sns, ses, from: from.to_owned() }
    }
}

#[async_trait]
impl Notifier for AwsNotifier {
    fn kind(&self) -> &'static str {
        "sns+ses"
    }

    async fn send(&self, channel: Channel, to: &Secret<String>, body: &Secret<String>) -> Result<(), NotifyError> {
        match channel {
            Channel::Sms => {
                drop_services::aws_calls::record("sns:Publish", drop_services::aws_calls::SMS);
                let attr = aws_sdk_sns::types::MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value("Transactional")
                    .build()
                    .map_err(|e| NotifyError::Unavailable(e.to_string()))?;
                self.sns
                    .publish()
                    .phone_number(to.expose())
                    .message(body.expose())
                    .message_attributes("AWS.SNS.SMS.SMSType", attr)
                    .send()
                    .await
                    .map_err(|e| NotifyError::Unavailable(aws_sdk_sns::error::DisplayErrorContext(e).to_string()))?;
            }
            Channel::Email => {
                drop_services::aws_calls::record("ses:SendEmail", drop_services::aws_calls::SENDER);
                use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
                let content = |s: &str| {
                    Content::builder()
                        .data(s)
                        .charset("UTF-8")
                        .build()
                        .map_err(|e| NotifyError::Unavailable(e.to_string()))
                };
                let msg = Message::builder()
                    .subject(content("Your Drop code")?)
                    .body(Body::builder().text(content(body.expose())?).build())
                    .build();
                self.ses
                    .send_email()
                    .from_email_address(&self.from)
                    .destination(Destination::builder().to_addresses(to.expose()).build())
                    .content(EmailContent::builder().simple(msg).build())
                    .send()
                    .await
                    .map_err(|e| NotifyError::Unavailable(aws_sdk_sesv2::error::DisplayErrorContext(e).to_string()))?;
            }
        }
        Ok(())
    }
}
