//! `ObjectStore` on S3: one bucket, objects written with SSE-KMS under the given key (the bucket
//! policy refuses any other encryption) and S3 Bucket Keys.

use async_trait::async_trait;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use drop_services::objects::{ObjectError, ObjectStore};

pub struct S3Objects {
    client: aws_sdk_s3::Client,
    bucket: String,
    /// The KMS key new objects are encrypted with (`None`: reads only).
    kms_key_id: Option<String>,
}

impl S3Objects {
    pub fn new(client: aws_sdk_s3::Client, bucket: &str, kms_key_id: Option<&str>) -> Self {
        S3Objects { client, bucket: bucket.to_owned(), kms_key_id: kms_key_id.map(str::to_owned) }
    }

    /// A client for `sdk`; path-style addressing when an endpoint override is set (moto).
    pub fn client(sdk: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
        let path_style = sdk.endpoint_url().is_some();
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(sdk).force_path_style(path_style).build())
    }

    fn resource(&self, key: &str) -> String {
        format!("{}/{key}", self.bucket)
    }
}

fn unavailable<E: ProvideErrorMetadata + std::fmt::Debug>(e: &E) -> ObjectError {
    ObjectError::Unavailable(crate::aws::describe(e))
}

#[async_trait]
impl ObjectStore for S3Objects {
    fn kind(&self) -> &'static str {
        "s3"
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        drop_services::aws_calls::record("s3:GetObject", &self.resource(key));
        let out = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(unavailable(&e)),
        };
        let body = out.body.collect().await.map_err(|e| ObjectError::Unavailable(e.to_string()))?;
        Ok(Some(body.into_bytes().to_vec()))
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), ObjectError> {
        let kms = self.kms_key_id.as_deref().ok_or_else(|| ObjectError::Unavailable("no key to write with".into()))?;
        drop_services::aws_calls::record("s3:PutObject", &self.resource(key));
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(kms)
            .bucket_key_enabled(true)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(())
    }
}
