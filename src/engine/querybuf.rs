//! A client's query buffer as Redis 7.0 accounts for it, for CLIENT LIST's `qbuf` and
//! `qbuf-free`.
//!
//! Redis reads a client's input into an sds string (`c->querybuf`): `qbuf` is its length
//! (the input read and not yet consumed, the command running now included, since the
//! consumed part is cut off only after the commands of a read have run) and `qbuf-free`
//! its spare room (`sdsavail`). How much room there is follows from how Redis grows
//! and shrinks that string, which this module replays from what the host tells it:
//!
//! - each read ([`QueryBuf::read`]): readQueryFromClient makes room for 16 KB
//!   (`PROTO_IOBUF_LEN`) first, non-greedily for a buffer smaller than that (or for the
//!   rest of a bulk argument of 32 KB or more), greedily (doubling) otherwise;
//! - the input the commands consumed ([`QueryBuf::consumed`]), and a big bulk argument
//!   under way, for which Redis makes room for the whole argument;
//! - serverCron's clientsCronResizeQueryBuffer ([`QueryBuf::cron`]): a buffer wasting
//!   more than 4 KB is emptied of its free room when the client has been idle for more
//!   than 2 seconds, or cut down to its recent peak when it is over 32 KB and more than
//!   twice that peak.
//!
//! The room an allocation gets is what jemalloc's size classes give (sds uses the whole
//! usable size), less the sds header, so the figures match redis-server's (a new
//! client's first command leaves `qbuf-free=20474`).
//!
//! The engine keeps no buffer itself: a host without one (the browser console) never
//! reports a read, and its clients show `qbuf=0 qbuf-free=0`, as Redis shows a client
//! whose idle buffer was freed.

/// Redis's PROTO_IOBUF_LEN: the room made before each read.
const IOBUF_LEN: usize = 16 * 1024;
/// PROTO_MBULK_BIG_ARG: bulk arguments at least this long are read into a buffer of
/// their own size.
const MBULK_BIG_ARG: usize = 32 * 1024;
/// PROTO_RESIZE_THRESHOLD: buffers over this size shrink to their recent peak.
const RESIZE_THRESHOLD: usize = 32 * 1024;
/// SDS_MAX_PREALLOC: greedy growth doubles up to this, then adds this much.
const MAX_PREALLOC: usize = 1024 * 1024;

/// One client's query buffer figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryBuf {
    /// sdslen: bytes read and not consumed yet.
    len: usize,
    /// sdsalloc: the room, `len` included.
    alloc: usize,
    /// querybuf_peak: the longest `len` since the last cron visit.
    peak: usize,
}

impl QueryBuf {
    /// CLIENT LIST's `qbuf`.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is waiting in the buffer.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// CLIENT LIST's `qbuf-free`.
    pub fn free(&self) -> usize {
        self.alloc - self.len
    }

    /// `n` bytes read from the socket. `big_bulk`: the length (CRLF included) of a bulk
    /// argument of [`MBULK_BIG_ARG`] or more under way, whose bytes read so far are all
    /// the buffer holds (Redis then reads only the rest of it). A read larger than
    /// Redis's would be is replayed as the several reads Redis would make.
    pub fn read(&mut self, mut n: usize, big_bulk: Option<usize>) {
        while n > 0 {
            let remaining = big_bulk.map_or(0, |b| b.saturating_sub(self.len));
            let take = if remaining > 0 {
                self.make_room(remaining, false);
                remaining
            } else if self.alloc < IOBUF_LEN {
                self.make_room(IOBUF_LEN, false);
                IOBUF_LEN
            } else {
                self.make_room(IOBUF_LEN, true);
                self.free()
            };
            let take = take.min(n);
            self.len += take;
            n -= take;
            self.peak = self.peak.max(self.len);
        }
    }

    /// The commands run consumed `n` bytes of the buffer (Redis's `sdsrange` after
    /// processInputBuffer). `pending_bulk`: the length of a bulk argument whose `$` line
    /// was read and whose bytes are still coming: Redis makes room for all of it when
    /// it is a big one.
    pub fn consumed(&mut self, n: usize, pending_bulk: Option<usize>) {
        self.len -= n.min(self.len);
        if let Some(b) = pending_bulk.filter(|&b| b >= MBULK_BIG_ARG) {
            let want = (b + 2).saturating_sub(self.len);
            self.make_room(want, false);
        }
    }

