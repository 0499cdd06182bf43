//! `svm serve`, `svm sync` and `svm snapshot`: snapshot sync from the
//! command line, with a progress bar (or JSON lines, or quiet).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use svm_sync::export::{export, import, read_manifest};
use svm_sync::{Event, HttpSource, Observer, ServeConfig, Source, SyncConfig, SyncReport};

use crate::db_arg::DbArg;
use crate::error::CliError;
use crate::hexarg;

/// `svm serve`.
#[derive(Args)]
pub(crate) struct ServeArgs {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:7700")]
    listen: SocketAddr,
    /// Soft cap on the entry bytes of one range answer.
    #[arg(long, default_value_t = svm_sync::wire::DEFAULT_SERVER_CAP)]
    max_bytes: usize,
    /// Requests worked on at once (more get 503).
    #[arg(long, default_value_t = 64)]
    max_concurrent: usize,
    /// Seconds to answer one request.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    #[command(flatten)]
    db: DbArg,
}

/// How a long command reports progress.
#[derive(Args)]
pub(crate) struct ProgressArgs {
    /// Print nothing but errors (and the result).
    #[arg(long, conflicts_with = "json")]
    quiet: bool,
    /// Print progress as JSON lines on stdout (for scripts) instead of a bar.
    #[arg(long)]
    json: bool,
}

/// What a sync asks of its sources.
#[derive(Args)]
pub(crate) struct FetchArgs {
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    parallel: usize,
    /// Entry bytes asked for per request.
    #[arg(long, default_value_t = svm_sync::wire::DEFAULT_REQUEST_BYTES)]
    max_bytes: usize,
    /// Seconds a server has to answer one request.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

/// `svm sync`.
#[derive(Args)]
pub(crate) struct SyncArgs {
    /// A server's URL (`http://host:port`); repeat for several.
    #[arg(long = "from", required = true)]
    from: Vec<String>,
    /// The world root to sync: trusted, everything is verified against it.
    #[arg(long)]
    root: String,
    #[command(flatten)]
    fetch: FetchArgs,
    #[command(flatten)]
    progress: ProgressArgs,
    #[command(flatten)]
    db: DbArg,
}

/// `svm snapshot`.
#[derive(Subcommand)]
pub(crate) enum SnapshotCommand {
    /// Write the state at a root as range and code files with a manifest.
    Export {
        /// The world root to export (default: the head).
        #[arg(long)]
        root: Option<String>,
        /// The directory to write (created if missing).
        dir: PathBuf,
        /// Entry bytes per range file.
        #[arg(long, default_value_t = svm_sync::wire::DEFAULT_REQUEST_BYTES)]
        max_bytes: usize,
        #[command(flatten)]
        db: DbArg,
    },
    /// Import an exported snapshot, verifying every range against the root.
    Import {
        /// The snapshot directory.
        dir: PathBuf,
        /// The world root to import: trusted, the snapshot must hold it.
        #[arg(long)]
        root: String,
        #[command(flatten)]
        progress: ProgressArgs,
        #[command(flatten)]
        db: DbArg,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Arg(format!("cannot start the async runtime: {e}")))
}

/// Runs `svm serve` until interrupted.
pub(crate) fn serve(args: ServeArgs) -> Result<(), CliError> {
    crate::logs("info");
    let db = Arc::new(args.db.open_write()?);
    let config = ServeConfig {
        max_bytes: args.max_bytes,
        max_concurrent: args.max_concurrent,
        timeout: Duration::from_secs(args.timeout),
        ..ServeConfig::default()
    };
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| CliError::Arg(format!("cannot listen on {}: {e}", args.listen)))?;
        let at = listener.local_addr().unwrap_or(args.listen);
        tracing::info!(
            "serving {} (head {:#x}) on http://{at}",
            args.db.path().display(),
            db.head().root
        );
        tracing::info!("light-client page: http://{at}/light");
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("interrupted: stopping");
        };
        let app = svm_sync::server::router(db, &config).merge(svm_light::router());
        svm_sync::serve_router(listener, app, &config, stop)
            .await
            .map_err(|e| CliError::Arg(format!("serving failed: {e}")))
    })
}

