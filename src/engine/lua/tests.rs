//! Unit tests with a fake host. Expected texts come from redis-server 7.0.15
//! (tests/diff/lua_probes.txt has the probes).

use std::collections::HashMap;

use super::*;

mod libs_probes;

#[derive(Default)]
struct FakeHost {
    data: HashMap<Vec<u8>, Vec<u8>>,
    logs: Vec<(i32, Vec<u8>)>,
    calls: usize,
}

impl Host for FakeHost {
    fn call(&mut self, argv: &[Vec<u8>], _resp: u8) -> Reply {
        self.calls += 1;
        let cmd = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
        match (cmd.as_str(), argv.len()) {
            ("get", 2) => self
                .data
                .get(&argv[1])
                .map(Reply::bulk)
                .unwrap_or(Reply::Nil),
            ("set", 3) => {
                self.data.insert(argv[1].clone(), argv[2].clone());
                Reply::ok()
            }
            ("incr", 2) => {
                let cur = self.data.get(&argv[1]).cloned().unwrap_or(b"0".to_vec());
                match String::from_utf8_lossy(&cur).parse::<i64>() {
                    Ok(n) => {
                        self.data
                            .insert(argv[1].clone(), (n + 1).to_string().into_bytes());
                        Reply::Int(n + 1)
                    }
                    Err(_) => Reply::err("ERR value is not an integer or out of range"),
                }
            }
            ("hgetall", 2) => Reply::Map(vec![(Reply::bulk("f"), Reply::bulk("v"))]),
            ("smembers", 2) => Reply::Set(vec![Reply::bulk("m")]),
            ("zscore", 3) => Reply::Double(1.5),
            ("sismember", 3) => Reply::Bool(true),
            ("echo", 2) => Reply::Bulk(argv[1].clone()),
            ("info", _) => Reply::Verbatim("txt", b"hi".to_vec()),
            ("get" | "set" | "incr", _) => {
                Reply::err("ERR Wrong number of args calling Redis command from script")
            }
            _ => Reply::err("ERR Unknown Redis command called from script"),
        }
    }
    fn log(&mut self, level: i32, msg: &[u8]) {
        self.logs.push((level, msg.to_vec()));
    }
}

fn limits() -> Limits {
    Limits {
        instructions: 5_000_000,
        memory: 32 << 20,
        ticks: false,
    }
}

struct T {
    s: Scripts,
    h: FakeHost,
}

impl T {
    fn new() -> T {
        T {
            s: Scripts::new(Prng::new()),
            h: FakeHost::default(),
        }
    }
    fn eval_kv(&mut self, body: &str, keys: &[&str], args: &[&str]) -> Reply {
        let sha = match self.s.load(body.as_bytes()) {
            Ok(s) => s,
            Err(e) => return e,
        };
        let k: Vec<Vec<u8>> = keys.iter().map(|s| s.as_bytes().to_vec()).collect();
        let a: Vec<Vec<u8>> = args.iter().map(|s| s.as_bytes().to_vec()).collect();
        self.s.run(&sha, &k, &a, &mut self.h, &limits())
    }
    fn eval(&mut self, body: &str) -> Reply {
        self.eval_kv(body, &[], &[])
    }
}

fn err(s: &str) -> Reply {
    Reply::Error(s.to_string())
}

fn trailer(body: &str, line: u32) -> String {
    format!(
        " script: {}, on @user_script:{line}.",
        sha1hex(body.as_bytes())
    )
}

