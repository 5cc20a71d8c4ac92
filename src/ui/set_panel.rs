//! The set panel: a set's members and encoding (an intset while every member is an
//! integer and there are at most set-max-intset-entries, a hash table after), and the set
//! algebra drawn: after SINTER, SUNION, SDIFF (or their STORE forms, or SINTERCARD) on two
//! sets, two overlapping circles with the members only in the first, in both, and only in
//! the second, the region the command took lit, and the result as the reply gave it.

use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
use super::i18n::{tr, trf, use_lang, Lang};
use super::session::PanelProps;
use crate::console::repr;
use crate::engine::set::Set;
use crate::engine::Reply;

/// The commands this panel follows (and that bring it forward).
pub const SET_COMMANDS: &[&str] = &[
    "sadd",
    "srem",
    "scard",
    "sismember",
    "smismember",
    "smembers",
    "srandmember",
    "spop",
    "smove",
    "sinter",
    "sunion",
    "sdiff",
    "sinterstore",
    "sunionstore",
    "sdiffstore",
    "sintercard",
    "sscan",
];

/// Members drawn at most, per list.
const SHOWN: usize = 40;

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Inter,
    Union,
    Diff,
}

/// The last set operation: its keys, and its result as the reply (or STORE) gave it.
#[derive(Clone, PartialEq)]
struct Algebra {
    op: Op,
    command: String,
    keys: Vec<Vec<u8>>,
    result: Vec<Vec<u8>>,
    /// SINTERCARD and the STORE forms answer a count.
    count: Option<i64>,
}

#[derive(Default)]
struct SetTrack {
    key: Option<Vec<u8>>,
    algebra: Option<Algebra>,
}

impl SetTrack {
    fn feed(&mut self, f: &Feed) -> bool {
        match f {
            Feed::Ran(o) if o.is(SET_COMMANDS) && o.argv.len() >= 2 => {
                let name = o.name();
                let op = match name.trim_end_matches("store") {
                    "sinter" | "sintercard" => Some(Op::Inter),
                    "sunion" => Some(Op::Union),
                    "sdiff" => Some(Op::Diff),
                    _ => None,
                };
                let failed = o.reply.as_ref().is_none_or(Reply::is_error);
                match op {
                    Some(op) if !failed => {
                        let store = name.ends_with("store");
                        let keys: Vec<Vec<u8>> = if name == "sintercard" {
                            let n = crate::engine::util::parse_i64(&o.argv[1])
                                .unwrap_or(0)
                                .max(0) as usize;
                            o.argv.iter().skip(2).take(n).cloned().collect()
                        } else if store {
                            o.argv[2..].to_vec()
                        } else {
                            o.argv[1..].to_vec()
                        };
                        let reply = o.reply.clone().unwrap_or(Reply::Nil);
                        let result = if store {
                            engine()
                                .borrow()
                                .peek_set(o.db, &o.argv[1])
                                .map(|s| s.ordered().into_iter().cloned().collect())
                                .unwrap_or_default()
                        } else {
                            reply.bulk_items()
                        };
                        let count = match reply {
                            Reply::Int(n) => Some(n),
                            _ => None,
                        };
                        self.key = keys.first().cloned();
                        self.algebra = Some(Algebra {
                            op,
                            command: name.to_ascii_uppercase(),
                            keys,
                            result,
                            count,
                        });
                    }
                    _ => {
                        let key = if name == "sintercard" {
                            o.argv.get(2)
                        } else {
                            Some(&o.argv[1])
                        };
                        if key.is_some_and(|k| Some(k) != self.key.as_ref()) {
                            self.algebra = None;
                        }
                        self.key = key.cloned();
                    }
                }
                true
            }
            Feed::Replaced => {
                *self = SetTrack::default();
                true
            }
            Feed::Background(_) => self.key.is_some(),
            Feed::Ran(o) => self.key.is_some() && o.wrote(),
            _ => false,
        }
    }
}

fn chips(members: &[Vec<u8>], class: &'static str, lang: Lang) -> Html {
    let more = members.len().saturating_sub(SHOWN);
    html! {
        <>
            { for members.iter().take(SHOWN).map(|m| html! { <span class={classes!("chip", class)}>{ repr(m) }</span> }) }
            { if more > 0 { html! { <span class="muted small">{ trf!(lang, " … {more} more", " … 외 {more}개") }</span> } } else { html! {} } }
        </>
    }
}

