//! `cjson`: lua-cjson 2.1 as Redis embeds it (default settings: numbers as `%.14g`,
//! sparse arrays of more than 10 slots and under half full refused, 1000 levels of
//! nesting), with its error texts.

use std::cell::Cell;
use std::rc::Rc;

use omnilua::{Lua, Result, Table, Value};

use super::libs::{fmt_g, lua_fn, rt, type_name};

/// lua-cjson allows 1000; fewer here, so a deep document cannot overflow the Rust
/// stack (wasm has 1 MiB, debug builds use kilobytes a level).
const MAX_DEPTH: usize = 200;

/// The settings lua-cjson keeps per Lua state and its configuration functions change:
/// nesting limits (capped at MAX_DEPTH here) and what to do with NaN and Inf.
struct Settings {
    encode_depth: Cell<usize>,
    decode_depth: Cell<usize>,
    /// 0: refuse (default), 1: write them as `%.14g` prints them, 2: write `null`.
    encode_invalid: Cell<u8>,
    keep_buffer: Cell<bool>,
}

/// `cjson.null`: a NULL light userdata, as lua-cjson's.
pub(crate) fn null() -> Value {
    Value::LightUserData(std::ptr::null_mut())
}

/// Builds the `cjson` table (`null` is added by the Lua side).
pub(crate) fn table(lua: &Lua) -> Result<Table> {
    let t = lua.create_table()?;
    let cfg = Rc::new(Settings {
        encode_depth: Cell::new(1000),
        decode_depth: Cell::new(1000),
        encode_invalid: Cell::new(0),
        keep_buffer: Cell::new(true),
    });
    let c = cfg.clone();
    t.raw_set(
        "encode",
        lua_fn(lua, move |lua, args| {
            if args.len() != 1 {
                return Err(rt("bad argument #1 to 'encode' (expected 1 argument)"));
            }
            let mut out = Vec::new();
            encode(&args[0], 0, &mut out, &c)?;
            Ok(Value::String(lua.create_string(&out)?))
        })?,
    )?;
    let c = cfg.clone();
    t.raw_set(
        "decode",
        lua_fn(lua, move |lua, args| {
            if args.len() != 1 {
                return Err(rt("bad argument #1 to 'decode' (expected 1 argument)"));
            }
            let text = match &args[0] {
                Value::String(s) => s.as_bytes()?,
                Value::Number(n) => super::libs::lua_number_str(*n).into_bytes(),
                Value::Integer(i) => i.to_string().into_bytes(),
                other => {
                    return Err(rt(format_args!(
                        "bad argument #1 to 'decode' (string expected, got {})",
                        type_name(Some(other))
                    )))
                }
            };
            let mut p = Parser {
                s: &text,
                pos: 0,
                depth: 0,
                max_depth: c.decode_depth.get().min(MAX_DEPTH),
            };
            p.decode(lua)
        })?,
    )?;
    // The configuration functions: each sets its option when given one and answers
    // the setting in force (lua-cjson's json_enum_option / json_integer_option).
    let c = cfg.clone();
    t.raw_set(
        "encode_keep_buffer",
        lua_fn(lua, move |_, args| {
            // Whether the encode buffer is reused between calls: no visible effect.
            if let Some(b) = bool_option(args, "encode_keep_buffer")? {
                c.keep_buffer.set(b);
            }
            Ok(Value::Boolean(c.keep_buffer.get()))
        })?,
    )?;
    let c = cfg.clone();
    t.raw_set(
        "encode_max_depth",
        lua_fn(lua, move |_, args| {
            if let Some(n) = depth_option(args, "encode_max_depth")? {
                c.encode_depth.set(n);
            }
            Ok(Value::Number(c.encode_depth.get() as f64))
        })?,
    )?;
    let c = cfg.clone();
    t.raw_set(
        "decode_max_depth",
        lua_fn(lua, move |_, args| {
            if let Some(n) = depth_option(args, "decode_max_depth")? {
                c.decode_depth.set(n);
            }
            Ok(Value::Number(c.decode_depth.get() as f64))
        })?,
    )?;
    let c = cfg;
    t.raw_set(
        "encode_invalid_numbers",
        lua_fn(lua, move |lua, args| {
            match args.first() {
                None | Some(Value::Nil) => {}
                Some(Value::Boolean(b)) => c.encode_invalid.set(*b as u8),
                Some(Value::String(s)) if s.as_bytes()? == b"null" => c.encode_invalid.set(2),
                Some(Value::String(s)) => {
                    return Err(rt(format_args!(
                        "bad argument #1 to 'encode_invalid_numbers' (invalid option '{}')",
                        String::from_utf8_lossy(&s.as_bytes()?)
                    )))
                }
                Some(other) => {
                    return Err(rt(format_args!(
                        "bad argument #1 to 'encode_invalid_numbers' (string expected, got {})",
                        type_name(Some(other))
                    )))
                }
            }
            Ok(match c.encode_invalid.get() {
                0 => Value::Boolean(false),
                1 => Value::Boolean(true),
                _ => Value::String(lua.create_string(b"null")?),
            })
        })?,
    )?;
    t.raw_set("_NAME", "cjson")?;
    t.raw_set("_VERSION", "2.1.0")?;
    Ok(t)
}

