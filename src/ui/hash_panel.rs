//! The hash panel: a hash's fields and values (the first ones, in HGETALL order), the
//! fields the last command touched, its encoding with the limits that decide it, and the
//! moment a write turned it from a listpack into a hash table: the field that was one
//! too many, or the field or value that was too long.

use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
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
            let why = if len as i64 > cfg.hash_max_listpack_entries {
                format!(
                    "{len} fields > hash-max-listpack-entries {}",
                    cfg.hash_max_listpack_entries
                )
            } else if long as i64 > cfg.hash_max_listpack_value {
                format!(
                    "a {long}-byte field or value > hash-max-listpack-value {}",
                    cfg.hash_max_listpack_value
                )
            } else {
                "the limits changed".to_string()
            };
            self.converted = Some(format!(
                "{} turned it from a listpack into a hash table: {why}. It never turns back, even if fields are deleted.",
                name.to_ascii_uppercase()
            ));
        }
        self.listpack = now;
    }
}

#[function_component(HashPanel)]
pub fn hash_panel(props: &PanelProps) -> Html {
    let model = use_model(HashTrack::default, HashTrack::feed, props.visible);
    if !props.visible {
        return html! {};
    }
    let track = model.get();
    let db = props.session.db;
    let demo = props.session.runs(DEMO);
    let demo_html = html! {
        <div class="demo"><button onclick={demo}>{ "Demo: a small hash grows up" }</button>
            <p class="muted small">{ "A user record as a hash: compact (listpack) while small, a hash table once a value is longer than 64 bytes. 작은 해시는 listpack, 커지면 hashtable." }</p></div>
    };
    let Some(key) = track.key.clone() else {
        return html! {
            <div class="hashp">
                <p>{ "No hash yet. Try " }<code>{ "HSET user:1 name Kim visits 1" }</code>{ ", or:" }</p>
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
                <p><b>{ name }</b>{ " is not a hash now (missing, or another type)." }</p>
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
            <div class="toolbar"><span><b>{ name }</b>{ format!(" — {} fields", h.len()) }</span>
                <span class={classes!("enc", enc)} aria-label="encoding">{ enc }</span></div>
            <p class="muted small">{ format!("listpack while at most {} fields and every field and value at most {} bytes (hash-max-listpack-entries / -value); a hash table after that.", cfg.hash_max_listpack_entries, cfg.hash_max_listpack_value) }</p>
            { for track.converted.iter().map(|c| html! { <p class="converted">{ c }</p> }) }
            <table class="fields" aria-label="hash fields"><tbody>{ for rows }</tbody></table>
            { if h.len() > SHOWN { html! { <p class="muted small">{ format!("first {SHOWN} of {} fields: read a big hash with HSCAN, not HGETALL", h.len()) }</p> } } else { html! {} } }
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
