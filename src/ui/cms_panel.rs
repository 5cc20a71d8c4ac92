//! The Count-Min panel: the depth × width grid of counters, the cell the last item
//! touches in each row (the engine's own hashes), its estimate (the smallest of them)
//! against the true count, which the panel counts itself from the CMS.INCRBY commands it
//! saw (and carries through CMS.MERGE with its weights).

use std::collections::HashMap;

use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
use super::i18n::{tr, use_lang};
use super::session::{with_rng, PanelProps};
use super::sketch::{bi, increments, items, show};

/// Columns drawn at most; wider sketches are drawn a group of columns per cell.
const COLS: u64 = 48;
/// Rows drawn at most.
const ROWS: u64 = 32;
/// Items whose true count the panel keeps per key.
const TRUTH_LIMIT: usize = 100_000;

type Truth = HashMap<Vec<u8>, u64>;

#[derive(Default)]
struct CmsTrack {
    key: Option<Vec<u8>>,
    db: usize,
    last: Option<Vec<u8>>,
    /// True counts per key (None: the key had counts before the panel saw it made).
    truth: HashMap<Vec<u8>, Option<Truth>>,
}

impl CmsTrack {
    fn feed(&mut self, f: &Feed) -> bool {
        match f {
            Feed::Before { db, argv, .. } if argv.len() >= 2 && is_cms(argv) => {
                let lower = argv[0].to_ascii_lowercase();
                let exists = engine().borrow().peek_cms(*db, &argv[1]).is_some();
                if matches!(lower.as_slice(), b"cms.initbydim" | b"cms.initbyprob") && !exists {
                    self.truth.insert(argv[1].clone(), Some(Truth::new()));
                } else if !exists {
                    self.truth.remove(&argv[1]);
                } else {
                    self.truth.entry(argv[1].clone()).or_insert(None);
                }
                false
            }
            Feed::Ran(o) if is_cms(&o.argv) && o.argv.len() >= 2 && o.ok() && !o.tx => {
                let key = o.argv[1].clone();
                self.key = Some(key.clone());
                self.db = o.db;
                if let Some(it) = items(&o.argv).last() {
                    self.last = Some(it.clone());
                }
                if o.is(&["cms.incrby"]) {
                    if let Some(Some(t)) = self.truth.get_mut(&key) {
                        for (it, n) in increments(&o.argv) {
                            *t.entry(it).or_default() += n;
                        }
                        if t.len() > TRUTH_LIMIT {
                            self.truth.insert(key, None);
                        }
                    }
                } else if o.is(&["cms.merge"]) {
                    self.merge(&o.argv);
                }
                true
            }
            Feed::Replaced => {
                *self = CmsTrack::default();
                true
            }
            Feed::Ran(o) if self.key.is_some() && o.wrote() => true,
            Feed::Background(_) => self.key.is_some(),
            _ => false,
        }
    }

    /// `CMS.MERGE dest n src… [WEIGHTS w…]`: the destination's truth is the weighted sum
    /// of the sources', when the panel knows every source.
    fn merge(&mut self, argv: &[Vec<u8>]) {
        let dest = argv[1].clone();
        let n = std::str::from_utf8(&argv[2])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(0);
        let srcs = argv.get(3..3 + n).unwrap_or(&[]);
        let weights: Vec<i64> = argv
            .get(3 + n + 1..)
            .unwrap_or(&[])
            .iter()
            .filter_map(|w| std::str::from_utf8(w).ok()?.parse().ok())
            .collect();
        let mut out = Truth::new();
        for (i, s) in srcs.iter().enumerate() {
            let w = weights.get(i).copied().unwrap_or(1);
            let Some(Some(t)) = self.truth.get(s) else {
                self.truth.insert(dest, None);
                return;
            };
            if w < 0 {
                self.truth.insert(dest, None);
                return;
            }
            for (it, c) in t {
                *out.entry(it.clone()).or_default() += c * w as u64;
            }
        }
        self.truth.insert(dest, Some(out));
    }
}

fn is_cms(argv: &[Vec<u8>]) -> bool {
    argv.first()
        .is_some_and(|a| a.len() > 4 && a[..4].eq_ignore_ascii_case(b"cms."))
}

