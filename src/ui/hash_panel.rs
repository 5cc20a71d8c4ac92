//! The hash panel: a hash's fields and values (the first ones, in HGETALL order), the
//! fields the last command touched, its encoding with the limits that decide it, and the
//! moment a write turned it from a listpack into a hash table: the field that was one
//! too many, or the field or value that was too long.

use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
use super::i18n::{self, tr, trf, use_lang};
use super::session::PanelProps;
use crate::console::repr;

/// The commands this panel follows (and that bring it forward).
pub const HASH_COMMANDS: &[&str] = &[
    "hset",
    "hsetnx",
    "hmset",
    "hget",
    "hmget",
    "hdel",
    "hlen",
    "hstrlen",
    "hexists",
    "hkeys",
    "hvals",
    "hgetall",
    "hincrby",
    "hincrbyfloat",
    "hrandfield",
    "hscan",
];

/// Fields drawn at most.
const SHOWN: usize = 32;

#[derive(Default)]
struct HashTrack {
    key: Option<Vec<u8>>,
    /// The fields the last command named.
    touched: Vec<Vec<u8>>,
    /// Whether the key was a listpack after the previous command (None: not a hash).
    listpack: Option<bool>,
    /// Why the last conversion to a hash table happened, and by which command.
    converted: Option<String>,
}

impl HashTrack {
    fn feed(&mut self, f: &Feed) -> bool {
        match f {
            Feed::Ran(o) if o.is(HASH_COMMANDS) && o.argv.len() >= 2 => {
                let name = o.name();
                if self.key.as_deref() != Some(&o.argv[1][..]) {
                    self.key = Some(o.argv[1].clone());
                    self.converted = None;
                    self.listpack = None;
                }
                self.touched = match name.as_str() {
                    "hset" | "hmset" | "hsetnx" => o.argv[2..].iter().step_by(2).cloned().collect(),
                    "hincrby" | "hincrbyfloat" | "hget" | "hexists" | "hstrlen" => {
                        o.argv.get(2).cloned().into_iter().collect()
                    }
                    "hdel" | "hmget" => o.argv[2..].to_vec(),
                    _ => Vec::new(),
                };
                self.observe(o.db, &name, &o.argv);
                true
            }
            Feed::Replaced => {
                *self = HashTrack::default();
                true
            }
            Feed::Ran(o) if self.key.is_some() && o.wrote() => {
                self.observe(o.db, &o.name(), &o.argv);
                true
            }
            Feed::Background(_) => self.key.is_some(),
            _ => false,
        }
    }

    /// Looks at the key after a command: a listpack that became a hash table is the
    /// moment the panel explains.
    fn observe(&mut self, db: usize, name: &str, argv: &[Vec<u8>]) {
        let Some(key) = &self.key else { return };
        let eng = engine();
        let eng = eng.borrow();
        let hash = eng.peek_hash(db, key);
        let now = hash.map(|h| h.listpack);
        if self.listpack == Some(true) && now == Some(false) {
            let cfg = &eng.core.config;
            let len = hash.map_or(0, |h| h.len());
            let long = argv[2.min(argv.len())..]
                .iter()
                .map(|a| a.len())
                .max()
                .unwrap_or(0);
            let lang = i18n::current();
            let (entries, value) = (cfg.hash_max_listpack_entries, cfg.hash_max_listpack_value);
            let why = if len as i64 > entries {
                trf!(
                    lang,
                    "{len} fields > hash-max-listpack-entries {entries}",
                    "필드 {len}개 > hash-max-listpack-entries {entries}"
                )
            } else if long as i64 > value {
                trf!(
                    lang,
                    "a {long}-byte field or value > hash-max-listpack-value {value}",
                    "{long}바이트 필드 또는 값 > hash-max-listpack-value {value}"
                )
            } else {
                tr(lang, "the limits changed", "한도가 바뀜").to_string()
            };
            let cmd = name.to_ascii_uppercase();
            self.converted = Some(trf!(lang, "{cmd} turned it from a listpack into a hash table: {why}. It never turns back, even if fields are deleted.", "{cmd}가 listpack을 해시 테이블로 바꿨습니다: {why}. 필드를 지워도 다시 돌아가지 않습니다."));
        }
        self.listpack = now;
    }
}