/// An optional boolean option argument.
fn bool_option(args: &[Value], name: &str) -> Result<Option<bool>> {
    match args.first() {
        None | Some(Value::Nil) => Ok(None),
        Some(Value::Boolean(b)) => Ok(Some(*b)),
        Some(other) => Err(rt(format_args!(
            "bad argument #1 to '{name}' (boolean expected, got {})",
            type_name(Some(other))
        ))),
    }
}

/// An optional nesting depth, 1 to INT_MAX.
fn depth_option(args: &[Value], name: &str) -> Result<Option<usize>> {
    let n = match args.first() {
        None | Some(Value::Nil) => return Ok(None),
        Some(Value::Number(n)) => *n,
        Some(Value::Integer(i)) => *i as f64,
        Some(other) => {
            return Err(rt(format_args!(
                "bad argument #1 to '{name}' (number expected, got {})",
                type_name(Some(other))
            )))
        }
    };
    if !(1.0..=i32::MAX as f64).contains(&n) {
        return Err(rt(format_args!(
            "bad argument #1 to '{name}' (expected integer between 1 and {})",
            i32::MAX
        )));
    }
    Ok(Some(n as usize))
}

fn encode(v: &Value, depth: usize, out: &mut Vec<u8>, cfg: &Settings) -> Result<()> {
    match v {
        Value::Nil => out.extend_from_slice(b"null"),
        Value::LightUserData(p) if p.is_null() => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => number(*n, out, cfg)?,
        Value::Integer(i) => number(*i as f64, out, cfg)?,
        Value::String(s) => string(&s.as_bytes()?, out),
        Value::Table(t) => {
            let depth = depth + 1;
            if depth > cfg.encode_depth.get().min(MAX_DEPTH) {
                return Err(rt(format_args!(
                    "Cannot serialise, excessive nesting ({depth})"
                )));
            }
            let pairs = t.raw_pairs()?;
            match array_length(&pairs)? {
                Some(len) if len > 0 => {
                    out.push(b'[');
                    for i in 1..=len {
                        if i > 1 {
                            out.push(b',');
                        }
                        let item: Value = t.raw_get(i as f64)?;
                        encode(&item, depth, out, cfg)?;
                    }
                    out.push(b']');
                }
                _ => {
                    out.push(b'{');
                    for (n, (k, val)) in pairs.iter().enumerate() {
                        if n > 0 {
                            out.push(b',');
                        }
                        match k {
                            Value::String(s) => string(&s.as_bytes()?, out),
                            Value::Number(x) => {
                                out.push(b'"');
                                number(*x, out, cfg)?;
                                out.push(b'"');
                            }
                            Value::Integer(i) => {
                                out.push(b'"');
                                number(*i as f64, out, cfg)?;
                                out.push(b'"');
                            }
                            other => {
                                return Err(rt(format_args!(
                                    "Cannot serialise {}: table key must be a number or string",
                                    type_name(Some(other))
                                )))
                            }
                        }
                        out.push(b':');
                        encode(val, depth, out, cfg)?;
                    }
                    out.push(b'}');
                }
            }
        }
        other => {
            return Err(rt(format_args!(
                "Cannot serialise {}: type not supported",
                type_name(Some(other))
            )))
        }
    }
    Ok(())
}

