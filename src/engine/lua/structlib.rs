//! `struct`: Roberto Ierusalimschy's struct library as Redis 7.0 ships it
//! (deps/lua/src/lua_struct.c), for redis-server's platform (x86-64 Linux: little
//! endian, `int` 4 bytes, `long` and `size_t` 8, at most 8-byte alignment, integers
//! through a 64-bit `long`), with its error texts.
//!
//! * `struct.pack(fmt, ...)`: the values as a binary string.
//! * `struct.unpack(fmt, s [, pos])`: the values read from `s` at `pos` (1-based),
//!   then the position after them.
//! * `struct.size(fmt)`: the bytes `fmt` takes.
//!
//! Format: `>` big endian, `<` little endian, `![n]` alignment (power of 2, 8 when
//! omitted), `x` a zero byte, `b`/`B` `h`/`H` `l`/`L` `T` `i[n]`/`I[n]` signed and
//! unsigned integers (`n` bytes, up to 32), `f` float, `d` double, `s` a
//! zero-terminated string, `c[n]` n bytes (`c0`: the whole string when packing, the
//! length read just before when unpacking), spaces ignored. The format ends at a NUL.
//! C's behaviours at the edges are kept: numbers out of an integer's range wrap as
//! the x86-64 conversions do, integers wider than 8 bytes carry 64 bits, and
//! `unpack` returns at most as many values as Lua's C stack holds.

use omnilua::{Lua, Result, Table, Value};

use super::libs::{
    arg_error, c_fn, c_i64, c_u64, check_bytes, check_num, check_stack, opt_int, to_number, Fail,
    MemLimit,
};

type R<T> = std::result::Result<T, Fail>;

/// Largest integer size, in bytes.
const MAX_INT_SIZE: i32 = 32;
/// The default (and `!`'s) alignment: `double`'s on x86-64.
const MAX_ALIGN: i32 = 8;

/// Builds the `struct` table.
pub(crate) fn table(lua: &Lua, mem: MemLimit) -> Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("pack", c_fn(lua, move |lua, a| pack(lua, a, &mem))?)?;
    t.raw_set("unpack", c_fn(lua, unpack)?)?;
    t.raw_set("size", c_fn(lua, size)?)?;
    Ok(t)
}

/// Endianness and alignment, as `>`, `<` and `!` set them.
struct Header {
    little: bool,
    align: u64,
}

impl Header {
    fn new() -> Self {
        Header {
            little: true,
            align: 1,
        }
    }
}

/// A format string being read: C stops at the first NUL.
struct Fmt {
    s: Vec<u8>,
    i: usize,
}

impl Fmt {
    fn new(mut s: Vec<u8>) -> Self {
        if let Some(nul) = s.iter().position(|&c| c == 0) {
            s.truncate(nul);
        }
        Fmt { s, i: 0 }
    }

    fn next(&mut self) -> Option<u8> {
        let c = *self.s.get(self.i)?;
        self.i += 1;
        Some(c)
    }

    /// `getnum`: the digits at the cursor as an int, or `df` when there are none.
    fn num(&mut self, df: i32) -> R<i32> {
        if !self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            return Ok(df);
        }
        let mut a: i32 = 0;
        while let Some(&c) = self.s.get(self.i).filter(|c| c.is_ascii_digit()) {
            let d = (c - b'0') as i32;
            if a > i32::MAX / 10 || a * 10 > i32::MAX - d {
                return Err(Fail::At("integral size overflow".into()));
            }
            a = a * 10 + d;
            self.i += 1;
        }
        Ok(a)
    }

    /// `optsize`: the bytes option `opt` takes (0 for the ones that take none).
    fn size(&mut self, opt: u8) -> R<u64> {
        Ok(match opt {
            b'b' | b'B' | b'x' => 1,
            b'h' | b'H' => 2,
            b'l' | b'L' | b'T' | b'd' => 8,
            b'f' => 4,
            b'c' => self.num(1)? as u64,
            b'i' | b'I' => {
                let sz = self.num(4)?;
                if sz > MAX_INT_SIZE {
                    return Err(Fail::At(format!(
                        "integral size {sz} is larger than limit of {MAX_INT_SIZE}"
                    )));
                }
                sz as u64
            }
            _ => 0,
        })
    }

    /// `controloptions`: spaces, `>`, `<`, `!n`; anything else is an invalid option.
    fn control(&mut self, opt: u8, h: &mut Header, fname: &'static str) -> R<()> {
        match opt {
            b' ' => {}
            b'>' => h.little = false,
            b'<' => h.little = true,
            b'!' => {
                let a = self.num(MAX_ALIGN)?;
                if a <= 0 || a & (a - 1) != 0 {
                    return Err(Fail::At(format!("alignment {a} is not a power of 2")));
                }
                h.align = a as u64;
            }
            _ => {
                let c = String::from_utf8_lossy(&[opt]).into_owned();
                return Err(arg_error(
                    1,
                    fname,
                    format_args!("invalid format option '{c}'"),
                ));
            }
        }
        Ok(())
    }
}

