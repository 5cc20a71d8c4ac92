//! Key events and their notification classes.
//!
//! Every change to a key produces an event named as Redis's keyspace notifications name
//! it (`set`, `expire`, `zadd`, `rename_from` …), and each event belongs to one class,
//! the letter `notify-keyspace-events` turns it on with:
//!
//! | class | letter | events |
//! |---|---|---|
//! | generic | `g` | del, expire, persist, rename_from, rename_to, move_from, move_to, copy_to, restore |
//! | string | `$` | set, setrange, append, incrby, incrbyfloat, setbit, pfadd |
//! | list | `l` | lpush, rpush, lpop, rpop, linsert, lset, lrem, ltrim, sortstore |
//! | set | `s` | sadd, srem, spop, sinterstore, sunionstore, sdiffstore |
//! | hash | `h` | hset, hdel, hincrby, hincrbyfloat |
//! | sorted set | `z` | zadd, zincr, zrem, zremrangebyscore/rank/lex, zpopmin, zpopmax, zunionstore, zinterstore, zdiffstore, zrangestore, geosearchstore, georadiusstore |
//! | expired | `x` | expired |
//! | evicted | `e` | evicted |
//! | stream | `t` | xadd, xdel, xtrim, xsetid, xgroup-* |
//! | key miss | `m` | keymiss |
//! | new key | `n` | new |
//!
//! The table is Redis 7.0.15's (every `notifyKeyspaceEvent` call in its source); an event
//! name missing from it is a bug the event test (`tests/events.rs`) catches.

/// The class letter of an event, as `notify-keyspace-events` names classes.
pub fn class_of(event: &str) -> Option<char> {
    Some(match event {
        "del" | "expire" | "persist" | "rename_from" | "rename_to" | "move_from" | "move_to"
        | "copy_to" | "restore" => 'g',
        "set" | "setrange" | "append" | "incrby" | "incrbyfloat" | "setbit" | "pfadd" => '$',
        "lpush" | "rpush" | "lpop" | "rpop" | "linsert" | "lset" | "lrem" | "ltrim"
        | "sortstore" => 'l',
        "sadd" | "srem" | "spop" | "sinterstore" | "sunionstore" | "sdiffstore" => 's',
        "hset" | "hdel" | "hincrby" | "hincrbyfloat" => 'h',
        "zadd" | "zincr" | "zrem" | "zremrangebyscore" | "zremrangebyrank" | "zremrangebylex"
        | "zpopmin" | "zpopmax" | "zunionstore" | "zinterstore" | "zdiffstore" | "zrangestore"
        | "geosearchstore" | "georadiusstore" => 'z',
        "expired" => 'x',
        "evicted" => 'e',
        "xadd"
        | "xdel"
        | "xtrim"
        | "xsetid"
        | "xgroup-create"
        | "xgroup-createconsumer"
        | "xgroup-delconsumer"
        | "xgroup-destroy"
        | "xgroup-setid" => 't',
        "keymiss" => 'm',
        "new" => 'n',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_one_class() {
        assert_eq!(class_of("set"), Some('$'));
        assert_eq!(class_of("zrangestore"), Some('z'));
        assert_eq!(class_of("rename_from"), Some('g'));
        assert_eq!(class_of("expired"), Some('x'));
        assert_eq!(class_of("devtools"), None);
    }
}
