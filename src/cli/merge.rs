//! `shikaku merge-manifests`: joins the manifests of a sharded run.

use std::path::PathBuf;
use std::process::ExitCode;

use shikaku::batch::{manifest, write_atomic};

/// Arguments of `shikaku merge-manifests`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shards' manifest.csv files.
    #[arg(required = true)]
    manifests: Vec<PathBuf>,
    /// Where to write the joined manifest.
    #[arg(long, short)]
    out: PathBuf,
}

/// Joins the manifests; fails unless every input record appears exactly once.
pub fn run(args: MergeArgs) -> Result<ExitCode, String> {
    let paths: Vec<&std::path::Path> = args.manifests.iter().map(PathBuf::as_path).collect();
    let rows = manifest::merge(&paths).map_err(|e| e.to_string())?;
    write_atomic(&args.out, &manifest::to_csv(&rows)).map_err(|e| e.to_string())?;
    let rejected = rows.iter().filter(|r| r.status == "rejected").count();
    eprintln!(
        "merged {} manifests: {} records ({} rendered, {rejected} rejected), each exactly once",
        paths.len(),
        rows.len(),
        rows.len() - rejected
    );
    Ok(ExitCode::SUCCESS)
}
