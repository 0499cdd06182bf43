//! The host side of the event vmcalls: `emit` (topics, data, a time-to-live
//! in blocks) and `log` (data only, kept in the receipt alone). Everything
//! is charged before anything is copied: the topics, the data bytes (kept
//! in the receipt) and the event's lifetime in nodes' indexes.

use svm_format::event::{Event, MAX_EVENT_DATA, MAX_EVENT_TTL, MAX_TOPICS};

use crate::gas;
use crate::host::{Ctx, Env, HostTrap, bad, charge, read, span};
use crate::state::ContractState;

/// Charges and appends an event of this frame's contract.
fn push<S: ContractState>(
    env: &mut Env<S>,
    store: &mut impl wasmer::AsStoreMut,
    (topics_ptr, topic_count): (i32, i32),
    (data_ptr, data_len): (i32, i32),
    ttl: i64,
) -> Result<(), HostTrap> {
    charge(env, store, gas::VMCALL)?;
    let topics = usize::try_from(topic_count)
        .ok()
        .filter(|&n| n <= MAX_TOPICS)
        .ok_or_else(|| {
            bad(format!(
                "an event has at most {MAX_TOPICS} topics, not {topic_count}"
            ))
        })?;
    let (_, n) = span(env, store, data_ptr, data_len)?;
    if n > MAX_EVENT_DATA {
        return Err(bad(format!(
            "an event of {n} data bytes is longer than the {MAX_EVENT_DATA} allowed"
        )));
    }
    let ttl = u64::try_from(ttl)
        .ok()
        .filter(|&t| t <= MAX_EVENT_TTL)
        .ok_or_else(|| {
            bad(format!(
                "a time-to-live of {ttl} blocks is outside 0..={MAX_EVENT_TTL}"
            ))
        })?;
    span(env, store, topics_ptr, (topics * 32) as i32)?;
    charge(env, store, gas::event_cost(topics as u64, n as u64, ttl))?;
    let raw = read(env, store, topics_ptr, (topics * 32) as i32)?;
    let topics = raw
        .chunks_exact(32)
        .map(|t| {
            let mut topic = [0u8; 32];
            topic.copy_from_slice(t);
            topic
        })
        .collect();
    let data = read(env, store, data_ptr, data_len)?;
    let event = Event {
        contract: env.contract.0,
        topics,
        data,
        ttl,
    };
    env.scope()?.events.push(event);
    Ok(())
}

/// `emit(topics_ptr, topic_count, data_ptr, data_len, ttl)`.
pub(crate) fn emit<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    topics_ptr: i32,
    topic_count: i32,
    data_ptr: i32,
    data_len: i32,
    ttl: i64,
) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    push(
        env,
        &mut store,
        (topics_ptr, topic_count),
        (data_ptr, data_len),
        ttl,
    )
}

/// `log(ptr, len)`: an event without topics, time-to-live 0.
pub(crate) fn log<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    ptr: i32,
    len: i32,
) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    push(env, &mut store, (0, 0), (ptr, len), 0)
}