/// `gettoalign`: padding before an item of `size` bytes at offset `len` (with C's
/// arithmetic, odd sizes included).
fn to_align(len: u64, h: &Header, opt: u8, size: u64) -> u64 {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(h.align);
    size.wrapping_sub(len & size.wrapping_sub(1)) & size.wrapping_sub(1)
}

fn is_int_option(opt: u8) -> bool {
    matches!(
        opt,
        b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I'
    )
}

fn string(lua: &Lua, b: &[u8]) -> R<Value> {
    Ok(Value::String(lua.create_string(b)?))
}

fn pack(lua: &Lua, args: &[Value], mem: &MemLimit) -> R<Vec<Value>> {
    let mut fmt = Fmt::new(check_bytes(args, 0, "pack")?);
    // b_pack pushes a nil after its arguments, so the first missing one is "nil".
    let mut padded = args.to_vec();
    padded.push(Value::Nil);
    let args = &padded[..];
    let mut h = Header::new();
    let mut arg = 1;
    let mut total: u64 = 0;
    let mut out: Vec<u8> = Vec::new();
    let room = mem.room(lua);
    while let Some(opt) = fmt.next() {
        let mut size = fmt.size(opt)?;
        let pad = to_align(total, &h, opt, size);
        total = total.wrapping_add(pad);
        out.resize(out.len() + pad as usize, 0);
        match opt {
            _ if is_int_option(opt) => {
                let n = check_num(args, arg, "pack")?;
                arg += 1;
                let mut v = if n < 0.0 { c_i64(n) as u64 } else { c_u64(n) };
                let mut buf = [0u8; MAX_INT_SIZE as usize];
                let buf = &mut buf[..size as usize];
                for b in buf.iter_mut() {
                    *b = v as u8;
                    v >>= 8;
                }
                if !h.little {
                    buf.reverse();
                }
                out.extend_from_slice(buf);
            }
            b'x' => out.push(0),
            b'f' => {
                let f = check_num(args, arg, "pack")? as f32;
                arg += 1;
                out.extend_from_slice(&if h.little {
                    f.to_le_bytes()
                } else {
                    f.to_be_bytes()
                });
            }
            b'd' => {
                let d = check_num(args, arg, "pack")?;
                arg += 1;
                out.extend_from_slice(&if h.little {
                    d.to_le_bytes()
                } else {
                    d.to_be_bytes()
                });
            }
            b'c' | b's' => {
                let s = check_bytes(args, arg, "pack")?;
                arg += 1;
                if size == 0 {
                    size = s.len() as u64;
                }
                if (s.len() as u64) < size {
                    return Err(arg_error(arg + 1, "pack", "string too short"));
                }
                let want = out.len().saturating_add(size as usize + 1);
                if want > room {
                    return Err(mem.exceeded(lua, want));
                }
                out.extend_from_slice(&s[..size as usize]);
                if opt == b's' {
                    out.push(0);
                    size += 1;
                }
            }
            _ => fmt.control(opt, &mut h, "pack")?,
        }
        total = total.wrapping_add(size);
        if out.len() > room {
            return Err(mem.exceeded(lua, out.len()));
        }
    }
    Ok(vec![string(lua, &out)?])
}

