//! `cmsgpack`: lua-cmsgpack 0.4.0 as Redis 7.0 ships it (deps/lua/src/lua_cmsgpack.c),
//! with its error texts.
//!
//! * `cmsgpack.pack(v1, v2, ...)`: the values' encodings, concatenated.
//! * `cmsgpack.unpack(s)`: every value in `s`.
//! * `cmsgpack.unpack_one(s [, offset])`: the next offset (-1 at the end), then one
//!   value read at the 0-based `offset`.
//! * `cmsgpack.unpack_limit(s, limit [, offset])`: the next offset, then up to
//!   `limit` values (with limit and offset both 0, every value and no offset).
//!
//! Encoding: numbers that are integers take the smallest int type (fixint, uint/int
//! 8..64); other numbers are float 32 when that is exact, else float 64; strings are
//! fixstr / str 8 / str 16 / str 32; tables whose keys are exactly 1..n are arrays,
//! other tables maps (in `next` order); booleans are true/false; anything else, and
//! tables nested 16 deep (so cycles end), are nil. Decoding reads those plus the raw
//! 16/32 forms; bin, ext and 0xc1 are "Bad data format in input.". The limits of
//! Lua's C stack Redis runs into (8000 slots: about 8000 results, 4000 levels of
//! nesting) are reproduced with Redis's messages, without recursing in Rust.

use std::collections::HashMap;

use omnilua::{Lua, Result, Table, Value};

use super::libs::{
    arg_error, c_fn, c_i64, check_bytes, check_num, check_stack, opt_int, Fail, MemLimit,
};

type R<T> = std::result::Result<T, Fail>;

/// Tables nested this deep encode as nil.
const MAX_NESTING: usize = 16;

/// Builds the `cmsgpack` table.
pub(crate) fn table(lua: &Lua, mem: MemLimit) -> Result<Table> {
    let t = lua.create_table()?;
    let m = mem.clone();
    t.raw_set("pack", c_fn(lua, move |lua, a| pack(lua, a, &m))?)?;
    let m = mem.clone();
    t.raw_set(
        "unpack",
        c_fn(lua, move |lua, a| {
            unpack_full(lua, a, 0, 0, a.len(), "unpack", &m)
        })?,
    )?;
    let m = mem.clone();
    t.raw_set(
        "unpack_one",
        c_fn(lua, move |lua, a| {
            let offset = opt_int(a, 1, 0, "unpack_one")?;
            unpack_full(lua, a, 1, offset, 1, "unpack_one", &m)
        })?,
    )?;
    t.raw_set(
        "unpack_limit",
        c_fn(lua, move |lua, a| {
            let limit = c_i64(check_num(a, 1, "unpack_limit")?);
            let offset = opt_int(a, 2, 0, "unpack_limit")?;
            unpack_full(lua, a, limit, offset, 1, "unpack_limit", &mem)
        })?,
    )?;
    t.raw_set("_NAME", "cmsgpack")?;
    t.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    t.raw_set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo")?;
    t.raw_set("_DESCRIPTION", "MessagePack C implementation for Lua")?;
    Ok(t)
}

// ---------------------------------------------------------------- encoding

struct Encoder<'a> {
    lua: &'a Lua,
    mem: &'a MemLimit,
    room: usize,
    out: Vec<u8>,
    /// Tables already encoded, by (table, level): where their bytes are in `out`,
    /// and the stack height they were encoded at. Nothing runs while packing, so a
    /// table met again at the same level (a shared or cyclic table) encodes the
    /// same way, and is copied rather than walked again: packing a table that holds
    /// a table that holds ... costs its output's size, not the walk's.
    seen: HashMap<(usize, usize), (usize, usize, usize)>,
}