#[function_component(HashPanel)]
pub fn hash_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(HashTrack::default, HashTrack::feed, props.visible);
    if !props.visible {
        return html! {};
    }
    let track = model.get();
    let db = props.session.db;
    let demo = props.session.runs(DEMO);
    let demo_html = html! {
        <div class="demo"><button onclick={demo}>{ tr(lang, "Demo: a small hash grows up", "데모: 작은 해시가 커지면") }</button>
            <p class="muted small">{ tr(lang, "A user record as a hash: compact (listpack) while small, a hash table once a value is longer than 64 bytes.", "사용자 레코드를 해시로: 작을 때는 촘촘한 listpack, 값이 64바이트를 넘으면 해시 테이블이 됩니다.") }</p></div>
    };
    let Some(key) = track.key.clone() else {
        return html! {
            <div class="hashp">
                <p>{ tr(lang, "No hash yet. Try ", "아직 해시가 없습니다. ") }<code>{ "HSET user:1 name Kim visits 1" }</code>{ tr(lang, ", or:", "을(를) 실행하거나:") }</p>
                { demo_html }
            </div>
        };
    };
    let eng = engine();
    let eng = eng.borrow();
    let cfg = &eng.core.config;
    let name = String::from_utf8_lossy(&key).into_owned();
    let Some(h) = eng.peek_hash(db, &key) else {
        return html! {
            <div class="hashp">
                <p><b>{ name }</b>{ tr(lang, " is not a hash now (missing, or another type).", ": 지금은 해시가 아닙니다 (없거나 다른 타입).") }</p>
                { demo_html }
            </div>
        };
    };
    let enc = if h.listpack { "listpack" } else { "hashtable" };
    let rows = h.iter().take(SHOWN).map(|(f, v)| {
        let hot = track.touched.iter().any(|t| t == f);
        html! {
            <tr class={classes!(hot.then_some("hot"))}><td>{ repr(f) }</td><td>{ repr(&v[..v.len().min(80)]) }</td></tr>
        }
    });
    html! {
        <div class="hashp">
            <div class="toolbar"><span><b>{ name }</b>{ { let n = h.len(); trf!(lang, " — {n} fields", " — 필드 {n}개") } }</span>
                <span class={classes!("enc", enc)} aria-label={tr(lang, "encoding", "인코딩")}>{ enc }</span></div>
            <p class="muted small">{ { let (entries, value) = (cfg.hash_max_listpack_entries, cfg.hash_max_listpack_value); trf!(lang, "listpack while at most {entries} fields and every field and value at most {value} bytes (hash-max-listpack-entries / -value); a hash table after that.", "필드가 {entries}개 이하이고 모든 필드와 값이 {value}바이트 이하인 동안은 listpack, 그 뒤로는 해시 테이블입니다 (hash-max-listpack-entries / -value).") } }</p>
            { for track.converted.iter().map(|c| html! { <p class="converted">{ c }</p> }) }
            <table class="fields" aria-label={tr(lang, "hash fields", "해시 필드")}><tbody>{ for rows }</tbody></table>
            { if h.len() > SHOWN { html! { <p class="muted small">{ { let n = h.len(); trf!(lang, "first {SHOWN} of {n} fields: read a big hash with HSCAN, not HGETALL", "필드 {n}개 중 처음 {SHOWN}개: 큰 해시는 HGETALL이 아니라 HSCAN으로 읽으세요") } }</p> } } else { html! {} } }
            { demo_html }
        </div>
    }
}

/// A user record that turns into a hash table when a 73-byte value arrives.
const DEMO: &[&str] = &[
    "DEL user:1",
    "HSET user:1 name Kim visits 1",
    "HINCRBY user:1 visits 1",
    "OBJECT ENCODING user:1",
    "HSET user:1 bio \"Backend developer learning Redis: caches, queues, locks and leaderboards.\"",
    "OBJECT ENCODING user:1",
];
