fn main() -> Result<(), drop_runtime::Error> {
    drop_runtime::lambda::run(&drop_functions::registry::ADMIN_CASE_ATTACHMENT)
}