impl Encoder<'_> {
    fn put(&mut self, b: &[u8]) -> R<()> {
        let want = self.out.len().saturating_add(b.len());
        if want > self.room {
            return Err(self.mem.exceeded(self.lua, want));
        }
        self.out.extend_from_slice(b);
        Ok(())
    }

    /// A header: `small` ORed with `n` when n fits in `small_max`, else the 8/16/32
    /// bit forms (`codes`; 0 where a width does not exist).
    fn header(&mut self, n: u64, small: u8, small_max: u64, codes: [u8; 3]) -> R<()> {
        if n <= small_max {
            self.put(&[small | n as u8])
        } else if codes[0] != 0 && n <= 0xff {
            self.put(&[codes[0], n as u8])
        } else if n <= 0xffff {
            let b = (n as u16).to_be_bytes();
            self.put(&[codes[1], b[0], b[1]])
        } else {
            let mut h = [codes[2], 0, 0, 0, 0];
            h[1..].copy_from_slice(&(n as u32).to_be_bytes());
            self.put(&h)
        }
    }

    fn int(&mut self, n: i64) -> R<()> {
        if n >= 0 {
            if n <= 127 {
                self.put(&[n as u8])
            } else if n <= 0xff {
                self.put(&[0xcc, n as u8])
            } else if n <= 0xffff {
                self.tagged(0xcd, &(n as u16).to_be_bytes())
            } else if n <= 0xffff_ffff {
                self.tagged(0xce, &(n as u32).to_be_bytes())
            } else {
                self.tagged(0xcf, &(n as u64).to_be_bytes())
            }
        } else if n >= -32 {
            self.put(&[n as i8 as u8])
        } else if n >= -128 {
            self.put(&[0xd0, n as i8 as u8])
        } else if n >= -32768 {
            self.tagged(0xd1, &(n as i16).to_be_bytes())
        } else if n >= -2_147_483_648 {
            self.tagged(0xd2, &(n as i32).to_be_bytes())
        } else {
            self.tagged(0xd3, &n.to_be_bytes())
        }
    }

    fn tagged(&mut self, tag: u8, b: &[u8]) -> R<()> {
        let mut v = Vec::with_capacity(b.len() + 1);
        v.push(tag);
        v.extend_from_slice(b);
        self.put(&v)
    }

    fn number(&mut self, n: f64) -> R<()> {
        // IS_INT64_EQUIVALENT: not infinite, and (int64_t)n == n.
        if !n.is_infinite() && c_i64(n) as f64 == n {
            return self.int(c_i64(n));
        }
        let f = n as f32;
        if f as f64 == n {
            self.tagged(0xca, &f.to_be_bytes())
        } else {
            self.tagged(0xcb, &n.to_be_bytes())
        }
    }

    /// `mp_encode_lua_type` for `v` at `level`, with the C function's stack holding
    /// `top` slots (the value being the last).
    fn value(&mut self, v: &Value, level: usize, top: usize) -> R<()> {
        match v {
            Value::String(s) => {
                let b = s.as_bytes()?;
                self.header(b.len() as u64, 0xa0, 31, [0xd9, 0xda, 0xdb])?;
                self.put(&b)
            }
            Value::Boolean(b) => self.put(&[if *b { 0xc3 } else { 0xc2 }]),
            Value::Number(n) => self.number(*n),
            Value::Integer(i) => self.number(*i as f64),
            Value::Table(t) if level < MAX_NESTING => self.table(t, level, top),
            _ => self.put(&[0xc0]),
        }
    }

    fn table(&mut self, t: &Table, level: usize, top: usize) -> R<()> {
        let key = (t.to_pointer()?, level);
        if let Some(&(start, end, at)) = self.seen.get(&key) {
            // A stack limit hit at this height would have been hit there too.
            if top <= at {
                let want = self.out.len().saturating_add(end - start);
                if want > self.room {
                    return Err(self.mem.exceeded(self.lua, want));
                }
                self.out.extend_from_within(start..end);
                return Ok(());
            }
        }
        let start = self.out.len();
        self.walk(t, level, top)?;
        self.seen.insert(key, (start, self.out.len(), top));
        Ok(())
    }

    fn walk(&mut self, t: &Table, level: usize, top: usize) -> R<()> {
        check_stack(top, 2, "in function table_is_an_array")?;
        let pairs = t.raw_pairs()?;
        if is_array(&pairs) {
            check_stack(top, 1, "in function mp_encode_lua_table_as_array")?;
            self.header(pairs.len() as u64, 0x90, 15, [0, 0xdc, 0xdd])?;
            // The keys are 1..n: put the values in key order.
            let mut items = vec![Value::Nil; pairs.len()];
            for (k, v) in pairs {
                let i = match k {
                    Value::Integer(i) => i as usize,
                    Value::Number(n) => n as usize,
                    _ => 0,
                };
                if let Some(slot) = items.get_mut(i.wrapping_sub(1)) {
                    *slot = v;
                }
            }
            for item in &items {
                self.value(item, level + 1, top + 1)?;
            }
        } else {
            check_stack(top, 3, "in function mp_encode_lua_table_as_map")?;
            self.header(pairs.len() as u64, 0x80, 15, [0, 0xde, 0xdf])?;
            for (k, v) in &pairs {
                self.value(k, level + 1, top + 3)?;
                self.value(v, level + 1, top + 2)?;
            }
        }
        Ok(())
    }
}

