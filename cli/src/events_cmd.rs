//! `svm events`: the events a node still keeps (those emitted with a
//! time-to-live that has not passed), by contract, topic and heights.

use clap::Args;
use serde_json::json;
use svm_state::events::{EventPosition, EventQuery};

use crate::db_arg::DbArg;
use crate::error::CliError;
use crate::hexarg;

/// `svm events`.
#[derive(Args)]
pub(crate) struct EventsArgs {
    /// Only events of this contract.
    #[arg(long)]
    contract: Option<String>,
    /// Only events carrying this topic (32 bytes, 0x-hex).
    #[arg(long)]
    topic: Option<String>,
    /// The first block height.
    #[arg(long, default_value_t = 0)]
    from: u64,
    /// The last block height (default: any).
    #[arg(long, default_value_t = u64::MAX)]
    to: u64,
    /// Only events after this position, `HEIGHT:TX:INDEX` (the last one a
    /// previous page printed).
    #[arg(long)]
    after: Option<String>,
    /// At most this many events.
    #[arg(long, default_value_t = 1_000)]
    limit: usize,
    #[command(flatten)]
    db: DbArg,
}

fn position(s: &str) -> Result<EventPosition, CliError> {
    let bad = || CliError::Arg(format!("--after {s:?}: expected HEIGHT:TX:INDEX"));
    let mut parts = s.split(':');
    let (Some(h), Some(t), Some(i), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    Ok(EventPosition {
        height: h.parse().map_err(|_| bad())?,
        tx: t.parse().map_err(|_| bad())?,
        index: i.parse().map_err(|_| bad())?,
    })
}

/// Runs `svm events`: one JSON object per line, in (height, tx, index)
/// order.
pub(crate) fn run(args: EventsArgs) -> Result<(), CliError> {
    let query = EventQuery {
        contract: args.contract.as_deref().map(hexarg::address).transpose()?,
        topic: args
            .topic
            .as_deref()
            .map(|t| hexarg::hash32(t, "--topic").map(|h| h.0))
            .transpose()?,
        from: args.from,
        to: args.to,
        after: args.after.as_deref().map(position).transpose()?,
        limit: args.limit,
    };
    let db = args.db.open_read()?;
    for e in db.events(&query)? {
        let p = e.position;
        let event = &e.event;
        let line = json!({
            "height": p.height,
            "tx": p.tx,
            "index": p.index,
            "contract": hexarg::format(&event.contract),
            "topics": event.topics.iter().map(|t| hexarg::format(t)).collect::<Vec<_>>(),
            "data": hexarg::format(&event.data),
            "ttl": event.ttl,
            "expires": event.expiry(p.height),
        });
        println!("{line}");
    }
    Ok(())
}
