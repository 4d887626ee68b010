//! The least-privilege check over the run recorded in `DROP_RECORD_AWS_CALLS` (tests/run.sh
//! runs it after every suite); prints a test-runner line for the summary.

fn main() -> std::process::ExitCode {
    let Some(dir) = std::env::var_os("DROP_RECORD_AWS_CALLS") else {
        eprintln!("DROP_RECORD_AWS_CALLS names the run's record");
        println!("test result: FAILED. 0 passed; 1 failed; (least privilege)");
        return std::process::ExitCode::FAILURE;
    };
    let report = drop_tests::least_privilege::check(std::path::Path::new(&dir));
    if report.is_empty() {
        println!("every policy in template.yaml allows exactly what its function did");
        println!("test result: ok. 1 passed; 0 failed; (least privilege)");
        std::process::ExitCode::SUCCESS
    } else {
        println!("template.yaml policies vs what the functions did:\n{}", report.join("\n"));
        println!("test result: FAILED. 0 passed; 1 failed; (least privilege)");
        std::process::ExitCode::FAILURE
    }
}
