//! Cold-start benchmark: every Lambda binary spawned N times under the Runtime API emulator.
//! Reports, per function, the median time from spawn to the first `/next` (init done) and to the
//! first response, the ratio of init to a hello-world Lambda built in the same run, and the
//! binary's size and zip -9 size. Run through `bash tests/bench.sh` (release build).

use drop_tests::runtime_api::{lambda_env, Emulator, Outcome};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

struct Row {
    name: String,
    init_ms: f64,
    first_ms: f64,
    size: u64,
    zip: u64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn zip_size(bin: &Path) -> u64 {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import io,sys,zipfile\nb=io.BytesIO()\nz=zipfile.ZipFile(b,'w',zipfile.ZIP_DEFLATED,compresslevel=9)\nz.write(sys.argv[1],'bootstrap')\nz.close()\nprint(len(b.getvalue()))",
            &bin.display().to_string(),
        ])
        .output();
    out.ok().and_then(|o| String::from_utf8(o.stdout).ok()).and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

async fn measure(bin: &Path, name: &str, event: &[u8], env: &BTreeMap<String, String>, spawns: usize) -> Option<Row> {
    let (mut inits, mut firsts) = (Vec::new(), Vec::new());
    for _ in 0..spawns {
        let rt = Emulator::start().await;
        let started = Instant::now();
        let mut child = tokio::process::Command::new(bin)
            .envs(env)
            .envs(lambda_env(rt.addr, name))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .ok()?;
        let ready = rt.emulator.wait_ready(Duration::from_secs(20)).await?;
        let id = rt.emulator.push(event);
        let outcome = rt.emulator.wait_outcome(&id, Duration::from_secs(20)).await;
        let done = Instant::now();
        let _ = child.kill().await;
        if !matches!(outcome, Some(Outcome::Response(_))) {
            eprintln!("{name}: no response ({outcome:?})");
            return None;
        }
        inits.push((ready - started).as_secs_f64() * 1000.0);
        firsts.push((done - started).as_secs_f64() * 1000.0);
    }
    let size = std::fs::metadata(bin).map(|m| m.len()).unwrap_or(0);
    Some(Row { name: name.to_owned(), init_ms: median(inits), first_ms: median(firsts), size, zip: zip_size(bin) })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let spawns: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(11).max(10);
    let dir = match std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        Some(d) => d,
        None => return std::process::ExitCode::FAILURE,
    };
    let aws = std::env::var("AWS_ENDPOINT_URL").is_ok();
    let opts = drop_tests::local_options(aws);
    let template = match drop_local::template::Template::load(&opts.template) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // Each function gets its own environment, as its Lambda does.
    let envs = match drop_local::stack::prepare(&opts, &template, &drop_local::stack::offline_overrides()).await {
        Ok(p) => p.functions,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut rows = Vec::new();
    let hello = measure(&dir.join("hello-lambda"), "hello-lambda", b"{\"hello\":1}", &BTreeMap::new(), spawns).await;
    let Some(hello) = hello else {
        eprintln!("hello-lambda did not run: build it with tests/bench.sh");
        return std::process::ExitCode::FAILURE;
    };
    // Optional names after the spawn count measure only those functions.
    let only: Vec<String> = std::env::args().skip(2).collect();
    for def in
        drop_functions::registry::FUNCTIONS.iter().filter(|d| only.is_empty() || only.iter().any(|o| o == d.name))
    {
        let event =
            std::fs::read(drop_tests::root().join("events").join(format!("{}.json", def.name))).unwrap_or_default();
        let env = envs.get(def.name).cloned().unwrap_or_default();
        match measure(&dir.join(def.name), def.name, &event, &env, spawns).await {
            Some(r) => rows.push(r),
            None => return std::process::ExitCode::FAILURE,
        }
    }
    println!(
        "Cold start under the Runtime API emulator, median of {spawns} spawns; adapters: {}",
        if aws { "AWS (moto)" } else { "embedded (SQLite)" }
    );
    println!();
    println!("| function | init ms | ×hello | first response ms | binary MB | zip -9 MB |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mb = |b: u64| b as f64 / 1_048_576.0;
    for r in std::iter::once(&hello).chain(rows.iter()) {
        println!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            r.name,
            r.init_ms,
            r.init_ms / hello.init_ms,
            r.first_ms,
            mb(r.size),
            mb(r.zip)
        );
    }
    std::process::ExitCode::SUCCESS
}