/// `table_is_an_array`: every key a number that is a positive C int, and as many
/// keys as the largest (so the keys are 1..n; an empty table is an array).
fn is_array(pairs: &[(Value, Value)]) -> bool {
    let mut max = 0.0f64;
    for (k, _) in pairs {
        let n = match k {
            Value::Number(n) => *n,
            Value::Integer(i) => *i as f64,
            _ => return false,
        };
        // IS_INT_EQUIVALENT: (int)n == n, which fails for NaN and anything out of
        // int's range (x86-64 converts those to INT_MIN).
        if n <= 0.0 || n.fract() != 0.0 || n > i32::MAX as f64 {
            return false;
        }
        max = max.max(n);
    }
    max == pairs.len() as f64
}

fn pack(lua: &Lua, args: &[Value], mem: &MemLimit) -> R<Vec<Value>> {
    let nargs = args.len();
    if nargs == 0 {
        return Err(arg_error(0, "pack", "MessagePack pack needs input."));
    }
    if nargs + nargs > super::libs::MAX_C_STACK {
        return Err(arg_error(
            0,
            "pack",
            "Too many arguments for MessagePack pack.",
        ));
    }
    let mut e = Encoder {
        lua,
        mem,
        room: mem.room(lua),
        out: Vec::new(),
        seen: HashMap::new(),
    };
    for (i, v) in args.iter().enumerate() {
        // The arguments, the encodings of the ones before, and this one's copy.
        e.value(v, 0, nargs + i + 1)?;
    }
    Ok(vec![Value::String(lua.create_string(&e.out)?)])
}

// ---------------------------------------------------------------- decoding

/// Why decoding stopped short (the cursor's error codes).
enum Stop {
    /// Not enough data: "Missing bytes in input."
    Eof,
    /// An unknown type byte: "Bad data format in input."
    BadFormat,
    /// A Lua error, raised as it is.
    Fail(Fail),
}

impl From<Fail> for Stop {
    fn from(f: Fail) -> Self {
        Stop::Fail(f)
    }
}

impl From<omnilua::Error> for Stop {
    fn from(e: omnilua::Error) -> Self {
        Stop::Fail(Fail::Lua(e))
    }
}

/// A table being filled: an array (next index) or a map (the key read, if any).
enum Open {
    Array {
        t: Table,
        left: u64,
        index: f64,
    },
    Map {
        t: Table,
        left: u64,
        key: Option<Value>,
    },
}

struct Decoder<'a> {
    lua: &'a Lua,
    mem: &'a MemLimit,
    s: &'a [u8],
    pos: usize,
    /// Values made since the last memory check.
    made: usize,
}

const TOO_MANY: &str = "too many return values at once; use unpack_one or unpack_limit instead.";