#[function_component(CmsPanel)]
pub fn cms_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(CmsTrack::default, CmsTrack::feed, props.visible);
    if !props.visible {
        return html! {};
    }
    let session = props.session.clone();
    let demo = {
        let session = session.clone();
        Callback::from(move |_| session.run_lines(&["DEL demo:cms", "CMS.INITBYDIM demo:cms 16 3"]))
    };
    let stream = {
        let session = session.clone();
        Callback::from(move |_| {
            // 200 page views over 30 pages, Zipf-shaped: page 0 is the home page.
            let weights: Vec<f64> = (0..30).map(|i| 1.0 / (i + 1) as f64).collect();
            let total: f64 = weights.iter().sum();
            let views: Vec<usize> = (0..200)
                .map(|_| {
                    let mut u = with_rng(rand::RngExt::random::<f64>) * total;
                    weights
                        .iter()
                        .position(|w| {
                            u -= w;
                            u <= 0.0
                        })
                        .unwrap_or(29)
                })
                .collect();
            let lines: Vec<String> = views
                .chunks(20)
                .map(|c| {
                    format!(
                        "CMS.INCRBY demo:cms {}",
                        c.iter()
                            .map(|p| format!("page:{p} 1"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    )
                })
                .collect();
            session.run_lines(&lines);
        })
    };
    let buttons = html! {
        <div class="demo">
            <button class="cms-demo" onclick={demo}>{ tr(lang, "Demo: a 3 × 16 sketch", "데모: 3 × 16 스케치") }</button>
            <button class="cms-stream" onclick={stream}>{ tr(lang, "Stream 200 page views", "페이지 조회 200건 흘려보내기") }</button>
            <p class="muted small">{ tr(lang,
                "Each row hashes the item to one counter; collisions only add, so the smallest of its counters is the best guess and never below the truth.",
                "행마다 항목을 카운터 하나로 해시합니다. 충돌은 더하기만 하므로 가장 작은 카운터가 최선의 추정이고, 실제보다 작을 수 없습니다.") }</p>
        </div>
    };
    let m = model.get();
    let Some(key) = m.key.clone() else {
        return html! {
            <div class="sketchp cmsp">
                <p>{ tr(lang, "No Count-Min Sketch yet. Try ", "아직 Count-Min 스케치가 없습니다. 이렇게 해 보세요: ") }<code>{ "CMS.INITBYDIM views 100 4" }</code></p>
                { buttons }
            </div>
        };
    };
    let eng = engine();
    let eng = eng.borrow();
    let Some(cms) = eng
        .peek_cms(m.db, &key)
        .filter(|c| c.width > 0 && c.depth > 0 && c.counters.len() as u64 == c.width * c.depth)
    else {
        return html! {
            <div class="sketchp cmsp">
                <p><b>{ show(&key) }</b>{ tr(lang, " is not a Count-Min Sketch now (missing, or another type).", "은(는) 지금 Count-Min 스케치가 아닙니다(없거나 다른 타입).") }</p>
                { buttons }
            </div>
        };
    };
    let truth = m.truth.get(&key).and_then(|t| t.as_ref());
    let cells = m.last.as_ref().map(|it| cms.cells(it)).unwrap_or_default();
    let est = m.last.as_ref().map(|it| cms.query(it));
    let min_cell = cells.iter().copied().min_by_key(|&c| cms.counters[c]);
    let group = cms.width.div_ceil(COLS).max(1);
    let cols = cms.width.div_ceil(group);
    let max = cms.counters.iter().copied().max().unwrap_or(0).max(1) as f64;
    let grid = (0..cms.depth.min(ROWS)).map(|row| {
        let tds = (0..cols).map(|g| {
            let (a, b) = (g * group, ((g + 1) * group).min(cms.width));
            let idx = |c: u64| (row * cms.width + c) as usize;
            let v = (a..b).map(|c| cms.counters[idx(c)]).max().unwrap_or(0);
            let touched = cells.iter().any(|&c| c >= idx(a) && c < idx(b));
            let is_min = min_cell.is_some_and(|c| c >= idx(a) && c < idx(b));
            let class = classes!("cell", touched.then_some("touched"), is_min.then_some("min"));
            let style = format!("--d:{:.2}", v as f64 / max);
            html! { <td {class} {style} title={format!("row {row}, column {a}{}: {v}", if group > 1 { format!("–{}", b - 1) } else { String::new() })}>{ if group == 1 && cms.width <= 24 { v.to_string() } else { String::new() } }</td> }
        });
        html! { <tr><th>{ row }</th>{ for tds }</tr> }
    });
    let touched_rows = cells.iter().take(ROWS as usize).enumerate().map(|(row, &c)| {
        let is_min = Some(c) == min_cell;
        html! { <tr class={classes!(is_min.then_some("min"))}><td>{ row }</td><td class="num">{ c as u64 - row as u64 * cms.width }</td><td class="num">{ cms.counters[c] }</td></tr> }
    });
    let last_note = m.last.as_ref().zip(est).map(|(it, e)| {
        let t = truth.map(|t| t.get(it).copied().unwrap_or(0));
        html! {
            <p class="estimate">
                { bi(lang, format!("{}: estimate ", show(it)), format!("{}: 추정 ", show(it))) }<b class="est">{ e }</b>
                { for t.map(|t| html! { <>{ tr(lang, ", true count ", ", 실제 ") }<b class="truth">{ t }</b>
                    { bi(lang, format!(" (over by {})", e.saturating_sub(t)), format!(" ({} 초과)", e.saturating_sub(t))) }</> }) }
            </p>
        }
    });
    let mut top: Vec<(&Vec<u8>, &u64)> = truth.map(|t| t.iter().collect()).unwrap_or_default();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let items_rows = top.iter().take(12).map(|(it, &t)| {
        let e = cms.query(it);
        html! { <tr><td>{ show(it) }</td><td class="num">{ t }</td><td class="num">{ e }</td><td class={classes!("num", (e > t).then_some("over"))}>{ e - t.min(e) }</td></tr> }
    });
    let bound = 2.0 / cms.width as f64 * cms.count as f64;
    html! {
        <div class="sketchp cmsp">
            <div class="toolbar"><span><b>{ show(&key) }</b>
                { bi(lang, format!(" — depth {} × width {}, total count {}, {} bytes", cms.depth, cms.width, cms.count, cms.mem_usage()),
                    format!(" — 깊이 {} × 너비 {}, 총합 {}, {}바이트", cms.depth, cms.width, cms.count, cms.mem_usage())) }</span></div>
            { for last_note }
            <table class="cmsgrid" aria-label={tr(lang, "counters", "카운터")}><tbody>{ for grid }</tbody></table>
            { if cms.depth > ROWS { html! { <p class="muted small">{ bi(lang, format!("First {ROWS} of {} rows.", cms.depth), format!("{}행 중 처음 {ROWS}행.", cms.depth)) }</p> } } else { html! {} } }
            { if group > 1 { html! { <p class="muted small">{ bi(lang, format!("Each cell is {group} columns (the largest shown)."), format!("칸 하나가 열 {group}개(가장 큰 값)입니다.")) }</p> } } else { html! {} } }
            { if cells.is_empty() { html! {} } else { html! {
                <table class="touched"><thead><tr><th>{ tr(lang, "row", "행") }</th><th>{ tr(lang, "column", "열") }</th><th>{ tr(lang, "counter", "카운터") }</th></tr></thead>
                    <tbody>{ for touched_rows }</tbody></table>
            } } }
            { match truth {
                Some(_) => html! {
                    <table class="cmsitems"><thead><tr><th>{ tr(lang, "item", "항목") }</th><th>{ tr(lang, "true", "실제") }</th><th>{ tr(lang, "estimate", "추정") }</th><th>{ tr(lang, "over", "초과") }</th></tr></thead>
                        <tbody>{ for items_rows }</tbody></table>
                },
                None => html! { <p class="muted small">{ tr(lang, "The true counts are unknown: this sketch had counts before the panel saw it made.", "실제 개수를 모릅니다: 패널이 생성을 보기 전에 이미 값이 있던 스케치입니다.") }</p> },
            } }
            <p class="muted small">{ bi(lang, format!("Guarantee: over by at most 2/width × total = {bound:.1}, with probability 1 − ½^depth = {:.1}%.", (1.0 - 0.5f64.powi(cms.depth as i32)) * 100.0),
                format!("보장: 초과분은 2/너비 × 총합 = {bound:.1} 이하, 확률 1 − ½^깊이 = {:.1}%.", (1.0 - 0.5f64.powi(cms.depth as i32)) * 100.0)) }</p>
            { buttons }
        </div>
    }
}
