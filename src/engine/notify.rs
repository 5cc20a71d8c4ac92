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

/// The `notify-keyspace-events` flag of an event's class (0: none, never published).
pub fn class_flag(event: &str) -> u32 {
    use super::pubsub::flags;
    class_of(event).and_then(flags::of_letter).unwrap_or(0)
}

/// Writes a notification channel into `buf` (cleared first): `__keyspace@<db>__:<name>`
/// (`keyspace`, the name a key) or `__keyevent@<db>__:<name>` (the name an event).
pub fn channel(buf: &mut Vec<u8>, keyspace: bool, db: usize, name: &[u8]) {
    buf.clear();
    buf.extend_from_slice(if keyspace {
        b"__keyspace@"
    } else {
        b"__keyevent@"
    });
    if db < 10 {
        buf.push(b'0' + db as u8);
    } else {
        buf.extend_from_slice(db.to_string().as_bytes());
    }
    buf.extend_from_slice(b"__:");
    buf.extend_from_slice(name);
}

/// The keyspace notifications one key event publishes under `notify-keyspace-events`
/// flags `nf` (see `pubsub::flags`), as (channel, message) in publishing order: the
/// `__keyspace@<db>__:<key>` message (the event) when `K` is on, then the
/// `__keyevent@<db>__:<event>` message (the key) when `E` is on; none when the event's
/// class is off (Redis's notifyKeyspaceEvent). (`Core::announce` publishes the same
/// pairs, built in one reused buffer.)
pub fn messages(nf: u32, db: usize, key: &[u8], event: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    use super::pubsub::flags;
    let mut out = Vec::new();
    if nf & class_flag(event) == 0 {
        return out;
    }
    if nf & flags::KEYSPACE != 0 {
        let mut ch = Vec::new();
        channel(&mut ch, true, db, key);
        out.push((ch, event.as_bytes().to_vec()));
    }
    if nf & flags::KEYEVENT != 0 {
        let mut ch = Vec::new();
        channel(&mut ch, false, db, event.as_bytes());
        out.push((ch, key.to_vec()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_the_flags() {
        use crate::engine::pubsub::flags::parse;
        let f = |s: &str| parse(s).unwrap();
        assert!(messages(0, 0, b"k", "set").is_empty());
        // Classes without K or E publish nothing, K or E without the class neither.
        assert!(messages(f("A"), 0, b"k", "set").is_empty());
        assert!(messages(f("K"), 0, b"k", "set").is_empty());
        assert_eq!(
            messages(f("Ex"), 0, b"session:42", "expired"),
            vec![(b"__keyevent@0__:expired".to_vec(), b"session:42".to_vec())]
        );
        assert!(messages(f("Ex"), 0, b"k", "set").is_empty());
        assert_eq!(
            messages(f("KEA"), 12, b"k", "set"),
            vec![
                (b"__keyspace@12__:k".to_vec(), b"set".to_vec()),
                (b"__keyevent@12__:set".to_vec(), b"k".to_vec()),
            ]
        );
        assert_eq!(
            messages(f("KEA"), 3, b"a b", "del"),
            vec![
                (b"__keyspace@3__:a b".to_vec(), b"del".to_vec()),
                (b"__keyevent@3__:del".to_vec(), b"a b".to_vec()),
            ]
        );
        // `A` leaves out key-miss and new; they need their own letters.
        assert!(messages(f("KEA"), 0, b"k", "new").is_empty());
        assert_eq!(messages(f("Kn"), 0, b"k", "new").len(), 1);
        // An event of no known class is never published.
        assert!(messages(u32::MAX, 0, b"k", "devtools").is_empty());
    }

    #[test]
    fn every_event_has_one_class() {
        assert_eq!(class_of("set"), Some('$'));
        assert_eq!(class_of("zrangestore"), Some('z'));
        assert_eq!(class_of("rename_from"), Some('g'));
        assert_eq!(class_of("expired"), Some('x'));
        assert_eq!(class_of("devtools"), None);
    }
}