impl Decoder<'_> {
    fn left(&self) -> usize {
        self.s.len() - self.pos
    }

    fn need(&self, n: usize) -> std::result::Result<(), Stop> {
        if self.left() < n {
            return Err(Stop::Eof);
        }
        Ok(())
    }

    /// The `n` bytes after the type byte, as a big-endian number (`need` checked).
    fn be(&self, n: usize) -> u64 {
        self.s[self.pos + 1..self.pos + 1 + n]
            .iter()
            .fold(0, |a, &b| (a << 8) | b as u64)
    }

    /// A string of `len` bytes after a header of `hdr` bytes.
    fn string(&mut self, hdr: usize, len: usize) -> std::result::Result<Value, Stop> {
        self.need(hdr)?;
        let start = self.pos + hdr;
        if self.s.len() - start < len {
            return Err(Stop::Eof);
        }
        let v = Value::String(self.lua.create_string(&self.s[start..start + len])?);
        self.pos = start + len;
        Ok(v)
    }

    fn scalar(&mut self, n: f64, width: usize) -> std::result::Result<Value, Stop> {
        self.pos += width;
        Ok(Value::Number(n))
    }

    /// `mp_decode_to_lua_type` with the C function's stack holding `top` slots,
    /// looping over nested tables instead of recursing.
    fn value(&mut self, top: usize) -> std::result::Result<Value, Stop> {
        let mut open: Vec<Open> = Vec::new();
        let mut top = top;
        loop {
            // Read one value, or open a table.
            self.need(1)?;
            check_stack(top, 1, TOO_MANY)?;
            self.made += 1;
            if self.made >= 4096 {
                self.made = 0;
                self.mem.check(self.lua)?;
            }
            let c = self.s[self.pos];
            let mut container: Option<(bool, u64, usize)> = None;
            let v = match c {
                0xcc => {
                    self.need(2)?;
                    self.scalar(self.be(1) as f64, 2)?
                }
                0xd0 => {
                    self.need(2)?;
                    self.scalar(self.be(1) as u8 as i8 as f64, 2)?
                }
                0xcd => {
                    self.need(3)?;
                    self.scalar(self.be(2) as f64, 3)?
                }
                0xd1 => {
                    self.need(3)?;
                    self.scalar(self.be(2) as u16 as i16 as f64, 3)?
                }
                0xce => {
                    self.need(5)?;
                    self.scalar(self.be(4) as f64, 5)?
                }
                0xd2 => {
                    self.need(5)?;
                    self.scalar(self.be(4) as u32 as i32 as f64, 5)?
                }
                // uint 64 goes through lua_Integer, so 2^63 and up come out negative.
                0xcf | 0xd3 => {
                    self.need(9)?;
                    self.scalar(self.be(8) as i64 as f64, 9)?
                }
                0xc0 | 0xc2 | 0xc3 => {
                    self.pos += 1;
                    match c {
                        0xc0 => Value::Nil,
                        b => Value::Boolean(b == 0xc3),
                    }
                }
                0xca => {
                    self.need(5)?;
                    self.scalar(f32::from_bits(self.be(4) as u32) as f64, 5)?
                }
                0xcb => {
                    self.need(9)?;
                    self.scalar(f64::from_bits(self.be(8)), 9)?
                }
                0xd9 => {
                    self.need(2)?;
                    let l = self.be(1) as usize;
                    self.string(2, l)?
                }
                0xda => {
                    self.need(3)?;
                    let l = self.be(2) as usize;
                    self.string(3, l)?
                }
                0xdb => {
                    self.need(5)?;
                    let l = self.be(4) as usize;
                    self.string(5, l)?
                }
                0xdc => {
                    self.need(3)?;
                    container = Some((true, self.be(2), 3));
                    Value::Nil
                }
                0xdd => {
                    self.need(5)?;
                    container = Some((true, self.be(4), 5));
                    Value::Nil
                }
                0xde => {
                    self.need(3)?;
                    container = Some((false, self.be(2), 3));
                    Value::Nil
                }
                0xdf => {
                    self.need(5)?;
                    container = Some((false, self.be(4), 5));
                    Value::Nil
                }
                _ if c & 0x80 == 0 => self.scalar(c as f64, 1)?,
                _ if c & 0xe0 == 0xe0 => self.scalar(c as i8 as f64, 1)?,
                _ if c & 0xe0 == 0xa0 => self.string(1, (c & 0x1f) as usize)?,
                _ if c & 0xf0 == 0x90 => {
                    container = Some((true, (c & 0xf) as u64, 1));
                    Value::Nil
                }
                _ if c & 0xf0 == 0x80 => {
                    container = Some((false, (c & 0xf) as u64, 1));
                    Value::Nil
                }
                _ => return Err(Stop::BadFormat),
            };
            let mut v = v;
            if let Some((array, len, hdr)) = container {
                self.pos += hdr;
                let t = self.lua.create_table()?;
                if array {
                    check_stack(top + 1, 1, "in function mp_decode_to_lua_array")?;
                }
                if len > 0 {
                    // The table, then the array index or the map key, on the stack.
                    if array {
                        open.push(Open::Array {
                            t,
                            left: len,
                            index: 1.0,
                        });
                        top += 2;
                    } else {
                        open.push(Open::Map {
                            t,
                            left: len,
                            key: None,
                        });
                        top += 1;
                    }
                    continue;
                }
                v = Value::Table(t);
            }
            // Store the value in the tables it completes.
            loop {
                let Some(frame) = open.last_mut() else {
                    return Ok(v);
                };
                let done = match frame {
                    Open::Array { t, left, index } => {
                        t.raw_set(*index, v)?;
                        *index += 1.0;
                        *left -= 1;
                        *left == 0
                    }
                    Open::Map { t, left, key } => match key.take() {
                        None => {
                            *key = Some(v);
                            top += 1;
                            break;
                        }
                        Some(k) => {
                            top -= 1;
                            match &k {
                                Value::Nil => {
                                    return Err(Stop::Fail(Fail::Bare("table index is nil".into())))
                                }
                                Value::Number(n) if n.is_nan() => {
                                    return Err(Stop::Fail(Fail::Bare("table index is NaN".into())))
                                }
                                _ => {}
                            }
                            t.raw_set(k, v)?;
                            *left -= 1;
                            *left == 0
                        }
                    },
                };
                if !done {
                    break;
                }
                let t = match open.pop() {
                    Some(Open::Array { t, .. }) => {
                        top -= 2;
                        t
                    }
                    Some(Open::Map { t, .. }) => {
                        top -= 1;
                        t
                    }
                    None => unreachable!("a frame was just inspected"),
                };
                v = Value::Table(t);
            }
        }
    }
}

