//! `cv-processor`: one image in, one feature document out (see `--help`).

#[tokio::main]
async fn main() {
    std::process::exit(cv_processor::cli::main().await);
}