    /// clientsCronResizeQueryBuffer, for a client idle `idle_s` seconds (whole seconds,
    /// as Redis's unixtime counts them), with `pending_bulk` as for [`Self::consumed`].
    pub fn cron(&mut self, idle_s: i64, pending_bulk: Option<usize>) {
        if self.free() > 4 * 1024 {
            if idle_s > 2 {
                self.resize(self.len);
            } else if self.alloc > RESIZE_THRESHOLD && self.alloc / 2 > self.peak {
                let mut size = self.len.max(self.peak);
                if let Some(b) = pending_bulk {
                    size = size.max(b);
                }
                self.resize(size);
            }
        }
        self.peak = self.len.max(pending_bulk.unwrap_or(0));
    }

    /// sdsMakeRoomFor (greedy) and sdsMakeRoomForNonGreedy.
    fn make_room(&mut self, add: usize, greedy: bool) {
        if self.free() >= add {
            return;
        }
        let req = self.len.saturating_add(add);
        let newlen = if !greedy {
            req
        } else if req < MAX_PREALLOC {
            req * 2
        } else {
            req.saturating_add(MAX_PREALLOC)
        };
        let hdr = header(newlen);
        let usable = size_class(hdr + newlen + 1) - hdr - 1;
        self.alloc = usable.min(type_max(newlen));
    }

    /// sdsResize: the room becomes exactly `size` (the length is cut to it).
    fn resize(&mut self, size: usize) {
        self.alloc = size;
        self.len = self.len.min(size);
    }
}

/// The sds header for a string of `len` bytes (type 5 is never used for a buffer that
/// grows: type 8 instead).
fn header(len: usize) -> usize {
    match len {
        0..=0xff => 3,
        0x100..=0xffff => 5,
        0x1_0000..=0xffff_ffff => 9,
        _ => 17,
    }
}

/// The largest room the header type chosen for `len` can record.
fn type_max(len: usize) -> usize {
    match header(len) {
        3 => 0xff,
        5 => 0xffff,
        9 => 0xffff_ffff,
        _ => usize::MAX,
    }
}

/// jemalloc's size class for an allocation of `n` bytes: 8, then steps of 16 to 128,
/// then four classes per power of two.
fn size_class(n: usize) -> usize {
    if n <= 8 {
        return 8;
    }
    if n <= 128 {
        return n.div_ceil(16) * 16;
    }
    let lg = usize::BITS - 1 - (n - 1).leading_zeros();
    let step = 1usize << (lg - 2);
    n.div_ceil(step).saturating_mul(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes_are_jemallocs() {
        let got: Vec<usize> = [1, 9, 17, 129, 161, 257, 16390, 20480, 400012]
            .iter()
            .map(|&n| size_class(n))
            .collect();
        assert_eq!(got, [8, 16, 32, 160, 192, 320, 20480, 20480, 458752]);
    }

    /// The figures redis-server 7.0.15 showed for the same traffic (a new client's
    /// `CLIENT SETNAME a`, a 400,000-byte SET, then small SETs, then idleness).
    #[test]
    fn replays_redis_figures() {
        let mut q = QueryBuf::default();
        assert_eq!((q.len(), q.free()), (0, 0));
        // CLIENT LIST as a first command: qbuf=26 qbuf-free=20448 while it runs.
        q.read(26, None);
        assert_eq!((q.len(), q.free()), (26, 20448));
        q.consumed(26, None);
        assert_eq!((q.len(), q.free()), (0, 20474));
        // A big SET: the first read holds its start, then room for the whole bulk.
        let head = b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$400000\r\n".len();
        q.read(16384, None);
        q.consumed(head, Some(400_000));
        let left = 400_002 - (16384 - head);
        q.read(left, Some(400_002));
        q.consumed(q.len(), None);
        assert_eq!((q.len(), q.free()), (0, 458742));
        // The cron: the peak was the big argument, no cut (and the peak starts again).
        q.cron(0, None);
        assert_eq!(q.free(), 458742);
        // A small SET, then the cron: cut down to the recent peak.
        q.read(130, None);
        q.consumed(130, None);
        q.cron(0, None);
        assert_eq!(q.free(), 130);
        // The next read makes room for 16 KB again.
        q.read(130, None);
        q.consumed(130, None);
        assert_eq!(q.free(), 20474);
        // Idle for more than 2 seconds: the free room goes.
        q.cron(2, None);
        assert_eq!(q.free(), 20474);
        q.cron(3, None);
        assert_eq!((q.len(), q.free()), (0, 0));
    }

    #[test]
    fn a_read_larger_than_redis_would_make_is_replayed_in_steps() {
        let mut q = QueryBuf::default();
        q.read(100_000, None);
        assert_eq!(q.len(), 100_000);
        assert!(q.free() < q.len());
        q.consumed(usize::MAX, None);
        assert!(q.is_empty());
    }
}