/// lua-cjson's `lua_array_length`: Some(max index) when every key is a positive
/// integer, None for an object; an error for an excessively sparse array.
fn array_length(pairs: &[(Value, Value)]) -> Result<Option<usize>> {
    let mut max = 0usize;
    for (k, _) in pairs {
        let n = match k {
            Value::Number(n) => *n,
            Value::Integer(i) => *i as f64,
            _ => return Ok(None),
        };
        if n < 1.0 || n.floor() != n || n > 1e15 {
            return Ok(None);
        }
        max = max.max(n as usize);
    }
    let items = pairs.len();
    if max > items * 2 && max > 10 {
        return Err(rt("Cannot serialise table: excessively sparse array"));
    }
    Ok(Some(max))
}

fn number(n: f64, out: &mut Vec<u8>, cfg: &Settings) -> Result<()> {
    if !n.is_finite() {
        match cfg.encode_invalid.get() {
            0 => return Err(rt("Cannot serialise number: must not be NaN or Inf")),
            1 => {}
            _ => {
                out.extend_from_slice(b"null");
                return Ok(());
            }
        }
    }
    out.extend_from_slice(fmt_g(n, 14).as_bytes());
    Ok(())
}

fn string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            8 => out.extend_from_slice(b"\\b"),
            12 => out.extend_from_slice(b"\\f"),
            0..=31 | 127 => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

#[derive(Debug, PartialEq)]
enum Tok {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    Str(Vec<u8>),
    Num(f64),
    Bool(bool),
    Null,
    Colon,
    Comma,
    End,
    Error(&'static str),
}

impl Tok {
    fn name(&self) -> &'static str {
        match self {
            Tok::ObjBegin => "T_OBJ_BEGIN",
            Tok::ObjEnd => "T_OBJ_END",
            Tok::ArrBegin => "T_ARR_BEGIN",
            Tok::ArrEnd => "T_ARR_END",
            Tok::Str(_) => "T_STRING",
            Tok::Num(_) => "T_NUMBER",
            Tok::Bool(_) => "T_BOOLEAN",
            Tok::Null => "T_NULL",
            Tok::Colon => "T_COLON",
            Tok::Comma => "T_COMMA",
            Tok::End => "T_END",
            Tok::Error(e) => e,
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
    max_depth: usize,
}

impl Parser<'_> {
    fn decode(&mut self, lua: &Lua) -> Result<Value> {
        let (tok, at) = self.next();
        let v = self.value(lua, tok, at)?;
        let (tok, at) = self.next();
        if tok != Tok::End {
            return Err(expected("the end", &tok, at));
        }
        Ok(v)
    }

    fn value(&mut self, lua: &Lua, tok: Tok, at: usize) -> Result<Value> {
        Ok(match tok {
            Tok::Str(s) => Value::String(lua.create_string(&s)?),
            Tok::Num(n) => Value::Number(n),
            Tok::Bool(b) => Value::Boolean(b),
            Tok::Null => null(),
            Tok::ObjBegin => Value::Table(self.object(lua)?),
            Tok::ArrBegin => Value::Table(self.array(lua)?),
            other => return Err(expected("value", &other, at)),
        })
    }