/// Two overlapping circles: A only, both, B only, with the region the command took lit.
fn venn(db: usize, a: &Algebra, lang: Lang) -> Html {
    let eng = engine();
    let eng = eng.borrow();
    let (ka, kb) = (&a.keys[0], &a.keys[1]);
    let (sa, sb) = (eng.peek_set(db, ka), eng.peek_set(db, kb));
    // Members of `from` that `other` holds (or lacks), in `from`'s order.
    fn split(from: Option<&Set>, other: Option<&Set>, inside: bool) -> Vec<Vec<u8>> {
        from.map(|s| s.ordered())
            .unwrap_or_default()
            .into_iter()
            .filter(|m| other.is_some_and(|o| o.contains(m)) == inside)
            .cloned()
            .collect()
    }
    let only_a = split(sa, sb, false);
    let both = split(sa, sb, true);
    let only_b = split(sb, sa, false);
    let lit = |region: u8| -> &'static str {
        let on = match a.op {
            Op::Union => true,
            Op::Inter => region == 1,
            Op::Diff => region == 0,
        };
        if on {
            "lit"
        } else {
            "dim"
        }
    };
    let label = |k: &[u8]| String::from_utf8_lossy(k).into_owned();
    html! {
        <div class="venn" aria-label={tr(lang, "set diagram", "집합 다이어그램")}>
            <svg viewBox="0 0 300 150" width="300" height="150" role="img">
                <circle cx="110" cy="75" r="65" class={classes!("va", (a.op != Op::Inter).then_some("on"))} />
                <circle cx="190" cy="75" r="65" class={classes!("vb", (a.op == Op::Union).then_some("on"))} />
                <text x="70" y="80" class="vn">{ only_a.len() }</text>
                <text x="150" y="80" class="vn">{ both.len() }</text>
                <text x="230" y="80" class="vn">{ only_b.len() }</text>
                <text x="60" y="20" class="vk">{ label(ka) }</text>
                <text x="200" y="20" class="vk">{ label(kb) }</text>
            </svg>
            <div class="regions">
                <div class={classes!("region", lit(0))}><b>{ { let k = label(ka); trf!(lang, "only {k}: ", "{k}에만: ") } }</b>{ chips(&only_a, "a", lang) }</div>
                <div class={classes!("region", lit(1))}><b>{ tr(lang, "in both: ", "둘 다: ") }</b>{ chips(&both, "ab", lang) }</div>
                <div class={classes!("region", if a.op == Op::Union { "lit" } else { "dim" })}><b>{ { let k = label(kb); trf!(lang, "only {k}: ", "{k}에만: ") } }</b>{ chips(&only_b, "b", lang) }</div>
            </div>
        </div>
    }
}

#[function_component(SetPanel)]
pub fn set_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(SetTrack::default, SetTrack::feed, props.visible);
    if !props.visible {
        return html! {};
    }
    let track = model.get();
    let db = props.session.db;
    let demo = props.session.runs(DEMO);
    let demo_html = html! {
        <div class="demo"><button onclick={demo}>{ tr(lang, "Demo: who is online and premium?", "데모: 접속 중인 프리미엄 사용자는?") }</button>
            <p class="muted small">{ tr(lang, "Two sets of user ids, then SINTER, SUNION and SDIFF: the algebra Redis does on the server.", "사용자 id 집합 두 개에 SINTER, SUNION, SDIFF: Redis가 서버에서 해 주는 교집합·합집합·차집합입니다.") }</p></div>
    };
    let Some(key) = track.key.clone() else {
        return html! {
            <div class="setp">
                <p>{ tr(lang, "No set yet. Try ", "아직 집합이 없습니다. ") }<code>{ "SADD online 1 2 3" }</code>{ ", " }<code>{ "SADD premium 2 3 4" }</code>{ tr(lang, ", then ", ", 그다음 ") }<code>{ "SINTER online premium" }</code>{ tr(lang, ", or:", "을(를) 실행하거나:") }</p>
                { demo_html }
            </div>
        };
    };
    let algebra = track.algebra.clone();
    let eng = engine();
    let eng = eng.borrow();
    let name = String::from_utf8_lossy(&key).into_owned();
    let members = eng.peek_set(db, &key).map(|s| {
        (
            s.ordered().into_iter().cloned().collect::<Vec<_>>(),
            if s.intset { "intset" } else { "hashtable" },
        )
    });
    let max_intset = eng.core.config.set_max_intset_entries;
    drop(eng);
    let head = match &members {
        Some((m, enc)) => html! {
            <>
                <div class="toolbar"><span><b>{ name.clone() }</b>{ { let n = m.len(); trf!(lang, " — {n} members", " — 멤버 {n}개") } }</span>
                    <span class={classes!("enc", *enc)} aria-label={tr(lang, "encoding", "인코딩")}>{ *enc }</span></div>
                <p class="muted small">{ trf!(lang, "intset while every member is an integer and there are at most {max_intset} (set-max-intset-entries); a hash table after that, with no order of its own.", "모든 멤버가 정수이고 {max_intset}개 이하인 동안은 intset (set-max-intset-entries), 그 뒤로는 자체 순서가 없는 해시 테이블입니다.") }</p>
                <div class="members" aria-label={tr(lang, "set members", "집합 멤버")}>{ chips(m, "m", lang) }</div>
            </>
        },
        None => {
            html! { <p><b>{ name.clone() }</b>{ tr(lang, " is not a set now (missing, or another type).", ": 지금은 집합이 아닙니다 (없거나 다른 타입).") }</p> }
        }
    };
    let algebra_html = match &algebra {
        Some(a) => html! {
            <div class="algebra">
                <p><b>{ a.command.clone() }</b>{ format!(" {}", a.keys.iter().map(|k| String::from_utf8_lossy(k).into_owned()).collect::<Vec<_>>().join(" ")) }</p>
                { if a.keys.len() == 2 { venn(db, a, lang) } else { html! {} } }
                <div class="result" aria-label={tr(lang, "result", "결과")}><b>{ { let n = a.count.unwrap_or(a.result.len() as i64); trf!(lang, "result: {n} ", "결과: {n} ") } }</b>
                    { if a.command == "SINTERCARD" { html! { <span class="muted small">{ tr(lang, "(only counted: nothing sent back but the number)", "(개수만 셉니다: 숫자 말고는 돌려주지 않음)") }</span> } } else { chips(&a.result, "r", lang) } }</div>
            </div>
        },
        None => html! {},
    };
    html! {
        <div class="setp">
            { head }
            { algebra_html }
            { demo_html }
        </div>
    }
}

/// Two sets of user ids and the three operations on them.
const DEMO: &[&str] = &[
    "DEL online premium",
    "SADD online 1 2 3 5 8",
    "SADD premium 2 3 4 8",
    "SUNION online premium",
    "SDIFF online premium",
    "SINTER online premium",
];
