//! Replies, as the engine produces them, before any wire encoding.
//!
//! One type covers RESP2 and RESP3. Types that only RESP3 has (maps, sets, doubles,
//! booleans, verbatim strings) degrade to their RESP2 forms when encoded for a RESP2
//! client, exactly as Redis's `addReply*` helpers do.

#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// `+OK`. Borrowed for the fixed words most commands answer with (`OK`, `QUEUED`,
    /// `PONG`), which then cost no allocation (Redis's shared replies).
    Status(std::borrow::Cow<'static, str>),
    /// `-ERR ...`: the full text, code included.
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    /// The null bulk string (`$-1` in RESP2, `_` in RESP3).
    Nil,
    /// The null array (`*-1` in RESP2, `_` in RESP3).
    NilArray,
    Array(Vec<Reply>),
    /// A RESP3 double; RESP2 clients get it as a bulk string in `%.17g` form.
    Double(f64),
    /// A double with its text already made (GEOPOS prints long-double digits): RESP3
    /// sends it as a double, RESP2 as a bulk string.
    DoubleText(String),
    /// A RESP3 map; RESP2 clients get a flat array.
    Map(Vec<(Reply, Reply)>),
    /// A RESP3 set; RESP2 clients get an array.
    Set(Vec<Reply>),
    /// A RESP3 boolean; RESP2 clients get 1 or 0.
    Bool(bool),
    /// A RESP3 verbatim string with its 3-letter format; RESP2 clients get a bulk string.
    Verbatim(&'static str, Vec<u8>),
    /// A RESP3 push frame (`>N`): a Pub/Sub message or confirmation. RESP2 clients
    /// get an array.
    Push(Vec<Reply>),
    /// Several replies in a row, as one command sends them (SUBSCRIBE a b: one
    /// confirmation per channel). Encoded one after the other, with no header.
    Seq(Vec<Reply>),
    /// Not a reply: the command blocks (BZPOPMIN on empty keys). The engine parks the
    /// client and the host gets its real reply later from `Engine::take_ready`.
    Blocked,
    /// Not a reply: the server closes the connection without answering. Redis does this
    /// to a request that starts with `POST` or `Host:` (an HTTP request: a cross-protocol
    /// attack). redis-cli prints "Error: Server closed the connection".
    Closed,
}

impl Reply {
    /// The bulk strings an array or set reply holds, in order (other items skipped).
    pub fn bulk_items(&self) -> Vec<Vec<u8>> {
        match self {
            Reply::Array(items) | Reply::Set(items) => items
                .iter()
                .filter_map(|r| match r {
                    Reply::Bulk(v) => Some(v.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn ok() -> Reply {
        Reply::Status(std::borrow::Cow::Borrowed("OK"))
    }
    /// A status reply of fixed text (no allocation).
    pub const fn status(s: &'static str) -> Reply {
        Reply::Status(std::borrow::Cow::Borrowed(s))
    }
    pub fn err(s: impl Into<String>) -> Reply {
        Reply::Error(s.into())
    }
    pub fn bulk(s: impl AsRef<[u8]>) -> Reply {
        Reply::Bulk(s.as_ref().to_vec())
    }
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }
}

/// Redis's shared error replies, word for word.
pub mod errors {
    pub const SYNTAX: &str = "ERR syntax error";
    pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
    pub const NOT_INT: &str = "ERR value is not an integer or out of range";
    pub const NOT_FLOAT: &str = "ERR value is not a valid float";
    pub const NO_SUCH_KEY: &str = "ERR no such key";
    pub const OUT_OF_RANGE: &str = "ERR index out of range";
    pub const DB_INDEX: &str = "ERR DB index is out of range";
    pub const SAME_OBJECT: &str = "ERR source and destination objects are the same";
}

/// Formats a double as Redis's `%.17g` replies do (inf, -inf, shortest-exact otherwise).
pub fn format_double_g17(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v.is_nan() {
        return "nan".into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Whole numbers print as integers (what %.17g gives for them, much faster).
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return (v as i64).to_string();
    }
    // %.17g: 17 significant digits, then trailing zeros trimmed, exponent form when the
    // decimal exponent is < -4 or >= 17.
    let sci = format!("{:.16e}", v);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..17).contains(&exp) {
        let mant = trim_frac(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", exp.abs());
    }
    let places = (16 - exp).max(0) as usize;
    trim_frac(&format!("{:.*}", places, v)).to_string()
}

fn trim_frac(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn g17() {
        assert_eq!(format_double_g17(1.1), "1.1000000000000001");
        assert_eq!(format_double_g17(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_double_g17(3.0), "3");
        assert_eq!(format_double_g17(1e20), "1e+20");
        assert_eq!(format_double_g17(1.5e-7), "1.4999999999999999e-07");
        assert_eq!(format_double_g17(f64::INFINITY), "inf");
        assert_eq!(format_double_g17(123456.0), "123456");
    }
}