#[test]
fn call_pcall_and_keys() {
    let mut t = T::new();
    assert_eq!(
        t.eval("return redis.call('set','k','v')"),
        Reply::Status("OK".into())
    );
    assert_eq!(t.eval("return redis.call('get','k')"), Reply::bulk("v"));
    assert_eq!(
        t.eval_kv("return KEYS[1]..ARGV[1]", &["k"], &["v"]),
        Reply::bulk("kv")
    );
    assert_eq!(
        t.eval_kv("return #KEYS + #ARGV", &["a", "b"], &["c", "d", "e"]),
        Reply::Int(5)
    );
    t.h.data.insert(b"x".to_vec(), b"a".to_vec());
    let body = "return redis.call('incr','x')";
    assert_eq!(
        t.eval(body),
        err(&format!(
            "ERR value is not an integer or out of range{}",
            trailer(body, 1)
        ))
    );
    assert_eq!(
        t.eval("return redis.pcall('incr','x')"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        t.eval("local ok, e = pcall(redis.call, 'incr', 'x') return {tostring(ok), e}"),
        Reply::Array(vec![
            Reply::bulk("false"),
            Reply::bulk("ERR value is not an integer or out of range")
        ])
    );
    assert_eq!(
        t.eval("local r = redis.pcall('incr','x') return {type(r), r.err}"),
        Reply::Array(vec![
            Reply::bulk("table"),
            Reply::bulk("ERR value is not an integer or out of range")
        ])
    );
    let body = "return redis.call('nosuch')";
    assert_eq!(
        t.eval(body),
        err(&format!(
            "ERR Unknown Redis command called from script{}",
            trailer(body, 1)
        ))
    );
    let body = "return redis.call()";
    assert_eq!(
        t.eval(body),
        err(&format!(
            "ERR Please specify at least one argument for this redis lib call{}",
            trailer(body, 1)
        ))
    );
    assert_eq!(
        t.eval("return redis.pcall()"),
        err("ERR Please specify at least one argument for this redis lib call")
    );
    let body = "return redis.call('get',{})";
    assert_eq!(
        t.eval(body),
        err(&format!(
            "ERR Lua redis lib command arguments must be strings or integers{}",
            trailer(body, 1)
        ))
    );
    // Numbers: integers as integers, the rest as %.17g.
    t.eval("redis.call('set','n',3.7) redis.call('set','m',1e20) redis.call('set','i',42)");
    assert_eq!(t.h.data[&b"n".to_vec()], b"3.7000000000000002");
    assert_eq!(t.h.data[&b"m".to_vec()], b"1e+20");
    assert_eq!(t.h.data[&b"i".to_vec()], b"42");
}

#[test]
fn lua_to_redis_conversions() {
    let mut t = T::new();
    assert_eq!(t.eval("return 3.99"), Reply::Int(3));
    assert_eq!(t.eval("return -3.99"), Reply::Int(-3));
    assert_eq!(t.eval("return 0/0"), Reply::Int(i64::MIN));
    assert_eq!(t.eval("return 1e30"), Reply::Int(i64::MIN));
    assert_eq!(t.eval("return true"), Reply::Int(1));
    assert_eq!(t.eval("return false"), Reply::Nil);
    assert_eq!(t.eval("return nil"), Reply::Nil);
    assert_eq!(
        t.eval("return {1,2,3,nil,5}"),
        Reply::Array(vec![Reply::Int(1), Reply::Int(2), Reply::Int(3)])
    );
    assert_eq!(
        t.eval("return {1,'a',{2,3},true,false,{ok='x'},{err='E x'}}"),
        Reply::Array(vec![
            Reply::Int(1),
            Reply::bulk("a"),
            Reply::Array(vec![Reply::Int(2), Reply::Int(3)]),
            Reply::Int(1),
            Reply::Nil,
            Reply::Status("x".into()),
            err("E x"),
        ])
    );
    assert_eq!(t.eval("return redis.error_reply('x')"), err("ERR x"));
    assert_eq!(t.eval("return redis.error_reply('MY x')"), err("MY x"));
    assert_eq!(t.eval("return redis.error_reply('-X y')"), err("X y"));
    assert_eq!(t.eval("return redis.error_reply('')"), err("ERR "));
    assert_eq!(
        t.eval("return redis.error_reply()"),
        err("ERR wrong number or type of arguments")
    );
    assert_eq!(t.eval("return {err='x'}"), err("x"));
    assert_eq!(t.eval("return {err='a\\nb'}"), err("a b"));
    assert_eq!(t.eval("return {ok='a', err='b'}"), err("b"));
    assert_eq!(t.eval("return {err=1}"), Reply::Array(vec![]));
    assert_eq!(
        t.eval("return redis.status_reply('FINE')"),
        Reply::Status("FINE".into())
    );
    assert_eq!(t.eval("return {double=3.5}"), Reply::Double(3.5));
    assert_eq!(t.eval("return {big_number='123'}"), Reply::bulk("123"));
    assert_eq!(
        t.eval("return {map={a=1}}"),
        Reply::Map(vec![(Reply::bulk("a"), Reply::Int(1))])
    );
    assert_eq!(
        t.eval("return {set={a=true}}"),
        Reply::Set(vec![Reply::bulk("a")])
    );
    assert_eq!(
        t.eval("return {verbatim_string={format='txt', string='hi'}}"),
        Reply::Verbatim("txt", b"hi".to_vec())
    );
    // setresp(3): booleans stay booleans.
    assert_eq!(t.eval("redis.setresp(3) return true"), Reply::Bool(true));
    assert_eq!(t.eval("redis.setresp(3) return false"), Reply::Bool(false));
    // ... for that run only.
    assert_eq!(t.eval("return false"), Reply::Nil);
    // A table that contains itself ends, with an error inside.
    let r = t.eval("local t = {} t[1] = t return t");
    assert!(format!("{r:?}").contains("reached lua stack limit"));
}

#[test]
fn redis_to_lua_conversions() {
    let mut t = T::new();
    assert_eq!(
        t.eval("local r = redis.call('get','nokey') return type(r)..tostring(r)"),
        Reply::bulk("booleanfalse")
    );
    assert_eq!(
        t.eval("redis.setresp(3) local r = redis.call('get','nokey') return type(r)"),
        Reply::bulk("nil")
    );
    assert_eq!(
        t.eval("local r = redis.call('set','k','v') return {type(r), r.ok}"),
        Reply::Array(vec![Reply::bulk("table"), Reply::bulk("OK")])
    );
    // RESP2: a map is a flat array, a double a string, a boolean 1/0.
    assert_eq!(
        t.eval("return redis.call('hgetall','h')"),
        Reply::Array(vec![Reply::bulk("f"), Reply::bulk("v")])
    );
    assert_eq!(
        t.eval("local r = redis.call('zscore','z','m') return {type(r), r}"),
        Reply::Array(vec![Reply::bulk("string"), Reply::bulk("1.5")])
    );
    assert_eq!(
        t.eval("return redis.call('sismember','s','m')"),
        Reply::Int(1)
    );
    // RESP3 forms.
    assert_eq!(
        t.eval(
            "redis.setresp(3) local r = redis.call('hgetall','h') return {type(r.map), r.map.f}"
        ),
        Reply::Array(vec![Reply::bulk("table"), Reply::bulk("v")])
    );
    assert_eq!(
        t.eval("redis.setresp(3) local r = redis.call('smembers','s') return tostring(r.set.m)"),
        Reply::bulk("true")
    );
    assert_eq!(
        t.eval("redis.setresp(3) local r = redis.call('zscore','z','m') return tostring(r.double)"),
        Reply::bulk("1.5")
    );
    assert_eq!(
        t.eval("redis.setresp(3) return type(redis.call('sismember','s','m'))"),
        Reply::bulk("boolean")
    );
    assert_eq!(
        t.eval("redis.setresp(3) local r = redis.call('info') return r.verbatim_string.format .. r.verbatim_string.string"),
        Reply::bulk("txthi")
    );
    // setresp(3) then returning the map hands the engine a Map.
    assert_eq!(
        t.eval("redis.setresp(3) return redis.call('hgetall','h')"),
        Reply::Map(vec![(Reply::bulk("f"), Reply::bulk("v"))])
    );
}

/// The first VM of a thread parses boot.lua; later ones load the bytecode it dumped.
/// Both must give scripts the same environment: the same replies, and the same errors
/// (which name the user's chunk and line through boot.lua's `where` and handler, and
/// would name boot.lua's if its chunk name or line numbers were lost).
#[test]
fn a_vm_booted_from_bytecode_is_the_vm_booted_from_text() {
    let bodies = [
        "return redis.call('get', 'k')",
        "return redis.call('get')",
        "return redis.call('nosuch')",
        "return redis.pcall('nosuch')",
        "return redis.call()",
        "return redis.call({})",
        "return redis.sha1hex()",
        "return redis.setresp(4)",
        "return redis.log(1)",
        "return redis.error_reply('x')",
        "return redis.status_reply('y')",
        "return cjson.decode('{')",
        "return struct.pack('>q')",
        "return cmsgpack.unpack('')",
        "return bit.band()",
        "return string.rep('x', -1) .. type(KEYS)",
        "return loadstring('\\27Lua')",
        "return loadstring('return 1')()",
        "x = 1",
        "return y",
        "setmetatable(_G, nil)",
        "return {1, 'two', {3}, {err='E'}, {ok='O'}}",
        "return math.random(10) + math.random()",
        "return pcall(error, {err='z'})",
        "local t = {} for k in pairs(redis) do t[#t+1] = k end table.sort(t) return t",
        "return {debug.getinfo(1, 'S').short_src, debug.getinfo(1, 'l').currentline}",
        "\n\nerror('on line three')",
    ];
    std::thread::spawn(move || {
        BOOT_CHUNK.with(|c| assert!(c.get().is_none(), "a new thread has no bytecode yet"));
        let mut from_text = T::new();
        BOOT_CHUNK.with(|c| assert!(c.get().is_some(), "the first VM dumped boot.lua"));
        let mut from_bytecode = T::new();
        for body in bodies {
            assert_eq!(from_text.eval(body), from_bytecode.eval(body), "{body:?}");
        }
    })
    .join()
    .unwrap();
}

#[test]
fn script_errors() {
    let mut t = T::new();
    let cases: &[(&str, &str)] = &[
        (
            "x = 1",
            "ERR user_script:1: Attempt to modify a readonly table",
        ),
        (
            "return y",
            "ERR user_script:1: Script attempted to access nonexistent global variable 'y'",
        ),
        ("error('boom')", "ERR user_script:1: boom"),
        ("error({err='MY code'})", "MY code"),
        ("error({err='nocode'})", "nocode"),
        ("error(nil)", "ERR nil"),
        ("error('x', 0)", "ERR x"),
        (
            "local a = nil; return a.b",
            "ERR user_script:1: attempt to index local 'a' (a nil value)",
        ),
        (
            "return 'a' + 1",
            "ERR user_script:1: attempt to perform arithmetic on a string value",
        ),
        (
            "_G.foo = 1",
            "ERR user_script:1: Attempt to modify a readonly table",
        ),
        (
            "rawset(_G, 'foo', 1) return 1",
            "ERR Attempt to modify a readonly table",
        ),
        (
            "setmetatable(_G, nil)",
            "ERR Attempt to modify a readonly table",
        ),
        (
            "string.foo = 1",
            "ERR user_script:1: Attempt to modify a readonly table",
        ),
        (
            "redis.call = nil",
            "ERR user_script:1: Attempt to modify a readonly table",
        ),
        (
            "redis = nil",
            "ERR user_script:1: Attempt to modify a readonly table",
        ),
        (
            "cjson.encode = nil",
            "ERR user_script:1: Attempt to modify a readonly table",
        ),
        (
            "return print",
            "ERR user_script:1: Script attempted to access nonexistent global variable 'print'",
        ),
        (
            "return getfenv",
            "ERR user_script:1: Script attempted to access nonexistent global variable 'getfenv'",
        ),
        (
            "return dofile",
            "ERR user_script:1: Script attempted to access nonexistent global variable 'dofile'",
        ),
        (
            "return loadfile",
            "ERR user_script:1: Script attempted to access nonexistent global variable 'loadfile'",
        ),
        (
            "return require",
            "ERR user_script:1: Script attempted to access nonexistent global variable 'require'",
        ),
        ("return redis.sha1hex()", "ERR wrong number of arguments"),
        (
            "return redis.setresp(4)",
            "ERR RESP version must be 2 or 3.",
        ),
        (
            "return redis.setresp()",
            "ERR redis.setresp() requires one argument.",
        ),
        (
            "return redis.set_repl(99)",
            "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
        ),
        (
            "return redis.set_repl()",
            "ERR redis.set_repl() requires two arguments.",
        ),
        ("return redis.log(99, 'hello')", "ERR Invalid debug level."),
        (
            "return redis.log(redis.LOG_WARNING)",
            "ERR redis.log() requires two arguments or more.",
        ),
        (
            "local function f() return f() + 1 end return f()",
            "ERR user_script:1: stack overflow",
        ),
        ("\n\nerror('x')", "ERR user_script:3: x"),
    ];
    for (body, msg) in cases {
        let line = if body.starts_with("\n\n") { 3 } else { 1 };
        assert_eq!(
            t.eval(body),
            err(&format!("{msg}{}", trailer(body, line))),
            "{body}"
        );
    }
    assert_eq!(
        t.eval("return ("),
        err("ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'")
    );
    assert_eq!(
        t.eval("#!lua\nreturn ("),
        err("ERR Error compiling script (new function): user_script:2: unexpected symbol near '<eof>'")
    );
    // Globals a script may read, and the ones it may not.
    assert_eq!(t.eval("return type(loadstring)"), Reply::bulk("function"));
    assert_eq!(t.eval("return loadstring('return 1')()"), Reply::Int(1));
    assert_eq!(t.eval("return tostring(10/2)"), Reply::bulk("5"));
    assert_eq!(
        t.eval("return tostring(10/3)"),
        Reply::bulk("3.3333333333333")
    );
    assert_eq!(t.eval("return _VERSION"), Reply::bulk("Lua 5.1"));
    assert_eq!(
        t.eval("return type(getmetatable(_G))"),
        Reply::bulk("table")
    );
    assert_eq!(t.eval("return ('x'):rep(3)"), Reply::bulk("xxx"));
    // Nothing leaked into the globals from the failed writes.
    let body = "return foo";
    assert_eq!(
        t.eval(body),
        err(&format!(
            "ERR user_script:1: Script attempted to access nonexistent global variable 'foo'{}",
            trailer(body, 1)
        ))
    );
    // loadstring's functions share the protected environment.
    let r = t.eval("local f = loadstring('zz = 1') f()");
    assert!(
        matches!(&r, Reply::Error(e) if e.contains("Attempt to modify a readonly table")),
        "{r:?}"
    );
}

#[test]
fn redis_table() {
    let mut t = T::new();
    assert_eq!(
        t.eval("return redis.sha1hex('abc')"),
        Reply::bulk("a9993e364706816aba3e25717850c26c9cd0d89d")
    );
    assert_eq!(
        t.eval("return redis.sha1hex(123)"),
        Reply::bulk("40bd001563085fc35165329ea1ff5c5ecbdbbeef")
    );
    assert_eq!(
        t.eval("return redis.REDIS_VERSION .. ' ' .. redis.REDIS_VERSION_NUM"),
        Reply::bulk("7.0.15 458767")
    );
    assert_eq!(t.eval("return redis.replicate_commands()"), Reply::Int(1));
    assert_eq!(t.eval("return redis.breakpoint()"), Reply::Nil);
    assert_eq!(t.eval("return redis.set_repl(redis.REPL_ALL)"), Reply::Nil);
    assert_eq!(
        t.eval("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}"),
        Reply::Array(vec![
            Reply::Int(0),
            Reply::Int(1),
            Reply::Int(2),
            Reply::Int(3)
        ])
    );
    assert_eq!(
        t.eval("return redis.log(redis.LOG_WARNING, 'hello', 1, {}, 'x')"),
        Reply::Nil
    );
    assert_eq!(t.h.logs, vec![(3, b"hello 1 x".to_vec())]);
}

#[test]
fn cjson_library() {
    let mut t = T::new();
    let cases: &[(&str, &str)] = &[
        ("return cjson.encode({1,2,3})", "[1,2,3]"),
        ("return cjson.encode({a=1})", "{\"a\":1}"),
        ("return cjson.encode({})", "{}"),
        (
            "return cjson.encode({1.5, 0.1, 1e20, 123456789012345678, -0.0, 3.14159265358979})",
            "[1.5,0.1,1e+20,1.2345678901235e+17,-0,3.1415926535898]",
        ),
        (
            "return cjson.encode('a\"b\\\\c\\n\\t/\\1')",
            "\"a\\\"b\\\\c\\n\\t\\/\\u0001\"",
        ),
        ("return cjson.encode(cjson.null)", "null"),
        (
            "return cjson.encode({true,false,cjson.null})",
            "[true,false,null]",
        ),
        ("return cjson.encode({[1]=1,[3]=3})", "[1,null,3]"),
        (
            "return cjson.encode({a={b={c={}}}})",
            "{\"a\":{\"b\":{\"c\":{}}}}",
        ),
        ("return cjson.encode({[1.5]=1})", "{\"1.5\":1}"),
        (
            "return cjson.encode(cjson.decode('{\"k\":[1,\"x\",true,false,null,{}]}'))",
            "{\"k\":[1,\"x\",true,false,null,{}]}",
        ),
        ("return cjson.decode('\"\\\\ud83d\\\\ude00\"')", "\u{1F600}"),
        ("return tostring(cjson.decode('1.5e3'))", "1500"),
    ];
    for (body, want) in cases {
        assert_eq!(t.eval(body), Reply::bulk(want), "{body}");
    }
    assert_eq!(
        t.eval("local t = cjson.decode('{\"a\":[1,2,{\"b\":null}],\"c\":\"\\\\u00e9\"}') return {t.a[1], t.a[3].b == cjson.null, t.c}"),
        Reply::Array(vec![Reply::Int(1), Reply::Int(1), Reply::Bulk(vec![0xc3, 0xa9])])
    );
    let errors: &[(&str, &str)] = &[
        (
            "return cjson.encode({[1]=1,[20]=3})",
            "Cannot serialise table: excessively sparse array",
        ),
        (
            "return cjson.encode(function() end)",
            "Cannot serialise function: type not supported",
        ),
        (
            "return cjson.encode(0/0)",
            "Cannot serialise number: must not be NaN or Inf",
        ),
        (
            "return cjson.encode({[true]=1})",
            "Cannot serialise boolean: table key must be a number or string",
        ),
        (
            "return cjson.decode('[1,2')",
            "Expected comma or array end but found T_END at character 5",
        ),
        (
            "return cjson.decode('')",
            "Expected value but found T_END at character 1",
        ),
        (
            "return cjson.decode('{\"a\":1}x')",
            "Expected the end but found invalid token at character 8",
        ),
        (
            "return cjson.decode('nul')",
            "Expected value but found invalid token at character 1",
        ),
        (
            "return cjson.decode()",
            "bad argument #1 to 'decode' (expected 1 argument)",
        ),
        (
            "return cjson.encode()",
            "bad argument #1 to 'encode' (expected 1 argument)",
        ),
    ];
    for (body, msg) in errors {
        assert_eq!(
            t.eval(body),
            err(&format!("ERR user_script:1: {msg}{}", trailer(body, 1))),
            "{body}"
        );
    }
    // Deep nesting is an error, not a crash.
    let r = t.eval("return cjson.decode(string.rep('[', 5000))");
    assert!(
        matches!(&r, Reply::Error(e) if e.contains("Found too many nested data structures (201)")),
        "{r:?}"
    );
    let r = t.eval(
        "local t = {} local c = t for i = 1, 2000 do c[1] = {} c = c[1] end return cjson.encode(t)",
    );
    assert!(
        matches!(&r, Reply::Error(e) if e.contains("Cannot serialise, excessive nesting (201)")),
        "{r:?}"
    );
}

#[test]
fn bit_library() {
    let mut t = T::new();
    assert_eq!(
        t.eval("return {bit.tobit(0xffffffff), bit.tohex(255), bit.tohex(-1, 4), bit.tohex(255, -4), bit.bnot(0), bit.band(0xff, 0x0f), bit.bor(1,2,4), bit.bxor(3,5), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678)}"),
        Reply::Array(vec![
            Reply::Int(-1),
            Reply::bulk("000000ff"),
            Reply::bulk("ffff"),
            Reply::bulk("00FF"),
            Reply::Int(-1),
            Reply::Int(15),
            Reply::Int(7),
            Reply::Int(6),
            Reply::Int(-2147483648),
            Reply::Int(15),
            Reply::Int(-16),
            Reply::Int(878082066),
            Reply::Int(2014458966),
            Reply::Int(2018915346),
        ])
    );
    assert_eq!(
        t.eval("return {bit.tobit(2^32+5), bit.tobit(1.5), bit.tobit(-1.5), bit.tobit(2.5), bit.lshift(1, 33), bit.tohex(0x1234, 10)}"),
        Reply::Array(vec![
            Reply::Int(5),
            Reply::Int(2),
            Reply::Int(-2),
            Reply::Int(2),
            Reply::Int(2),
            Reply::bulk("00001234"),
        ])
    );
    let body = "return bit.band('a')";
    assert_eq!(
        t.eval(body),
        err(&format!(
            "ERR user_script:1: bad argument #1 to 'band' (number expected, got string){}",
            trailer(body, 1)
        ))
    );
    let body = "return bit.tobit()";
    assert_eq!(
        t.eval(body),
        err(&format!(
            "ERR user_script:1: bad argument #1 to 'tobit' (number expected, got no value){}",
            trailer(body, 1)
        ))
    );
}

#[test]
fn math_random_matches_redis() {
    // A fresh redis-server 7.0.15, two EVALs in a row, then a reseed.
    let mut t = T::new();
    assert_eq!(
        t.eval("return {tostring(math.random()), tostring(math.random()), math.random(100), math.random(5,10)}"),
        Reply::Array(vec![
            Reply::bulk("0.39646477363839"),
            Reply::bulk("0.84048536971234"),
            Reply::Int(36),
            Reply::Int(7),
        ])
    );
    assert_eq!(
        t.eval("return {tostring(math.random()), tostring(math.random()), math.random(100), math.random(5,10)}"),
        Reply::Array(vec![
            Reply::bulk("0.31869277233197"),
            Reply::bulk("0.88642843341754"),
            Reply::Int(2),
            Reply::Int(8),
        ])
    );
    assert_eq!(
        t.eval("math.randomseed(7) return {tostring(math.random()), tostring(math.random())}"),
        Reply::Array(vec![
            Reply::bulk("0.26644419658298"),
            Reply::bulk("0.68203523041775")
        ])
    );
    assert_eq!(
        t.eval("return tostring(math.random())"),
        Reply::bulk("0.26549059351231")
    );
    assert_eq!(
        t.eval("math.randomseed(0) return {tostring(math.random()), tostring(math.random())}"),
        Reply::Array(vec![
            Reply::bulk("0.17082803611217"),
            Reply::bulk("0.74990198051087")
        ])
    );
    let body = "return math.random(0)";
    assert_eq!(
        t.eval(body),
        err(&format!(
            "ERR user_script:1: bad argument #1 to 'random' (interval is empty){}",
            trailer(body, 1)
        ))
    );
    let body = "return math.random(1,2,3)";
    assert_eq!(
        t.eval(body),
        err(&format!(
            "ERR user_script:1: wrong number of arguments{}",
            trailer(body, 1)
        ))
    );
}

#[test]
fn budget_memory_and_recovery() {
    let mut t = T::new();
    let r = t.eval("while true do end");
    assert_eq!(
        r,
        err("ERR Script killed by the instruction budget (5000000 instructions): KV Lab stops scripts that run too long, so the page stays responsive")
    );
    // pcall cannot swallow the stop.
    let r = t.eval("while true do pcall(function() while true do end end) end");
    assert!(
        matches!(&r, Reply::Error(e) if e.contains("instruction budget")),
        "{r:?}"
    );
    // The VM still works, with a fresh budget.
    assert_eq!(
        t.eval("local n = 0 for i = 1, 100000 do n = n + i end return n"),
        Reply::Int(5000050000)
    );
    let r = t.eval("return string.rep('x', 1e9)");
    assert!(
        matches!(&r, Reply::Error(e) if e.contains("memory limit")),
        "{r:?}"
    );
    let r = t.eval("local t = {} for i = 1, 1e8 do t[i] = i end return #t");
    assert!(
        matches!(&r, Reply::Error(e) if e.contains("memory limit") || e.contains("budget")),
        "{r:?}"
    );
    assert_eq!(
        t.eval("return redis.call('echo', 'still here')"),
        Reply::bulk("still here")
    );
    // Unlimited budget still stops on memory.
    let lim = Limits {
        instructions: 0,
        memory: 8 << 20,
        ticks: false,
    };
    let sha =
        t.s.load(b"local s = 'x' while true do s = s .. s end")
            .unwrap();
    let r = t.s.run(&sha, &[], &[], &mut t.h, &lim);
    assert!(
        matches!(&r, Reply::Error(e) if e.contains("memory limit")),
        "{r:?}"
    );
}

#[test]
fn script_cache_and_shebang() {
    let mut t = T::new();
    let sha = t.s.load(b"return 1").unwrap();
    assert_eq!(sha, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    assert!(t.s.exists("E0E1F9FABFC9D4800C877A703B823AC0578FF8DB"));
    assert_eq!(
        t.s.run(&sha.to_uppercase(), &[], &[], &mut t.h, &limits()),
        Reply::Int(1)
    );
    assert_eq!(
        t.s.run(
            "0000000000000000000000000000000000000000",
            &[],
            &[],
            &mut t.h,
            &limits()
        ),
        err("NOSCRIPT No matching script. Please use EVAL.")
    );
    t.s.flush();
    assert!(!t.s.exists(&sha));
    assert_eq!(t.s.len(), 0);

    let f = parse_shebang(b"return 1").unwrap();
    assert!(f.0.no_shebang && f.1 == 0);
    let (f, n) = parse_shebang(b"#!lua flags=no-writes,allow-oom\nreturn 1").unwrap();
    assert!(!f.no_shebang && f.no_writes && f.allow_oom && !f.allow_stale && n == 31);
    assert_eq!(f.names(), vec!["no-writes", "allow-oom"]);
    let (f, _) = parse_shebang(b"#!lua flags=\nreturn 1").unwrap();
    assert_eq!(f, ScriptFlags::default());
    let e = |b: &[u8]| parse_shebang(b).unwrap_err();
    assert_eq!(
        e(b"#!lua flags=bad\nreturn 1"),
        err("ERR Unexpected flag in script shebang: bad")
    );
    assert_eq!(
        e(b"#!lua flags=no-writes,bad\nreturn 1"),
        err("ERR Unexpected flag in script shebang: bad")
    );
    assert_eq!(
        e(b"#!lua foo=bar\nreturn 1"),
        err("ERR Unknown lua shebang option: foo=bar")
    );
    assert_eq!(
        e(b"#!python\nreturn 1"),
        err("ERR Unexpected engine in script shebang: #!python")
    );
    assert_eq!(
        e(b"#! lua\nreturn 1"),
        err("ERR Unexpected engine in script shebang: #!")
    );
    assert_eq!(e(b"#!lua"), err("ERR Invalid script shebang"));
    assert!(
        parse_shebang(b"#!lua \"flags=no-writes\"\nreturn 1")
            .unwrap()
            .0
            .no_writes
    );
    assert!(
        parse_shebang(b"#!lua flags=no-writes\r\nreturn 1")
            .unwrap()
            .0
            .no_writes
    );
    // Line numbers stay the user's after the shebang.
    let body = "#!lua\n\nerror('x')";
    assert_eq!(
        t.eval(body),
        err(&format!("ERR user_script:3: x{}", trailer(body, 3)))
    );
}

fn fload(f: &mut Functions, h: &mut FakeHost, code: &str) -> Result<LibraryInfo, Reply> {
    let r = f.load(code.as_bytes(), h, &limits());
    if r.is_ok() {
        f.commit();
    }
    r
}

#[test]
fn functions() {
    let mut f = Functions::new(Prng::new());
    let mut h = FakeHost::default();
    let lib = fload(
        &mut f,
        &mut h,
        "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return {keys[1], args[1]} end)",
    )
    .unwrap();
    assert_eq!(lib.name, "lib1");
    assert_eq!(lib.functions[0].name, "f1");
    assert_eq!(
        f.call(
            "lib1",
            "f1",
            &[b"k".to_vec()],
            &[b"a".to_vec()],
            &mut h,
            &limits()
        ),
        Reply::Array(vec![Reply::bulk("k"), Reply::bulk("a")])
    );
    let lib = fload(
        &mut f,
        &mut h,
        "#!lua name=lib2\nredis.register_function{function_name='f2', callback=function(keys, args) return redis.call('incr', keys[1]) end, flags={'no-writes'}, description='desc'}",
    )
    .unwrap();
    assert_eq!(
        lib.functions,
        vec![FunctionInfo {
            name: "f2".into(),
            flags: ScriptFlags {
                no_writes: true,
                ..ScriptFlags::default()
            },
            description: Some("desc".into())
        }]
    );
    assert_eq!(
        f.call("lib2", "f2", &[b"c".to_vec()], &[], &mut h, &limits()),
        Reply::Int(1)
    );
    fload(
        &mut f,
        &mut h,
        "#!lua name=lib3\nlocal function g() error('boom') end\nredis.register_function('f3', g)",
    )
    .unwrap();
    assert_eq!(
        f.call("lib3", "f3", &[], &[], &mut h, &limits()),
        err("ERR user_function:2: boom script: f3, on @user_function:2.")
    );
    fload(
        &mut f,
        &mut h,
        "#!lua name=lib4\nredis.register_function('f4', function() return KEYS end)",
    )
    .unwrap();
    assert_eq!(
        f.call("lib4", "f4", &[], &[], &mut h, &limits()),
        err("ERR user_function:2: Script attempted to access nonexistent global variable 'KEYS' script: f4, on @user_function:2.")
    );
    fload(
        &mut f,
        &mut h,
        "#!lua name=lib5\nredis.register_function('f5', function() x = 5 end)",
    )
    .unwrap();
    assert_eq!(
        f.call("lib5", "f5", &[], &[], &mut h, &limits()),
        err("ERR user_function:2: Attempt to modify a readonly table script: f5, on @user_function:2.")
    );
    assert_eq!(
        f.call("lib5", "nope", &[], &[], &mut h, &limits()),
        err("ERR Function not found")
    );

    let errors: &[(&str, &str)] = &[
        ("#!lua name=bad1\nreturn (", "ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'"),
        ("#!lua name=bad2\nredis.call('ping')", "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'"),
        ("#!lua name=bad3\nx = 1", "ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table"),
        ("#!lua name=bad4\nreturn y", "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'y'"),
        ("#!lua name=bad5\n", "ERR No functions registered"),
        ("#!lua name=bad7\nredis.register_function('a b', function() end)", "ERR Error registering functions: ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"),
        ("#!lua name=bad8\nredis.register_function('x')", "ERR Error registering functions: ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments)."),
        ("#!lua name=bad9\nredis.register_function('x', 1)", "ERR Error registering functions: ERR second argument to redis.register_function must be a function"),
        ("#!lua name=bad10\nredis.register_function{function_name='x', callback=function() end, flags={'bad'}}", "ERR Error registering functions: ERR unknown flag given"),
        ("#!lua name=bad11\nredis.register_function{function_name='x', callback=function() end, foo=1}", "ERR Error registering functions: ERR unknown argument given to redis.register_function"),
        ("#!lua name=bad12\nredis.register_function{callback=function() end}", "ERR Error registering functions: ERR redis.register_function must get a function name argument"),
        ("#!lua name=bad13\nredis.register_function{function_name='x'}", "ERR Error registering functions: ERR redis.register_function must get a callback argument"),
        ("#!lua name=bad14\nredis.register_function()", "ERR Error registering functions: ERR wrong number of arguments to redis.register_function"),
        ("#!lua name=bad15\nredis.register_function('y', function() end)\nredis.register_function('y', function() end)", "ERR Error registering functions: ERR Function already exists in the library"),
        ("#!lua name=bad17\nredis.register_function{function_name='x', callback=function() end, flags='no-writes'}", "ERR Error registering functions: ERR flags argument to redis.register_function must be a table representing function flags"),
        ("#!lua name=bad18\nredis.register_function('x', function() end, 1)", "ERR Error registering functions: ERR wrong number of arguments to redis.register_function"),
        ("#!lua name=bad19\nwhile true do end", "ERR Error registering functions: ERR FUNCTION LOAD timeout"),
        ("#!lua name=bad22\nlocal t = {} for k in pairs(redis) do end", "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'pairs'"),
        ("#!lua name=bad23\nlocal x = redis.sha1hex", "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'sha1hex'"),
        ("#!lua name=e17\nredis.register_function{function_name='e17', callback=1}", "ERR Error registering functions: ERR callback argument given to redis.register_function must be a function"),
        ("#!lua\nreturn 1", "ERR Library name was not given"),
        ("#!lua name=\nreturn 1", "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"),
        ("#!lua name=a-b\nreturn 1", "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"),
        ("#!lua name=x flags=no-writes\nreturn 1", "ERR Invalid metadata value given: flags=no-writes"),
        ("#!js name=x\nreturn 1", "ERR Engine 'js' not found"),
        ("return 1", "ERR Missing library metadata"),
    ];
    for (code, msg) in errors {
        assert_eq!(fload(&mut f, &mut h, code), Err(err(msg)), "{code}");
    }
    // A failed load leaves the VM usable, and a staged library is not live.
    assert_eq!(
        f.call("lib1", "f1", &[], &[], &mut h, &limits()),
        Reply::Array(vec![])
    );
    let staged = f.load(
        b"#!lua name=lib9\nredis.register_function('f9', function() return 9 end)",
        &mut h,
        &limits(),
    );
    assert!(staged.is_ok());
    assert_eq!(
        f.call("lib9", "f9", &[], &[], &mut h, &limits()),
        err("ERR Function not found")
    );
    assert!(f.commit());
    assert_eq!(
        f.call("lib9", "f9", &[], &[], &mut h, &limits()),
        Reply::Int(9)
    );
    // description=1 is kept as "1", function_name=1 as "1".
    let lib = fload(&mut f, &mut h, "#!lua name=l16\nredis.register_function{function_name=1, callback=function() end, description=1}").unwrap();
    assert_eq!(lib.functions[0].name, "1");
    assert_eq!(lib.functions[0].description.as_deref(), Some("1"));
    // redis.log works at load time.
    fload(&mut f, &mut h, "#!lua name=l17\nredis.log(redis.LOG_NOTICE, 'loading')\nredis.register_function('f17', function() end)").unwrap();
    assert_eq!(h.logs.last(), Some(&(2, b"loading".to_vec())));
    assert!(f.delete("l17"));
    f.flush();
    assert_eq!(
        f.call("lib1", "f1", &[], &[], &mut h, &limits()),
        err("ERR Function not found")
    );
}

#[test]
fn eval_and_fcall_share_the_random_sequence() {
    let prng = Prng::new();
    let mut s = Scripts::new(prng.clone());
    let mut f = Functions::new(prng);
    let mut h = FakeHost::default();
    let sha = s.load(b"return tostring(math.random())").unwrap();
    assert_eq!(
        s.run(&sha, &[], &[], &mut h, &limits()),
        Reply::bulk("0.39646477363839")
    );
    f.load(b"#!lua name=r\nredis.register_function('r', function() return tostring(math.random()) end)", &mut h, &limits()).unwrap();
    f.commit();
    assert_eq!(
        f.call("r", "r", &[], &[], &mut h, &limits()),
        Reply::bulk("0.84048536971234")
    );
}

#[test]
fn hostile_inputs_do_not_panic() {
    // omnilua recurses in Rust for metamethods and C calls, up to 200 levels of about
    // 40 KB each in release builds (more in debug): give it the stack it assumes.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(hostile_inputs)
        .unwrap()
        .join()
        .unwrap();
}

fn hostile_inputs() {
    let mut t = T::new();
    let bodies = [
        "return string.rep('x', -1)",
        "return ('x'):rep(1e300)",
        "return string.format('%d', 'x')",
        "return coroutine.wrap(function() redis.call('get','k') end)()",
        "local co = coroutine.create(function() while true do end end) return coroutine.resume(co)",
        "return select(-1)",
        "return unpack({}, 1, 1e8)",
        "return table.concat({1,2,{}})",
        "return setmetatable({}, {__index = function(t, k) return t[k] end}).x",
        "return tostring(setmetatable({}, {__tostring = function() error('no') end}))",
        "local t = setmetatable({}, {__gc = function() end}) return 1",
        "return string.find(string.rep('a', 10000), string.rep('a?', 5000) .. string.rep('a', 5000))",
        "return cjson.decode(string.rep('{\"a\":', 2000))",
        "return cjson.decode('\"\\\\ud800\"')",
        "return redis.call('echo', string.rep('x', 100))",
        "return load(function() return nil end)",
        "return collectgarbage('count') > 0",
        "return gcinfo() > 0",
        "return xpcall(function() error({}) end, function(e) return e end)",
        "error({})",
        "error(setmetatable({}, {__index = function() error('x') end}))",
        "return struct.pack('c1000000000', 'x')",
        "return struct.pack('i17i32I32', 1e300, -1e300, 0/0)",
        "return {struct.unpack('i17 I32 c0', string.rep('\\255', 60))}",
        "return struct.unpack('b', 'x', 1e300)",
        "return struct.unpack(string.rep('c2147483647', 9), 'x')",
        "return struct.size(string.rep('c2147483647', 1000))",
        "return cmsgpack.unpack(string.rep('\\145', 1000000))",
        "return cmsgpack.unpack(string.rep('\\129\\1', 1000000))",
        "return cmsgpack.unpack(string.rep('\\221\\255\\255\\255\\255', 1000))",
        "return cmsgpack.unpack('\\219\\255\\255\\255\\255')",
        "return cmsgpack.unpack_limit('\\1', 2^62, 2^62)",
        "local t = {} t[1] = t t.x = t t[t] = t return cmsgpack.pack(t)",
    ];
    for b in bodies {
        let _ = t.eval(b);
    }
    assert_eq!(t.eval("return 1"), Reply::Int(1));
}

#[test]
fn struct_and_cmsgpack_stay_under_the_memory_limit() {
    let mut t = T::new();
    let oom = "ERR Script killed by the memory limit (33554432 bytes): KV Lab stops scripts that allocate too much, so the page stays responsive";
    // redis-server 7.0.15 dies on this one (100^16 nils, its buffer aborts); here it
    // ends at the memory limit, quickly, as shared tables are copied, not re-walked.
    let body = "local t = {} for i = 1, 100 do t[i] = true end for i = 1, 30 do local u = {} for j = 1, 100 do u[j] = t end t = u end return #cmsgpack.pack(t)";
    assert_eq!(t.eval(body), err(oom));
    // No pcall catches it.
    let body = "local s = string.rep('x', 1000000) local t = {} for i = 1, 100 do t[i] = s end return pcall(struct.pack, string.rep('c0', 100), unpack(t))";
    assert_eq!(t.eval(body), err(oom));
    // Shared tables under the limit come out whole (array 16 headers, 100 trues).
    assert_eq!(
        t.eval("local t = {} for i = 1, 100 do t[i] = true end for i = 1, 2 do local u = {} for j = 1, 100 do u[j] = t end t = u end return #cmsgpack.pack(t)"),
        Reply::Int(3 + 100 * (3 + 100 * (3 + 100)))
    );
    // A cycle ends at the nesting limit.
    assert_eq!(
        t.eval("local t = {} t[1] = t return cmsgpack.pack(t)"),
        Reply::Bulk([vec![0x91; 16], vec![0xc0]].concat())
    );
    assert_eq!(t.eval("return 1"), Reply::Int(1));
}

#[test]
fn struct_and_cmsgpack_in_functions() {
    let mut f = Functions::new(Prng::new());
    let mut h = FakeHost::default();
    let lib = "#!lua name=m\nredis.register_function('m', function(keys, args) return {struct.pack('>I2', 258), cmsgpack.pack({1, 2}), cmsgpack.unpack(args[1])} end)";
    f.load(lib.as_bytes(), &mut h, &limits()).unwrap();
    f.commit();
    assert_eq!(
        f.call("m", "m", &[], &[b"\xa2hi".to_vec()], &mut h, &limits()),
        Reply::Array(vec![
            Reply::bulk(b"\x01\x02"),
            Reply::bulk(b"\x92\x01\x02"),
            Reply::bulk("hi"),
        ])
    );
    // Not at load time, where only redis.* exists.
    let lib = "#!lua name=n\nlocal x = struct.pack('b', 1)";
    assert_eq!(
        f.load(lib.as_bytes(), &mut h, &limits()),
        Err(err("ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'struct'"))
    );
}

/// EVAL refills the last run's KEYS/ARGV tables when they are untouched; whatever a
/// script did to them, the next run (of the same script or another) sees exactly its
/// own keys and arguments.
#[test]
fn eval_keys_and_argv_are_clean_after_a_script_changes_them() {
    let mut t = T::new();
    let check = "return {tostring(KEYS[1]), tostring(KEYS[2]), tostring(ARGV[1]), tostring(ARGV[2]), tostring(ARGV[5]), tostring(KEYS.foo), tostring(getmetatable(KEYS)), tostring(getmetatable(ARGV)), #KEYS, #ARGV}";
    let clean = |k1: &str, k2: &str, a1: &str, a2: &str, nk: i64, na: i64| {
        Reply::Array(vec![
            Reply::bulk(k1),
            Reply::bulk(k2),
            Reply::bulk(a1),
            Reply::bulk(a2),
            Reply::bulk("nil"),
            Reply::bulk("nil"),
            Reply::bulk("nil"),
            Reply::bulk("nil"),
            Reply::Int(nk),
            Reply::Int(na),
        ])
    };
    let meddlers = [
        "KEYS[1]='x'; ARGV[5]='y'; return #ARGV",
        "KEYS[1]=nil; ARGV[1]=nil; return 0",
        "KEYS[1]={}; KEYS.foo='bar'; ARGV[2]='z'; ARGV[3]='w'; return #ARGV",
        "setmetatable(KEYS, {__index=function() return 'm' end}); setmetatable(ARGV, {}); return 1",
        "for i = 1, 100 do ARGV[i] = i end; KEYS[2] = 'two'; return #ARGV",
    ];
    for m in meddlers {
        // The same script twice gives the same answer: its second run starts clean.
        let first = t.eval_kv(m, &["a"], &["b"]);
        assert!(!matches!(first, Reply::Error(_)), "{m}: {first:?}");
        assert_eq!(t.eval_kv(m, &["a"], &["b"]), first, "{m}");
        // Another script, with as many, fewer and more keys and arguments.
        assert_eq!(
            t.eval_kv(check, &["a"], &["b"]),
            clean("a", "nil", "b", "nil", 1, 1),
            "after {m}"
        );
        t.eval_kv(m, &["a"], &["b"]);
        assert_eq!(
            t.eval_kv(check, &[], &[]),
            clean("nil", "nil", "nil", "nil", 0, 0),
            "after {m}"
        );
        t.eval_kv(m, &["a"], &["b"]);
        assert_eq!(
            t.eval_kv(check, &["k1", "k2"], &["v1", "v2"]),
            clean("k1", "k2", "v1", "v2", 2, 2),
            "after {m}"
        );
    }
    assert_eq!(
        t.eval_kv("KEYS[1]='x'; ARGV[5]='y'; return #ARGV", &["a"], &["b"]),
        t.eval_kv("KEYS[1]='x'; ARGV[5]='y'; return #ARGV", &["a"], &["b"])
    );
}

/// FUNCTION LOAD REPLACE drops the library it replaces: the VM's live memory stays
/// bounded over many LOAD + FCALL pairs (Redis's "does not leak in the Lua stack"
/// test in its function form). Lua 5.1's weak-key tables are not ephemerons, so a
/// boot.lua table that maps a metatable's proxy to the metatable kept every loader
/// (and through it every library) alive.
#[test]
fn function_load_replace_does_not_keep_old_libraries() {
    let mut f = Functions::new(Prng::new());
    let mut h = FakeHost::default();
    let code = "#!lua name=test\nredis.register_function('test', function(KEYS, ARGV)\n return redis.call('echo', ARGV[1])\nend)";
    let live_after = |f: &mut Functions, h: &mut FakeHost, n: usize| {
        for _ in 0..n {
            f.load(code.as_bytes(), h, &limits()).unwrap();
            assert!(f.commit());
            assert_eq!(
                f.call("test", "test", &[], &[b"x".to_vec()], h, &limits()),
                Reply::bulk("x")
            );
        }
        f.vm.lua.gc_collect();
        f.used_memory()
    };
    let after_100 = live_after(&mut f, &mut h, 100);
    let after_2000 = live_after(&mut f, &mut h, 1900);
    assert!(
        after_2000 <= after_100 * 2,
        "live Lua memory grew from {after_100} (100 pairs) to {after_2000} (2000 pairs)"
    );
}

/// Tables keep every key through inserts, overwrites and deletes of mixed keys (ints
/// in and past the array part, floats, strings, booleans), whatever their layout
/// (Lua 5.1's, vendor/lua-types): checked against a shadow kept in two parallel
/// arrays, and `next` visits each live key once.
#[test]
fn tables_keep_their_keys_through_churn() {
    let mut t = T::new();
    let body = r#"
local function key(r)
  local kind = r % 6
  local n = math.floor(r / 6) % 41
  if kind == 0 then return n end
  if kind == 1 then return n + 200 end
  if kind == 2 then return n + 0.5 end
  if kind == 3 then return 'k' .. n end
  if kind == 4 then return n % 2 == 0 end
  return -n
end
local t, ks, vs, nk = {}, {}, {}, 0
local function find(k)
  for i = 1, nk do if ks[i] == k then return i end end
end
for step = 1, 2000 do
  local k = key(math.random(0, 100000))
  local i = find(k)
  if math.random(1, 3) == 1 then
    t[k] = nil
    if i then ks[i], vs[i] = ks[nk], vs[nk]; ks[nk], vs[nk] = nil, nil; nk = nk - 1 end
  else
    t[k] = step
    if i then vs[i] = step else nk = nk + 1; ks[nk], vs[nk] = k, step end
  end
  if step % 500 == 0 then
    for j = 1, nk do
      if t[ks[j]] ~= vs[j] then return {err = 'lost ' .. tostring(ks[j]) .. ' at ' .. step} end
    end
    local seen = 0
    for k, v in pairs(t) do
      local j = find(k)
      if not j or vs[j] ~= v then return {err = 'stray ' .. tostring(k)} end
      seen = seen + 1
    end
    if seen ~= nk then return {err = 'pairs saw ' .. seen .. ' of ' .. nk} end
  end
end
return nk
"#;
    match t.eval(body) {
        Reply::Int(n) => assert!(n > 30, "{n}"),
        other => panic!("{other:?}"),
    }
}
