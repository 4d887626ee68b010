//! JSON logs (one object per line) with the function name; level from `AWS_LAMBDA_LOG_LEVEL`, then
//! `RUST_LOG`, default INFO. Never log bodies, tokens, codes or PII: log ids, states, kinds.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .ok()
        .map(|l| l.to_lowercase())
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "info".into());
    // The runtime's TRACE level logs raw payloads: keep it out whatever the level says.
    let filter = EnvFilter::try_new(format!(
        "{level},lambda_runtime=info,lambda_http=info,aws_smithy_runtime=warn,aws_config=warn,hyper=warn"
    ))
    .unwrap_or_else(|_| EnvFilter::new("info"));
    let text = std::env::var("DROP_LOG_FORMAT").as_deref() == Ok("text");
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if text {
        builder.compact().try_init()
    } else {
        builder.json().flatten_event(true).with_current_span(false).try_init()
    };
}