/// Runs `svm sync`.
pub(crate) fn sync(args: SyncArgs) -> Result<(), CliError> {
    crate::logs("warn");
    let root = hexarg::root(&args.root)?;
    let timeout = Duration::from_secs(args.fetch.timeout);
    let sources = args
        .from
        .iter()
        .map(|url| {
            HttpSource::new(url, timeout)
                .map(|s| Arc::new(s) as Arc<dyn Source>)
                .map_err(|e| CliError::Arg(format!("--from: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let config = SyncConfig {
        parallel: args.fetch.parallel,
        max_bytes: args.fetch.max_bytes,
        ..SyncConfig::default()
    };
    let db = Arc::new(args.db.open_write()?);
    let observer = Progress::new(&args.progress);
    let report = runtime()?.block_on(svm_sync::sync(db, root, sources, &config, &observer));
    observer.finish();
    let report = report.map_err(|e| CliError::Arg(format!("sync failed: {e}")))?;
    print_report(&report, &args.progress)
}

/// Runs `svm snapshot`.
pub(crate) fn snapshot(command: SnapshotCommand) -> Result<(), CliError> {
    crate::logs("warn");
    match command {
        SnapshotCommand::Export {
            root,
            dir,
            max_bytes,
            db,
        } => {
            let db = db.open_read()?;
            let root = match root {
                Some(r) => hexarg::root(&r)?,
                None => db.head().root,
            };
            let started = Instant::now();
            let config = SyncConfig {
                max_bytes,
                ..SyncConfig::default()
            };
            let m = export(&db, root, &dir, &config)
                .map_err(|e| CliError::Arg(format!("export failed: {e}")))?;
            println!(
                "exported root {} to {}: {} range files, {} code files, {} bytes in {:.1} s",
                m.root,
                dir.display(),
                m.ranges,
                m.code,
                m.bytes,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        SnapshotCommand::Import {
            dir,
            root,
            progress,
            db,
        } => {
            let root = hexarg::root(&root)?;
            // A bad directory fails before the database is touched.
            read_manifest(&dir).map_err(|e| CliError::Arg(format!("import failed: {e}")))?;
            let db = Arc::new(db.open_write()?);
            let observer = Progress::new(&progress);
            let report =
                runtime()?.block_on(import(db, &dir, root, &SyncConfig::default(), &observer));
            observer.finish();
            let report = report.map_err(|e| CliError::Arg(format!("import failed: {e}")))?;
            print_report(&report, &progress)
        }
    }
}

fn print_report(report: &SyncReport, progress: &ProgressArgs) -> Result<(), CliError> {
    if progress.json {
        let mut v = serde_json::to_value(report)?;
        v["event"] = "result".into();
        println!("{}", serde_json::to_string(&v)?);
    } else if report.already_held {
        println!("root {:#x} is already held: it is the head", report.root);
    } else {
        let s = &report.stats;
        println!(
            "synced root {:#x}: {} entries ({} bytes) in {} tries, {} code, {} chunks, {} bytes received, {:.1} s",
            report.root,
            s.entries,
            s.entry_bytes,
            s.tries_done,
            s.code,
            s.chunks,
            s.wire_bytes,
            report.seconds
        );
    }
    Ok(())
}

/// Shows sync events as a bar, JSON lines, or not at all.
enum Progress {
    Quiet,
    Json,
    Bar(ProgressBar, Instant),
}

impl Progress {
    fn new(args: &ProgressArgs) -> Self {
        if args.quiet {
            return Progress::Quiet;
        }
        if args.json {
            return Progress::Json;
        }
        let bar = ProgressBar::new(1);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] tries {pos}/{len} {wide_msg} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress::Bar(bar, Instant::now())
    }

    fn finish(&self) {
        if let Progress::Bar(bar, _) = self {
            bar.finish_and_clear();
        }
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 20) as f64
}

impl Observer for Progress {
    fn event(&self, event: &Event) {
        match self {
            Progress::Quiet => {}
            Progress::Json => {
                let line = match event {
                    Event::Start { root, stats } => serde_json::json!({
                        "event": "start", "root": format!("{root:#x}"), "stats": stats,
                    }),
                    Event::Progress { stats } => {
                        serde_json::json!({ "event": "progress", "stats": stats })
                    }
                    Event::Refused {
                        source,
                        what,
                        reason,
                        dropped,
                    } => serde_json::json!({
                        "event": "refused", "source": source, "range": what,
                        "reason": reason, "dropped": dropped,
                    }),
                    Event::Done { stats } => serde_json::json!({ "event": "done", "stats": stats }),
                };
                println!("{line}");
            }
            Progress::Bar(bar, started) => match event {
                Event::Start { root, stats } => {
                    if stats.chunks > 0 {
                        bar.println(format!(
                            "resuming the sync of {root:#x}: {} entries already written",
                            stats.entries
                        ));
                    }
                }
                Event::Progress { stats } => {
                    bar.set_length(stats.tries_found);
                    bar.set_position(stats.tries_done);
                    let secs = started.elapsed().as_secs_f64().max(0.001);
                    bar.set_message(format!(
                        "· {} entries · {:.1} MiB · {:.1} MiB/s · {} code",
                        stats.entries,
                        mib(stats.wire_bytes),
                        mib(stats.wire_bytes) / secs,
                        stats.code
                    ));
                }
                Event::Refused {
                    source,
                    what,
                    reason,
                    dropped,
                } => {
                    let tail = if *dropped { " (source dropped)" } else { "" };
                    bar.println(format!("warning: {source}: {what}: {reason}{tail}"));
                }
                Event::Done { .. } => {}
            },
        }
    }
}
