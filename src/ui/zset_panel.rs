//! The sorted-set panel: a leaderboard (highest score first) that shows the last range
//! query and animates a member moving through the ranks, and, for small sets, the skip
//! list itself with the path a ZRANK or ZSCORE walks down its levels.

use std::collections::HashSet;

use yew::prelude::*;

use super::engine;
use super::exec::{is_command, use_model, Feed};
use super::i18n::{self, tr, trf, use_lang, Lang};
use super::session::{with_rng, PanelProps, Session};
use crate::engine::cmd::zset::members_in_range;
use crate::engine::reply::format_double_g17;
use crate::engine::Reply;

/// Rows of the leaderboard shown at once.
pub const WINDOW: usize = 15;
/// Sets up to this size are also drawn as a skip list.
const DRAW_LIMIT: usize = 16;

#[derive(Default)]
pub struct ZTrack {
    pub key: Option<Vec<u8>>,
    /// Members the last range query returned (its own reply), and how it was asked.
    pub highlight: HashSet<Vec<u8>>,
    pub query: String,
    /// The last member whose score changed: (member, rank before, rank after), ranks
    /// counted from the top.
    pub moved: Option<(Vec<u8>, Option<u64>, Option<u64>)>,
    /// The member a ZRANK/ZSCORE looked up (its search path is drawn).
    pub lookup: Option<Vec<u8>>,
    /// First leaderboard row shown.
    pub offset: usize,
    /// A change about to happen: (key, member, its rank before), from the feed's
    /// `Before`.
    before: Option<(Vec<u8>, Vec<u8>, Option<u64>)>,
    /// The last range command, its reply and database, not yet turned into `highlight`
    /// (that is done when the panel draws, not for every command).
    range: Option<(Vec<Vec<u8>>, Reply, usize)>,
}

fn lower(a: &[u8]) -> String {
    String::from_utf8_lossy(a).to_ascii_lowercase()
}

/// A member's rank from the top (ZREVRANK), read without side effects.
pub fn top_rank(db: usize, key: &[u8], member: &[u8]) -> Option<u64> {
    let eng = engine();
    let eng = eng.borrow();
    eng.peek_zset(db, key)?.rank(member, true)
}