/// `getinteger`: `b` as an integer of `b.len()` bytes, through a 64-bit `long` (wider
/// integers keep their low 64 bits, and the sign test uses C's shift as x86-64
/// performs it, count modulo 64).
fn get_integer(b: &[u8], little: bool, signed: bool) -> f64 {
    let mut l: u64 = 0;
    if little {
        for &c in b.iter().rev() {
            l = (l << 8) | c as u64;
        }
    } else {
        for &c in b {
            l = (l << 8) | c as u64;
        }
    }
    if !signed {
        return l as f64;
    }
    let shift = ((b.len() as u32).wrapping_mul(8).wrapping_sub(1)) & 63;
    let mask = !0u64 << shift;
    if l & mask != 0 {
        l |= mask;
    }
    l as i64 as f64
}

fn unpack(lua: &Lua, args: &[Value]) -> R<Vec<Value>> {
    let mut fmt = Fmt::new(check_bytes(args, 0, "unpack")?);
    let data = check_bytes(args, 1, "unpack")?;
    let ld = data.len() as u64;
    let mut pos = opt_int(args, 2, 1, "unpack")? as u64;
    if pos == 0 {
        return Err(arg_error(3, "unpack", "offset must be 1 or greater"));
    }
    pos -= 1;
    let mut h = Header::new();
    let mut out: Vec<Value> = Vec::new();
    let too_short = || arg_error(2, "unpack", "data string too short");
    while let Some(opt) = fmt.next() {
        let mut size = fmt.size(opt)?;
        pos = pos.wrapping_add(to_align(pos, &h, opt, size));
        if !(size <= ld && pos <= ld - size) {
            return Err(too_short());
        }
        check_stack(args.len() + out.len(), 2, "too many results")?;
        let at = pos as usize;
        match opt {
            _ if is_int_option(opt) => {
                let b = &data[at..at + size as usize];
                out.push(Value::Number(get_integer(
                    b,
                    h.little,
                    opt.is_ascii_lowercase(),
                )));
            }
            b'x' => {}
            b'f' => {
                let b: [u8; 4] = data[at..at + 4].try_into().unwrap_or_default();
                let f = if h.little {
                    f32::from_le_bytes(b)
                } else {
                    f32::from_be_bytes(b)
                };
                out.push(Value::Number(f as f64));
            }
            b'd' => {
                let b: [u8; 8] = data[at..at + 8].try_into().unwrap_or_default();
                let d = if h.little {
                    f64::from_le_bytes(b)
                } else {
                    f64::from_be_bytes(b)
                };
                out.push(Value::Number(d));
            }
            b'c' => {
                if size == 0 {
                    let prev = out.last().and_then(to_number);
                    let Some(n) = prev else {
                        return Err(Fail::At("format 'c0' needs a previous size".into()));
                    };
                    size = c_u64(n);
                    out.pop();
                    if !(size <= ld && pos <= ld - size) {
                        return Err(too_short());
                    }
                }
                out.push(string(lua, &data[at..at + size as usize])?);
            }
            b's' => {
                let Some(len) = data[at..].iter().position(|&c| c == 0) else {
                    return Err(Fail::At("unfinished string in data".into()));
                };
                size = len as u64 + 1;
                out.push(string(lua, &data[at..at + len])?);
            }
            _ => fmt.control(opt, &mut h, "unpack")?,
        }
        pos = pos.wrapping_add(size);
    }
    out.push(Value::Number(pos.wrapping_add(1) as i64 as f64));
    Ok(out)
}

fn size(_: &Lua, args: &[Value]) -> R<Vec<Value>> {
    let mut fmt = Fmt::new(check_bytes(args, 0, "size")?);
    let mut h = Header::new();
    let mut pos: u64 = 0;
    while let Some(opt) = fmt.next() {
        let size = fmt.size(opt)?;
        pos = pos.wrapping_add(to_align(pos, &h, opt, size));
        if opt == b's' {
            return Err(arg_error(1, "size", "option 's' has no fixed size"));
        } else if opt == b'c' && size == 0 {
            return Err(arg_error(1, "size", "option 'c0' has no fixed size"));
        }
        if !opt.is_ascii_alphanumeric() {
            fmt.control(opt, &mut h, "size")?;
        }
        pos = pos.wrapping_add(size);
    }
    Ok(vec![Value::Number(pos as i64 as f64)])
}