/// `mp_unpack_full`: `nargs` is how many arguments stay on the C function's stack
/// (unpack keeps them all, unpack_one and unpack_limit drop all but the string).
fn unpack_full(
    lua: &Lua,
    args: &[Value],
    limit: i64,
    offset: i64,
    nargs: usize,
    fname: &'static str,
    mem: &MemLimit,
) -> R<Vec<Value>> {
    let s = check_bytes(args, 0, fname)?;
    let len = s.len();
    let decode_all = limit == 0 && offset == 0;
    if offset < 0 || limit < 0 {
        return Err(Fail::At(format!(
            "Invalid request to unpack with offset of {} and limit of {}.",
            offset as i32, len as i32
        )));
    }
    if offset as u64 > len as u64 {
        return Err(Fail::At(format!(
            "Start offset {} greater than input length {}.",
            offset as i32, len as i32
        )));
    }
    let limit = if decode_all { i32::MAX as i64 } else { limit };
    let mut d = Decoder {
        lua,
        mem,
        s: &s,
        pos: offset as usize,
        made: 0,
    };
    let mut out = Vec::new();
    while d.left() > 0 && (out.len() as i64) < limit {
        match d.value(nargs + out.len()) {
            Ok(v) => out.push(v),
            Err(Stop::Eof) => return Err(Fail::At("Missing bytes in input.".into())),
            Err(Stop::BadFormat) => return Err(Fail::At("Bad data format in input.".into())),
            Err(Stop::Fail(f)) => return Err(f),
        }
    }
    if !decode_all {
        check_stack(nargs + out.len(), 1, "in function mp_unpack_full")?;
        let next = if d.left() == 0 { -1.0 } else { d.pos as f64 };
        out.insert(0, Value::Number(next));
    }
    Ok(out)
}
