//! Shared test support: AWS peer fixtures (moto), a Lambda Runtime API emulator, and helpers.

pub mod aws;
pub mod flow;
pub mod iam;
pub mod least_privilege;
pub mod pay;
pub mod pipeline;
pub mod qr;
pub mod runtime_api;
pub mod swan;

/// The workspace root (for `template.yaml`, `events/`, `infra/`).
pub fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The directory Cargo puts binaries of this profile in (next to the test's own `deps/`).
pub fn bin_dir() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let deps = exe.parent().expect("deps dir");
    deps.parent().expect("profile dir").to_path_buf()
}

/// Options for a local stack in a fresh temporary directory: embedded, or AWS when
/// `AWS_ENDPOINT_URL` is set (with a unique resource prefix).
pub fn local_options(aws: bool) -> drop_local::Options {
    let dir = std::env::temp_dir().join(aws::unique("drop-test"));
    let mut o = drop_local::Options::from_env();
    o.addr = "127.0.0.1:0".parse().expect("addr");
    o.template = root().join("template.yaml");
    o.db_path = dir.join("local.db").display().to_string();
    o.key_file = dir.join("keys.json");
    o.aws_endpoint = if aws { std::env::var("AWS_ENDPOINT_URL").ok() } else { None };
    o.frontend_origin = Some("http://localhost:5173".into());
    o.prefix = aws::unique("t");
    o.poll_every = std::time::Duration::from_millis(50);
    o.run_schedules = false;
    o.ephemeral_simulators = true;
    // Tests poll quickly; the limits themselves are tested with the login class.
    o.env.insert("RATE_LIMIT_PER_USER".into(), "100000".into());
    o.env.insert("RATE_LIMIT_PER_IP".into(), "100000".into());
    o
}
