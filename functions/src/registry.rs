//! Every Lambda function of Drop. A test checks this list against `template.yaml` and
//! `src/bin/`: a function in one place and not the others fails the build.

use crate::platform::{canary, health, openapi_doc};
use drop_runtime::{FunctionDef, Kind};

pub static HEALTH: FunctionDef =
    FunctionDef { name: "health", kind: Kind::Http { method: "GET", path: "/api/health", handler: health::handler } };

pub static OPENAPI: FunctionDef = FunctionDef {
    name: "openapi",
    kind: Kind::Http { method: "GET", path: "/api/openapi.json", handler: openapi_doc::handler },
};

pub static PIPELINE_CANARY: FunctionDef =
    FunctionDef { name: "pipeline-canary", kind: Kind::Schedule { handler: canary::send_handler } };

pub static CANARY_CONSUMER: FunctionDef =
    FunctionDef { name: "canary-consumer", kind: Kind::Sqs { handler: canary::receive_handler } };

pub static FUNCTIONS: &[&FunctionDef] = &[&HEALTH, &OPENAPI, &PIPELINE_CANARY, &CANARY_CONSUMER];

pub fn find(name: &str) -> Option<&'static FunctionDef> {
    FUNCTIONS.iter().copied().find(|f| f.name == name)
}
