//! The sorted-set panel: a leaderboard (highest score first) that shows the last range
//! query and animates a member moving through the ranks, and, for small sets, the skip
//! list itself with the path a ZRANK or ZSCORE walks down its levels.

use std::collections::HashSet;

use yew::prelude::*;

use super::engine;
use super::state::{Action, AppState};
use crate::engine::reply::format_double_g17;
use crate::engine::zset::{LexBound, LexRange, ScoreRange};

/// Rows of the leaderboard shown at once.
pub const WINDOW: usize = 15;
/// Sets up to this size are also drawn as a skip list.
const DRAW_LIMIT: usize = 16;

#[derive(Clone, Default, PartialEq)]
pub struct ZTrack {
    pub key: Option<Vec<u8>>,
    /// Members the last range query returned, and how it was asked.
    pub highlight: HashSet<Vec<u8>>,
    pub query: String,
    /// The last member whose score changed: (member, rank before, rank after), ranks
    /// counted from the top.
    pub moved: Option<(Vec<u8>, Option<u64>, Option<u64>)>,
    /// The member a ZRANK/ZSCORE looked up (its search path is drawn).
    pub lookup: Option<Vec<u8>>,
    /// First leaderboard row shown.
    pub offset: usize,
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

impl ZTrack {
    /// What a sorted-set command is about to change: the member whose rank to follow.
    pub fn before(argv: &[Vec<u8>], db: usize) -> Option<(Vec<u8>, Option<u64>)> {
        let name = lower(argv.first()?);
        let member = match name.as_str() {
            "zincrby" => argv.get(3)?,
            "zadd" => argv.last()?,
            _ => return None,
        };
        Some((member.clone(), top_rank(db, &argv[1], member)))
    }