    fn nest(&mut self, at: usize) -> Result<()> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(rt(format_args!(
                "Found too many nested data structures ({}) at character {}",
                self.depth,
                at + 1
            )));
        }
        Ok(())
    }

    fn object(&mut self, lua: &Lua) -> Result<Table> {
        self.nest(self.pos - 1)?;
        let t = lua.create_table()?;
        let (mut tok, mut at) = self.next();
        if tok == Tok::ObjEnd {
            self.depth -= 1;
            return Ok(t);
        }
        loop {
            let key = match tok {
                Tok::Str(s) => s,
                other => return Err(expected("object key string", &other, at)),
            };
            let (colon, cat) = self.next();
            if colon != Tok::Colon {
                return Err(expected("colon", &colon, cat));
            }
            let (vt, vat) = self.next();
            let v = self.value(lua, vt, vat)?;
            t.raw_set(Value::String(lua.create_string(&key)?), v)?;
            let (sep, sat) = self.next();
            match sep {
                Tok::ObjEnd => break,
                Tok::Comma => {}
                other => return Err(expected("comma or object end", &other, sat)),
            }
            (tok, at) = self.next();
        }
        self.depth -= 1;
        Ok(t)
    }

    fn array(&mut self, lua: &Lua) -> Result<Table> {
        self.nest(self.pos - 1)?;
        let t = lua.create_table()?;
        let (mut tok, mut at) = self.next();
        if tok == Tok::ArrEnd {
            self.depth -= 1;
            return Ok(t);
        }
        let mut i = 1.0;
        loop {
            let v = self.value(lua, tok, at)?;
            t.raw_set(i, v)?;
            i += 1.0;
            let (sep, sat) = self.next();
            match sep {
                Tok::ArrEnd => break,
                Tok::Comma => {}
                other => return Err(expected("comma or array end", &other, sat)),
            }
            (tok, at) = self.next();
        }
        self.depth -= 1;
        Ok(t)
    }

    /// The next token and the offset it starts at.
    fn next(&mut self) -> (Tok, usize) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
        let at = self.pos;
        let Some(&c) = self.s.get(at) else {
            return (Tok::End, at);
        };
        let single = match c {
            b'{' => Some(Tok::ObjBegin),
            b'}' => Some(Tok::ObjEnd),
            b'[' => Some(Tok::ArrBegin),
            b']' => Some(Tok::ArrEnd),
            b',' => Some(Tok::Comma),
            b':' => Some(Tok::Colon),
            _ => None,
        };
        if let Some(t) = single {
            self.pos += 1;
            return (t, at);
        }
        let tok = match c {
            b'"' => self.string(),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.word(b"true", Tok::Bool(true)),
            b'f' => self.word(b"false", Tok::Bool(false)),
            b'n' => self.word(b"null", Tok::Null),
            _ => Tok::Error("invalid token"),
        };
        (tok, at)
    }

    fn word(&mut self, w: &[u8], tok: Tok) -> Tok {
        if self.s[self.pos..].starts_with(w) {
            self.pos += w.len();
            tok
        } else {
            Tok::Error("invalid token")
        }
    }

    fn number(&mut self) -> Tok {
        let start = self.pos;
        let s = self.s;
        let mut end = start;
        if s.get(end) == Some(&b'-') {
            end += 1;
        }
        // A leading zero followed by a digit, or hex, is invalid JSON.
        if s.get(end) == Some(&b'0') && matches!(s.get(end + 1), Some(b'0'..=b'9' | b'x' | b'X')) {
            return Tok::Error("invalid number");
        }
        while end < s.len() && s[end].is_ascii_digit() {
            end += 1;
        }
        if s.get(end) == Some(&b'.') {
            end += 1;
            while end < s.len() && s[end].is_ascii_digit() {
                end += 1;
            }
        }
        if matches!(s.get(end), Some(b'e' | b'E')) {
            let mut e = end + 1;
            if matches!(s.get(e), Some(b'+' | b'-')) {
                e += 1;
            }
            if s.get(e).is_some_and(|c| c.is_ascii_digit()) {
                while e < s.len() && s[e].is_ascii_digit() {
                    e += 1;
                }
                end = e;
            }
        }
        let text = std::str::from_utf8(&s[start..end]).unwrap_or("");
        match text.parse::<f64>() {
            Ok(n) => {
                self.pos = end;
                Tok::Num(n)
            }
            Err(_) => Tok::Error("invalid number"),
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let h = self.s.get(at..at + 4)?;
        let t = std::str::from_utf8(h).ok()?;
        if !t.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(t, 16).ok()
    }

    fn string(&mut self) -> Tok {
        let mut out = Vec::new();
        self.pos += 1;
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Tok::Error("unexpected end of string");
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    return Tok::Str(out);
                }
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos + 1) else {
                        return Tok::Error("unexpected end of string");
                    };
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        _ => None,
                    };
                    if let Some(b) = simple {
                        out.push(b);
                        self.pos += 2;
                        continue;
                    }
                    if e != b'u' {
                        return Tok::Error("invalid escape code");
                    }
                    let Some(mut cp) = self.hex4(self.pos + 2) else {
                        return Tok::Error("invalid unicode escape code");
                    };
                    let mut len = 6;
                    if (0xD800..0xDC00).contains(&cp) {
                        // A high surrogate must be followed by \u and a low surrogate.
                        if self.s.get(self.pos + 6..self.pos + 8) != Some(b"\\u") {
                            return Tok::Error("invalid unicode escape code");
                        }
                        match self.hex4(self.pos + 8) {
                            Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                len = 12;
                            }
                            _ => return Tok::Error("invalid unicode escape code"),
                        }
                    } else if (0xDC00..0xE000).contains(&cp) {
                        return Tok::Error("invalid unicode escape code");
                    }
                    let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    self.pos += len;
                }
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }
}

fn expected(what: &str, found: &Tok, at: usize) -> omnilua::Error {
    rt(format_args!(
        "Expected {what} but found {} at character {}",
        found.name(),
        at + 1
    ))
}
