//! The baseline of the cold-start benchmark: the smallest Rust Lambda (echo), built in the same
//! run with the same profile as Drop's functions.

use lambda_runtime::{service_fn, Error, LambdaEvent};

fn main() -> Result<(), Error> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(lambda_runtime::run(service_fn(|e: LambdaEvent<serde_json::Value>| async move {
        Ok::<_, Error>(e.payload)
    })))
}