    pub fn observe(&mut self, argv: &[Vec<u8>], db: usize, before: Option<(Vec<u8>, Option<u64>)>) {
        let Some(name) = argv.first().map(|a| lower(a)) else {
            return;
        };
        if !(name.starts_with('z') || name.starts_with("bz")) || argv.len() < 2 {
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
        }
        self.key = Some(key.clone());
        self.lookup = None;
        if let Some((member, old)) = before {
            let new = top_rank(db, &key, &member);
            self.moved = Some((member, old, new));
        }
        if matches!(name.as_str(), "zrank" | "zrevrank" | "zscore") {
            self.lookup = argv.get(2).cloned();
        }
        let range = |this: &mut ZTrack, members: Vec<Vec<u8>>, q: String| {
            this.highlight = members.into_iter().collect();
            this.query = q;
        };
        let eng = engine();
        let eng = eng.borrow();
        let Some(z) = eng.peek_zset(db, &key) else {
            return;
        };
        let args: Vec<String> = argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let by = |w: &str| args.iter().any(|a| a.eq_ignore_ascii_case(w));
        let parse = |a: &str| crate::engine::util::parse_i64(a.as_bytes());
        let bound = |a: &str| -> Option<(f64, bool)> {
            let (t, ex) = a.strip_prefix('(').map_or((a, false), |t| (t, true));
            crate::engine::zset::parse_score(t.as_bytes()).map(|v| (v, ex))
        };
        match name.as_str() {
            "zrange" | "zrevrange" if args.len() >= 4 && !by("byscore") && !by("bylex") => {
                let rev = name == "zrevrange" || by("rev");
                if let (Some(a), Some(b)) = (parse(&args[2]), parse(&args[3])) {
                    let len = z.len() as i64;
                    let (a, b) = (
                        if a < 0 { a + len } else { a }.max(0),
                        if b < 0 { b + len } else { b },
                    );
                    if a <= b && a < len {
                        let items =
                            z.zsl
                                .range_by_rank(a as u64, (b.min(len - 1) - a + 1) as u64, rev);
                        range(
                            self,
                            items.into_iter().map(|(m, _)| m.to_vec()).collect(),
                            format!("by rank {a}..{b}{}", if rev { ", reversed" } else { "" }),
                        );
                    }
                }
            }
            "zrange" | "zrangebyscore" | "zrevrangebyscore" | "zcount" | "zremrangebyscore"
                if by("byscore") || name != "zrange" =>
            {
                let rev = name == "zrevrangebyscore" || by("rev");
                let (lo, hi) = if rev {
                    (&args[3], &args[2])
                } else {
                    (&args[2], &args[3])
                };
                if let (Some((min, minex)), Some((max, maxex))) = (bound(lo), bound(hi)) {
                    let r = ScoreRange {
                        min,
                        max,
                        minex,
                        maxex,
                    };
                    let members = z
                        .zsl
                        .iter_score(&r, false)
                        .map(|(m, _)| m.to_vec())
                        .collect();
                    range(self, members, format!("by score {lo}..{hi}"));
                }
            }
            "zrange" | "zrangebylex" | "zrevrangebylex" | "zlexcount"
                if by("bylex") || name != "zrange" =>
            {
                let rev = name == "zrevrangebylex" || by("rev");
                let (lo, hi) = if rev {
                    (&args[3], &args[2])
                } else {
                    (&args[2], &args[3])
                };
                if let (Some(min), Some(max)) = (
                    LexBound::parse(lo.as_bytes()),
                    LexBound::parse(hi.as_bytes()),
                ) {
                    let r = LexRange { min, max };
                    let members = z
                        .zsl
                        .iter_lex(&r, false, z.listpack)
                        .take_while(|&(m, _)| r.lte_max(m))
                        .map(|(m, _)| m.to_vec())
                        .collect();
                    range(self, members, format!("by lex {lo}..{hi}"));
                }
            }
            _ => {}
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub state: UseReducerHandle<AppState>,
}

#[function_component(ZsetPanel)]
pub fn zset_panel(props: &Props) -> Html {
    let state = &props.state;
    let db = state.db();
    let track = &state.zset;
    let demo = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::ZsetDemo))
    };
    let eng = engine();
    let eng = eng.borrow();
    let z = track.key.as_ref().and_then(|k| eng.peek_zset(db, k));
    let Some(z) = z else {
        return html! {
            <div class="zset">
                <p>{ "No sorted set yet. Try " }<code>{ "ZADD scores 100 alice 80 bob" }</code>{ ", or:" }</p>
                <button onclick={demo}>{ "Demo: a game leaderboard" }</button>
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
            (None, Some(n)) => format!(" new at {}", n + 1),
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
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::ZsetScroll(delta)))
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
            <div class="skiplist" aria-label="skip list levels">
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
                <div class="muted small">{ if path.is_empty() { "Each element reaches level k+1 with probability 1/4. Run ZRANK or ZSCORE to see the search path.".to_string() }
                    else { format!("{} steps: right along the high levels, then down, as ZRANK walks it", path.len()) } }</div>
            </div>
        }
    });
    html! {
        <div class="zset">
            <div class="toolbar">
                <span><b>{ String::from_utf8_lossy(track.key.as_deref().unwrap_or_default()).into_owned() }</b>
                    { format!(" — {len} members, {}", if z.listpack { "listpack" } else { "skiplist" }) }</span>
                <span class="muted">{ if track.query.is_empty() { String::new() } else { format!("last range: {} ({} members)", track.query, track.highlight.len()) } }</span>
            </div>
            <ol class="leaderboard">{ for bars }</ol>
            <div class="pager">
                <button disabled={offset == 0} onclick={page(-(WINDOW as i64))}>{ "higher" }</button>
                <button disabled={offset + WINDOW >= len} onclick={page(WINDOW as i64)}>{ "lower" }</button>
                <span class="muted">{ format!("ranks {}..{} of {len}", offset + 1, (offset + WINDOW).min(len)) }</span>
            </div>
            { for drawing }
            <div class="demo">
                <button onclick={demo}>{ "Demo: a game leaderboard" }</button>
                <p class="muted small">{ "100 players, random score updates with ZINCRBY, “my rank” with ZREVRANK, the top 10 with ZREVRANGE." }</p>
            </div>
        </div>
    }
}