/// The members in a range reply: a flat array, members and scores taking turns when
/// `withscores` (RESP2), or an array of pairs (RESP3).
fn reply_members(reply: &Reply, withscores: bool) -> Vec<Vec<u8>> {
    let Reply::Array(items) = reply else {
        return Vec::new();
    };
    let step = if withscores && !matches!(items.first(), Some(Reply::Array(_))) {
        2
    } else {
        1
    };
    items
        .iter()
        .step_by(step)
        .filter_map(|r| match r {
            Reply::Bulk(m) => Some(m.clone()),
            Reply::Array(pair) => match pair.first() {
                Some(Reply::Bulk(m)) => Some(m.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// (key, member, rank before) of a change about to happen.
type Before = Option<(Vec<u8>, Vec<u8>, Option<u64>)>;

impl ZTrack {
    fn feed(&mut self, f: &Feed) -> bool {
        match f {
            Feed::Before { db, argv, .. } => {
                self.before = Self::before(argv, *db);
                false
            }
            Feed::Ran(o) => {
                let before = self.before.take();
                match &o.reply {
                    Some(r) if o.ok() => {
                        self.observe(&o.argv, r, o.db, before);
                        // Its own commands, and any write that may have changed the set.
                        o.starts("z") || o.starts("bz") || (self.key.is_some() && o.wrote())
                    }
                    _ => false,
                }
            }
            Feed::Replaced => {
                *self = ZTrack::default();
                true
            }
            Feed::Delivered { .. } | Feed::Background(_) => self.key.is_some(),
            Feed::Pushed { .. } => false,
        }
    }

    /// What a sorted-set command is about to change: the member whose rank to follow.
    fn before(argv: &[Vec<u8>], db: usize) -> Before {
        if !is_command(argv, &["zincrby", "zadd"]) {
            return None;
        }
        let name = lower(argv.first()?);
        let member = match name.as_str() {
            "zincrby" => argv.get(3)?,
            "zadd" => argv.last()?,
            _ => return None,
        };
        Some((
            argv[1].clone(),
            member.clone(),
            top_rank(db, &argv[1], member),
        ))
    }

    /// Follows a successful sorted-set command, with its reply: the key shown, the range
    /// it returned (highlighted), the member it moved or looked up.
    pub fn observe(&mut self, argv: &[Vec<u8>], reply: &Reply, db: usize, before: Before) {
        let first = argv
            .first()
            .and_then(|a| a.first())
            .map(u8::to_ascii_lowercase);
        if !matches!(first, Some(b'z' | b'b')) || argv.len() < 2 {
            return;
        }
        let name = lower(&argv[0]);
        if !(name.starts_with('z') || name.starts_with("bz")) {
            return;
        }
        let key = match name.as_str() {
            "zrangestore" | "zunionstore" | "zinterstore" | "zdiffstore" => argv[1].clone(),
            "zunion" | "zinter" | "zdiff" | "zintercard" | "zmpop" => match argv.get(2) {
                Some(k) => k.clone(),
                None => return,
            },
            _ => argv[1].clone(),
        };
        if self.key.as_ref() != Some(&key) {
            self.offset = 0;
            self.highlight.clear();
            self.query.clear();
            self.range = None;
        }
        self.key = Some(key.clone());
        self.lookup = None;
        if let Some((k, member, old)) = before.filter(|(k, _, _)| *k == key) {
            let new = top_rank(db, &k, &member);
            self.moved = Some((member, old, new));
        }
        if matches!(name.as_str(), "zrank" | "zrevrank" | "zscore") {
            self.lookup = argv.get(2).cloned();
        }
        const RANGES: &[&str] = &[
            "zrange",
            "zrevrange",
            "zrangebyscore",
            "zrevrangebyscore",
            "zrangebylex",
            "zrevrangebylex",
            "zcount",
            "zlexcount",
        ];
        if argv.len() >= 4 && is_command(argv, RANGES) {
            self.range = Some((argv.to_vec(), reply.clone(), db));
        }
    }

    /// Turns the last range command into the highlighted members and the label.
    fn resolve(&mut self) {
        let Some((argv, reply, db)) = self.range.take() else {
            return;
        };
        let (argv, reply, db) = (&argv[..], &reply, db);
        let name = lower(&argv[0]);
        let key = &argv[1];
        let args: Vec<String> = argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let has = |w: &str| args.iter().any(|a| a.eq_ignore_ascii_case(w));
        let limit = args
            .iter()
            .position(|a| a.eq_ignore_ascii_case("limit"))
            .and_then(|i| Some(format!(" LIMIT {} {}", args.get(i + 1)?, args.get(i + 2)?)))
            .unwrap_or_default();
        let rev = name.starts_with("zrev") || has("rev");
        let lang = i18n::current();
        let how = if name.ends_with("bylex") || has("bylex") {
            tr(lang, "lex", "사전순")
        } else if name.ends_with("byscore") || has("byscore") {
            tr(lang, "score", "점수")
        } else {
            tr(lang, "rank", "순위")
        };
        let (members, query) = match name.as_str() {
            // What the range command returned, LIMIT and all: its own reply.
            "zrange" | "zrevrange" | "zrangebyscore" | "zrevrangebyscore" | "zrangebylex"
            | "zrevrangebylex"
                if args.len() >= 4 =>
            {
                (reply_members(reply, has("withscores")), {
                    let (from, to) = (&args[2], &args[3]);
                    let rev = if rev {
                        tr(lang, ", reversed", ", 역순")
                    } else {
                        ""
                    };
                    match lang {
                        Lang::En => format!("by {how} {from}..{to}{rev}{limit}"),
                        Lang::Ko => format!("{how} 기준 {from}..{to}{rev}{limit}"),
                    }
                })
            }
            // What a count covered, from the engine's read-only view of the range code.
            "zcount" | "zlexcount" if args.len() >= 4 => {
                let eng = engine();
                let eng = eng.borrow();
                let Some(z) = eng.peek_zset(db, key) else {
                    return;
                };
                let bylex = name == "zlexcount";
                let Some(m) = members_in_range(z, bylex, &argv[2], &argv[3]) else {
                    return;
                };
                let how = if bylex {
                    tr(lang, "lex", "사전순")
                } else {
                    tr(lang, "score", "점수")
                };
                let (from, to) = (&args[2], &args[3]);
                (
                    m,
                    trf!(
                        lang,
                        "{name} by {how} {from}..{to}",
                        "{name} {how} 기준 {from}..{to}"
                    ),
                )
            }
            _ => return,
        };
        self.highlight = members.into_iter().collect();
        self.query = query;
    }
}

#[function_component(ZsetPanel)]
pub fn zset_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(ZTrack::default, ZTrack::feed, props.visible);
    if !props.visible {
        return html! {};
    }
    let db = props.session.db;
    model.get_mut().resolve();
    let track = model.get();
    let demo = {
        let session = props.session.clone();
        Callback::from(move |_| game_leaderboard(&session))
    };
    let eng = engine();
    let eng = eng.borrow();
    let z = track.key.as_ref().and_then(|k| eng.peek_zset(db, k));
    let Some(z) = z else {
        return html! {
            <div class="zset">
                <p>{ tr(lang, "No sorted set yet. Try ", "아직 정렬 집합이 없습니다. ") }<code>{ "ZADD scores 100 alice 80 bob" }</code>{ tr(lang, ", or:", "을(를) 실행하거나:") }</p>
                <button onclick={demo}>{ tr(lang, "Demo: a game leaderboard", "데모: 게임 리더보드") }</button>
            </div>
        };
    };
    let len = z.len();
    let offset = track.offset.min(len.saturating_sub(1));
    let rows = z.zsl.range_by_rank(offset as u64, WINDOW as u64, true);
    let (lo, hi) = rows.iter().fold((f64::MAX, f64::MIN), |(a, b), (_, s)| {
        (a.min(*s), b.max(*s))
    });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let moved = track.moved.as_ref();
    let bars = rows.iter().enumerate().map(|(i, (m, s))| {
        let rank = offset + i;
        let width = if hi > lo { 12.0 + 88.0 * (s - lo) / span } else { 100.0 };
        let is_moved = moved.is_some_and(|(mm, _, _)| mm[..] == **m);
        let note = moved.filter(|_| is_moved).map(|(_, old, new)| match (old, new) {
            (Some(o), Some(n)) if o > n => format!(" ↑ {} → {}", o + 1, n + 1),
            (Some(o), Some(n)) if o < n => format!(" ↓ {} → {}", o + 1, n + 1),
            (None, Some(n)) => {
                let n = n + 1;
                trf!(lang, " new at {n}", " {n}위로 새로 진입")
            }
            _ => String::new(),
        });
        let cls = classes!(
            "lbrow",
            track.highlight.contains(*m).then_some("hit"),
            is_moved.then_some("moved")
        );
        html! {
            <li class={cls} key={String::from_utf8_lossy(m).into_owned()}>
                <span class="rank">{ rank + 1 }</span>
                <span class="member">{ String::from_utf8_lossy(m).into_owned() }{ note.unwrap_or_default() }</span>
                <span class="bar"><span class="fill" style={format!("width:{width:.1}%")}></span></span>
                <span class="score">{ format_double_g17(z.shown(*s)) }</span>
            </li>
        }
    });
    let page = |delta: i64| {
        let model = model.clone();
        Callback::from(move |_| {
            model.update(|m| m.offset = (m.offset as i64 + delta).max(0) as usize)
        })
    };
    // The skip list itself, for small sets: one column per element, one row per level.
    let drawing = (len <= DRAW_LIMIT && len > 0).then(|| {
        let nodes = z.zsl.levels_in_order();
        let top = z.zsl.levels();
        let path: Vec<(usize, Option<u64>)> = track
            .lookup
            .as_ref()
            .and_then(|m| z.score(m).map(|s| z.zsl.search_path(s, m)))
            .unwrap_or_default();
        html! {
            <div class="skiplist" aria-label={tr(lang, "skip list levels", "스킵 리스트 레벨")}>
                { for (0..top).rev().map(|lvl| html! {
                    <div class="sl-level">
                        <span class="sl-name">{ format!("L{}", lvl + 1) }</span>
                        <span class={classes!("sl-cell", "head", path.iter().any(|&(l, r)| l == lvl && r.is_none()).then_some("walk"))}>{ "head" }</span>
                        { for nodes.iter().enumerate().map(|(i, (m, _, levels))| {
                            let on = *levels > lvl;
                            let walked = path.iter().any(|&(l, r)| l == lvl && r == Some(i as u64));
                            html! { <span class={classes!("sl-cell", on.then_some("on"), walked.then_some("walk"))}
                                title={String::from_utf8_lossy(m).into_owned()}>{ if on { String::from_utf8_lossy(m).chars().take(6).collect::<String>() } else { String::new() } }</span> }
                        }) }
                    </div>
                }) }
                <div class="muted small">{ if path.is_empty() { tr(lang, "Each element reaches level k+1 with probability 1/4. Run ZRANK or ZSCORE to see the search path.", "원소는 1/4 확률로 레벨 k+1까지 올라갑니다. ZRANK나 ZSCORE를 실행하면 탐색 경로가 보입니다.").to_string() }
                    else { let n = path.len(); trf!(lang, "{n} steps: right along the high levels, then down, as ZRANK walks it", "{n}단계: ZRANK처럼 높은 레벨을 따라 오른쪽으로 가다가 아래로 내려갑니다") } }</div>
            </div>
        }
    });
    html! {
        <div class="zset">
            <div class="toolbar">
                <span><b>{ String::from_utf8_lossy(track.key.as_deref().unwrap_or_default()).into_owned() }</b>
                    { { let enc = if z.listpack { "listpack" } else { "skiplist" }; trf!(lang, " — {len} members, {enc}", " — 멤버 {len}개, {enc}") } }</span>
                <span class="muted">{ if track.query.is_empty() { String::new() } else { let (q, n) = (&track.query, track.highlight.len()); trf!(lang, "last range: {q} ({n} members)", "마지막 범위: {q} (멤버 {n}개)") } }</span>
            </div>
            <ol class="leaderboard">{ for bars }</ol>
            <div class="pager">
                <button disabled={offset == 0} onclick={page(-(WINDOW as i64))}>{ tr(lang, "higher", "위로") }</button>
                <button disabled={offset + WINDOW >= len} onclick={page(WINDOW as i64)}>{ tr(lang, "lower", "아래로") }</button>
                <span class="muted">{ { let (a, b) = (offset + 1, (offset + WINDOW).min(len)); trf!(lang, "ranks {a}..{b} of {len}", "{len}명 중 {a}..{b}위") } }</span>
            </div>
            { for drawing }
            <div class="demo">
                <button onclick={demo}>{ tr(lang, "Demo: a game leaderboard", "데모: 게임 리더보드") }</button>
                <p class="muted small">{ tr(lang, "100 players, random score updates with ZINCRBY, “my rank” with ZREVRANK, the top 10 with ZREVRANGE.", "플레이어 100명, ZINCRBY로 무작위 점수 갱신, ZREVRANK로 “내 순위”, ZREVRANGE로 상위 10명.") }</p>
            </div>
        </div>
    }
}

/// The game leaderboard demo: 100 players with random scores, a few ZINCRBY updates,
/// then "my rank" (ZREVRANK), my score and the top ten.
fn game_leaderboard(session: &Session) {
    use rand::RngExt;
    let mut argv = vec![b"ZADD".to_vec(), b"game:scores".to_vec()];
    let updates: Vec<String> = with_rng(|r| {
        for p in 1..=100 {
            argv.push(r.random_range(0..1000u32).to_string().into_bytes());
            argv.push(format!("player:{p}").into_bytes());
        }
        (0..5)
            .map(|_| {
                format!(
                    "ZINCRBY game:scores {} player:{}",
                    r.random_range(10..300u32),
                    r.random_range(1..=100u32)
                )
            })
            .collect()
    });
    session.run_argv(
        "ZADD game:scores <100 players with random scores>".into(),
        argv,
    );
    let mut lines = updates;
    lines.extend([
        "ZREVRANK game:scores player:42".to_string(),
        "ZSCORE game:scores player:42".to_string(),
        "ZREVRANGE game:scores 0 9 WITHSCORES".to_string(),
    ]);
    session.run_lines(&lines);
}
