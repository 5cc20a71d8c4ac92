//! SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH, SPUBLISH and PUBSUB.
//! The state and delivery live in `engine::pubsub`; these handlers only read arguments
//! and shape the replies.

use super::super::pubsub::Kind;
use super::super::{Ctx, Reply};

/// One reply per confirmation: a single one stays single, several go in a row.
fn confirmations(mut v: Vec<Reply>) -> Reply {
    if v.len() == 1 {
        v.pop().unwrap_or(Reply::Nil)
    } else {
        Reply::Seq(v)
    }
}

fn subscribe_kind(ctx: &mut Ctx, argv: &[Vec<u8>], kind: Kind, name: &str) -> Reply {
    // Redis refuses a shard subscription from a client that needs one reply per command
    // (a command run by EXEC); SUBSCRIBE and PSUBSCRIBE stay allowed inside MULTI for
    // backward compatibility. Scripts cannot reach here (the commands are `noscript`).
    if kind == Kind::Shard && ctx.core.nested > 0 {
        return Reply::Error(format!(
            "ERR {name} isn't allowed for a DENY BLOCKING client"
        ));
    }
    let id = ctx.id;
    confirmations(
        argv[1..]
            .iter()
            .map(|ch| ctx.core.pubsub.subscribe(id, ch, kind))
            .collect(),
    )
}

pub fn subscribe(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    subscribe_kind(ctx, argv, Kind::Plain, "SUBSCRIBE")
}

pub fn ssubscribe(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    subscribe_kind(ctx, argv, Kind::Shard, "SSUBSCRIBE")
}

pub fn psubscribe(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let id = ctx.id;
    confirmations(
        argv[1..]
            .iter()
            .map(|p| ctx.core.pubsub.psubscribe(id, p))
            .collect(),
    )
}

fn unsubscribe_kind(ctx: &mut Ctx, argv: &[Vec<u8>], kind: Kind) -> Reply {
    let id = ctx.id;
    if argv.len() == 1 {
        return confirmations(ctx.core.pubsub.unsubscribe_all(id, kind));
    }
    confirmations(
        argv[1..]
            .iter()
            .map(|ch| ctx.core.pubsub.unsubscribe(id, ch, kind))
            .collect(),
    )
}

pub fn unsubscribe(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    unsubscribe_kind(ctx, argv, Kind::Plain)
}

pub fn sunsubscribe(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    unsubscribe_kind(ctx, argv, Kind::Shard)
}

pub fn punsubscribe(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let id = ctx.id;
    if argv.len() == 1 {
        return confirmations(ctx.core.pubsub.punsubscribe_all(id));
    }
    confirmations(
        argv[1..]
            .iter()
            .map(|p| ctx.core.pubsub.punsubscribe(id, p))
            .collect(),
    )
}

fn publish_kind(ctx: &mut Ctx, argv: &[Vec<u8>], kind: Kind) -> Reply {
    let limit = ctx.core.config.pubsub_limit;
    let now = ctx.core.now;
    Reply::Int(
        ctx.core
            .pubsub
            .publish(&argv[1], &argv[2], kind, now, limit),
    )
}

pub fn publish(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    publish_kind(ctx, argv, Kind::Plain)
}

pub fn spublish(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    publish_kind(ctx, argv, Kind::Shard)
}

fn channels(ctx: &mut Ctx, argv: &[Vec<u8>], kind: Kind) -> Reply {
    if argv.len() > 3 {
        return Reply::Error(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
            String::from_utf8_lossy(&argv[1])
        ));
    }
    Reply::Array(
        ctx.core
            .pubsub
            .channel_names(kind, argv.get(2).map(|p| p.as_slice()))
            .into_iter()
            .map(Reply::Bulk)
            .collect(),
    )
}

pub fn pubsub_channels(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    channels(ctx, argv, Kind::Plain)
}

pub fn pubsub_shardchannels(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    channels(ctx, argv, Kind::Shard)
}

fn numsub(ctx: &mut Ctx, argv: &[Vec<u8>], kind: Kind) -> Reply {
    let mut out = Vec::with_capacity((argv.len() - 2) * 2);
    for ch in &argv[2..] {
        out.push(Reply::Bulk(ch.clone()));
        out.push(Reply::Int(ctx.core.pubsub.numsub(ch, kind)));
    }
    Reply::Array(out)
}

pub fn pubsub_numsub(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    numsub(ctx, argv, Kind::Plain)
}

pub fn pubsub_shardnumsub(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    numsub(ctx, argv, Kind::Shard)
}

pub fn pubsub_numpat(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    Reply::Int(ctx.core.pubsub.numpat())
}

pub fn pubsub_help(_ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    super::server::help_reply(
        b"PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    )
}
