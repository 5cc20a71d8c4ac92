//! The HyperLogLog panel: the 16384 registers as a 128×128 heatmap, the register the last
//! element touched with its hash split into index bits and the run of zeros, the
//! histogram the estimator reads, estimate against the exact count over time, the
//! encoding and size with the moment of promotion, and a PFMERGE view.

use std::collections::{HashMap, HashSet};

use wasm_bindgen::{Clamped, JsCast};
use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
use super::i18n::{tr, trf, use_lang};
use super::session::{with_rng, PanelProps};
use crate::engine::hll::{self, REGISTERS};

/// The panel keeps exact sets up to this many elements per key, to show the true error.
pub const EXACT_LIMIT: usize = 200_000;
/// Points kept in the estimate-over-time chart.
const SERIES_KEPT: usize = 200;
/// Standard error of Redis's HLL: 1.04 / sqrt(16384).
const STD_ERROR: f64 = 0.0081;

/// What the panel remembers about HLL keys it has seen change (its own model, never
/// cloned: the exact sets hold up to 200,000 elements a key).
#[derive(Default)]
pub struct HllTrack {
    /// The key shown.
    pub key: Option<Vec<u8>>,
    /// Per key, the last element added through the console or the panel.
    pub last: HashMap<Vec<u8>, LastElement>,
    /// Exact distinct elements per key (None once past `EXACT_LIMIT`).
    pub exact: HashMap<Vec<u8>, Option<HashSet<Vec<u8>>>>,
    /// Per key, (exact count, estimate, dense?) after each change.
    pub series: HashMap<Vec<u8>, Vec<(u64, u64, bool)>>,
    /// The key to compare with in the PFMERGE view.
    pub other: String,
    /// When each key's series got its last point (ms): a burst of PFADDs (a script,
    /// devtools) records at most one point per key every `SERIES_EVERY_MS`.
    pointed: HashMap<Vec<u8>, f64>,
}

/// Least time between two points of one key's error series.
const SERIES_EVERY_MS: f64 = 20.0;

#[derive(Clone, PartialEq)]
pub struct LastElement {
    pub element: Vec<u8>,
    pub index: usize,
    pub run: u8,
    pub hash: u64,
}

impl HllTrack {
    fn feed(&mut self, f: &Feed) -> bool {
        match f {
            Feed::Ran(o) if o.ok() => {
                const WATCHED: &[&str] = &[
                    "pfadd", "pfmerge", "pfcount", "pfdebug", "del", "unlink", "flushdb",
                    "flushall", "set", "getdel",
                ];
                if o.is(WATCHED) {
                    self.observe(&o.argv, o.db)
                } else {
                    self.key.is_some() && o.wrote()
                }
            }
            Feed::Replaced => {
                *self = HllTrack::default();
                true
            }
            Feed::Background(_) => self.key.is_some(),
            _ => false,
        }
    }

    /// Follows a command that ran: PFADD elements and PFMERGE unions update the
    /// exact sets, and the touched key becomes the one shown.
    pub fn observe(&mut self, argv: &[Vec<u8>], db: usize) -> bool {
        let Some(name) = argv.first().map(|a| a.to_ascii_lowercase()) else {
            return false;
        };
        match name.as_slice() {
            b"pfadd" if argv.len() >= 2 => {
                let key = argv[1].clone();
                let set = self
                    .exact
                    .entry(key.clone())
                    .or_insert_with(|| Some(HashSet::new()));
                for e in &argv[2..] {
                    if let Some(s) = set {
                        s.insert(e.clone());
                        if s.len() > EXACT_LIMIT {
                            *set = None;
                        }
                    }
                }
                if let Some(e) = argv.get(2..).and_then(|a| a.last()) {
                    let (index, run, hash) = hll::pattern(e);
                    self.last.insert(
                        key.clone(),
                        LastElement {
                            element: e.clone(),
                            index,
                            run,
                            hash,
                        },
                    );
                }
                self.show(key, db, true);
            }
            b"pfmerge" if argv.len() >= 2 => {
                let mut union: Option<HashSet<Vec<u8>>> = Some(HashSet::new());
                for k in &argv[1..] {
                    let part = match self.exact.get(k) {
                        Some(p) => p.clone(),
                        None if engine().borrow().peek_string(db, k).is_none() => {
                            Some(HashSet::new())
                        }
                        None => None,
                    };
                    union = match (union, part) {
                        (Some(mut u), Some(p)) => {
                            u.extend(p);
                            (u.len() <= EXACT_LIMIT).then_some(u)
                        }
                        _ => None,
                    };
                }
                self.exact.insert(argv[1].clone(), union);
                self.show(argv[1].clone(), db, true);
            }
            b"pfcount" | b"pfdebug" if argv.len() >= 2 => {
                let key = if name == b"pfdebug" {
                    argv.get(2)
                } else {
                    argv.get(1)
                };
                if let Some(k) = key {
                    self.show(k.clone(), db, false);
                }
            }
            b"del" | b"unlink" | b"flushdb" | b"flushall" | b"set" | b"getdel" => {
                // The key no longer holds what we counted.
                let keys: Vec<Vec<u8>> = if name.starts_with(b"flush") {
                    self.exact.keys().cloned().collect()
                } else if name == b"set" || name == b"getdel" {
                    argv.get(1).cloned().into_iter().collect()
                } else {
                    argv[1..].to_vec()
                };
                for k in keys {
                    self.exact.remove(&k);
                    self.series.remove(&k);
                    self.last.remove(&k);
                }
            }
            // Anything else may still have changed the key shown.
            _ => return self.key.is_some(),
        }
        true
    }

    /// Shows `key`; after a change (`changed`) also records a point of its error series.
    fn show(&mut self, key: Vec<u8>, db: usize, changed: bool) {
        self.key = Some(key.clone());
        if !changed {
            return;
        }
        let now = js_sys::Date::now();
        if self
            .pointed
            .get(&key)
            .is_some_and(|&at| now - at < SERIES_EVERY_MS)
        {
            return;
        }
        self.pointed.insert(key.clone(), now);
        let eng = engine();
        let eng = eng.borrow();
        let Some(bytes) = eng.peek_string(db, &key).filter(|b| hll::is_valid(b)) else {
            return;
        };
        let (Some(estimate), Some(Some(set))) = (hll::count(bytes), self.exact.get(&key)) else {
            return;
        };
        let series = self.series.entry(key).or_default();
        series.push((
            set.len() as u64,
            estimate,
            hll::encoding(bytes) == hll::DENSE,
        ));
        let n = series.len();
        if n > SERIES_KEPT {
            series.drain(..n - SERIES_KEPT);
        }
    }
}

/// Viridis-like colours for register values 0..=max (0 is the background).
fn colour(v: u8, max: u8) -> [u8; 4] {
    if v == 0 {
        return [24, 30, 40, 255];
    }
    let t = v as f64 / max.max(1) as f64;
    let stops = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let x = t * (stops.len() - 1) as f64;
    let i = (x.floor() as usize).min(stops.len() - 2);
    let f = x - i as f64;
    let (a, b) = (stops[i], stops[i + 1]);
    [
        (a.0 + (b.0 - a.0) * f) as u8,
        (a.1 + (b.1 - a.1) * f) as u8,
        (a.2 + (b.2 - a.2) * f) as u8,
        255,
    ]
}

/// Paints registers onto a 128×128 canvas, outlining one register if given.
fn paint(canvas: &NodeRef, regs: &[u8; REGISTERS], mark: Option<usize>) {
    let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>() else {
        return;
    };
    let Some(ctx) = c
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|x| x.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let max = regs.iter().copied().max().unwrap_or(0);
    let mut rgba = Vec::with_capacity(REGISTERS * 4);
    for &r in regs.iter() {
        rgba.extend_from_slice(&colour(r, max));
    }
    if let Ok(img) = web_sys::ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), 128, 128)
    {
        let _ = ctx.put_image_data(&img, 0.0, 0.0);
    }
    if let Some(i) = mark {
        ctx.set_stroke_style_str("#ff4d4d");
        ctx.set_line_width(1.0);
        let (x, y) = ((i % 128) as f64, (i / 128) as f64);
        ctx.stroke_rect(x - 1.5, y - 1.5, 4.0, 4.0);
    }
}

fn regs_of(db: usize, key: &[u8]) -> Option<([u8; REGISTERS], Vec<u8>)> {
    let eng = engine();
    let eng = eng.borrow();
    let bytes = eng.peek_string(db, key)?;
    if !hll::is_valid(bytes) {
        return None;
    }
    let mut regs = [0u8; REGISTERS];
    hll::registers(bytes, &mut regs).then(|| (regs, bytes.to_vec()))
}

#[function_component(HllPanel)]
pub fn hll_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(HllTrack::default, HllTrack::feed, props.visible);
    let canvas = use_node_ref();
    let canvas_b = use_node_ref();
    let canvas_m = use_node_ref();
    // Repaints after every render of the panel in front (the canvases are not virtual DOM).
    let painted = use_mut_ref(|| 0u64);
    *painted.borrow_mut() += 1;
    let db = props.session.db;
    let track = model.get();
    let key = track.key.clone();
    // Read only for the panel in front: a hidden panel draws nothing.
    let data = key
        .as_ref()
        .filter(|_| props.visible)
        .and_then(|k| regs_of(db, k));
    let other = (props.visible && !track.other.is_empty())
        .then(|| regs_of(db, track.other.as_bytes()))
        .flatten();

    {
        let (canvas, canvas_b, canvas_m) = (canvas.clone(), canvas_b.clone(), canvas_m.clone());
        let data = data.clone();
        let other = other.clone();
        let mark = key
            .as_ref()
            .and_then(|k| track.last.get(k))
            .map(|l| l.index);
        let paint_no = *painted.borrow();
        use_effect_with((paint_no, props.visible), move |_| {
            if let Some((regs, _)) = &data {
                paint(&canvas, regs, mark);
                if let Some((b, _)) = &other {
                    paint(&canvas_b, b, None);
                    let mut m = *regs;
                    for (x, y) in m.iter_mut().zip(b.iter()) {
                        *x = (*x).max(*y);
                    }
                    paint(&canvas_m, &m, None);
                }
            }
        });
    }

    let add = |n: usize| {
        let session = props.session.clone();
        let key = key.clone().unwrap_or_else(|| b"visitors".to_vec());
        Callback::from(move |_| {
            use rand::RngExt;
            let mut argv = vec![b"PFADD".to_vec(), key.clone()];
            with_rng(|r| {
                for _ in 0..n {
                    argv.push(format!("visitor:{}", r.random::<u64>()).into_bytes());
                }
            });
            let k = String::from_utf8_lossy(&key);
            let shown = if n == 1 {
                format!("PFADD {k} {}", String::from_utf8_lossy(&argv[2]))
            } else {
                format!("PFADD {k} <{n} random elements>")
            };
            session.run_argv(shown, argv);
        })
    };
    let onother = {
        let model = model.clone();
        Callback::from(move |e: InputEvent| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .value();
            model.update(|m| m.other = v);
        })
    };
    if !props.visible {
        return html! {};
    }

    let Some((regs, bytes)) = data else {
        return html! {
            <div class="hll">
                <p>{ tr(lang, "No HyperLogLog yet. Try ", "아직 HyperLogLog가 없습니다. ") }<code>{ "PFADD visitors alice bob carol" }</code>{ tr(lang, ", or:", "을(를) 실행하거나:") }</p>
                <button onclick={add(100)}>{ tr(lang, "Add 100 random visitors", "무작위 방문자 100명 추가") }</button>
            </div>
        };
    };
    let key_text = String::from_utf8_lossy(key.as_deref().unwrap_or_default()).into_owned();
    let histo = hll::histogram(&regs);
    let top = histo.iter().rposition(|&c| c > 0).unwrap_or(0);
    let hmax = histo.iter().copied().max().unwrap_or(1).max(1) as f64;
    let estimate = hll::count(&bytes).unwrap_or(0);
    let exact = track.exact.get(key.as_deref().unwrap_or_default());
    let dense = hll::encoding(&bytes) == hll::DENSE;
    let used = regs.iter().filter(|&&r| r > 0).count();

    let hash_view = key.as_ref().and_then(|k| track.last.get(k)).map(|l| {
        let bits = format!("{:064b}", l.hash);
        let (high, low) = bits.split_at(50);
        // The run is counted from bit 14 upwards: the trailing zeros of `high`, then a 1.
        let zeros = (l.run - 1) as usize;
        let cut = high.len().saturating_sub(zeros + 1);
        html! {
            <div class="hash">
                <div>{ tr(lang, "last element ", "마지막 원소 ") }<code>{ String::from_utf8_lossy(&l.element).into_owned() }</code>
                    { { let (i, row, col, run) = (l.index, l.index / 128, l.index % 128, l.run); trf!(lang, " → register {i} (row {row}, column {col}), run {run}", " → 레지스터 {i} ({row}행, {col}열), 연속 {run}") } }</div>
                <code class="bits" title="MurmurHash64A(element, seed 0xadc83b19)">
                    <span class="rest">{ &high[..cut] }</span>
                    <span class="one">{ &high[cut..cut + 1.min(high.len() - cut)] }</span>
                    <span class="zeros">{ &high[(cut + 1).min(high.len())..] }</span>
                    <span class="index">{ low }</span>
                </code>
                <div class="muted small">{ { let (i, run) = (l.index, l.run); trf!(lang, "low 14 bits = register {i}; then {zeros} zero bit(s) before the first 1 → value {run}", "하위 14비트 = 레지스터 {i}, 그다음 첫 1 앞의 0 비트 {zeros}개 → 값 {run}") } }</div>
            </div>
        }
    });

    let no_points = Vec::new();
    let chart = {
        let pts = key
            .as_ref()
            .and_then(|k| track.series.get(k))
            .unwrap_or(&no_points);
        if pts.len() < 2 {
            html! {}
        } else {
            let w = 240.0;
            let h = 80.0;
            let lim = 0.05;
            let y = |e: f64| h / 2.0 - (e / lim).clamp(-1.0, 1.0) * (h / 2.0);
            let step = w / (pts.len() - 1) as f64;
            let line: Vec<String> = pts
                .iter()
                .enumerate()
                .map(|(i, (ex, est, _))| {
                    let err = if *ex == 0 {
                        0.0
                    } else {
                        (*est as f64 - *ex as f64) / *ex as f64
                    };
                    format!("{:.1},{:.1}", i as f64 * step, y(err))
                })
                .collect();
            let promoted = pts.iter().position(|p| p.2).filter(|&i| i > 0 && !pts[0].2);
            html! {
                <svg class="errchart" viewBox={format!("0 0 {w} {h}")} preserveAspectRatio="none" aria-label={tr(lang, "relative error over time", "시간에 따른 상대 오차")}>
                    <rect class="band2" x="0" y={format!("{:.1}", y(2.0 * STD_ERROR))} width={w.to_string()} height={format!("{:.1}", y(-2.0 * STD_ERROR) - y(2.0 * STD_ERROR))} />
                    <rect class="band" x="0" y={format!("{:.1}", y(STD_ERROR))} width={w.to_string()} height={format!("{:.1}", y(-STD_ERROR) - y(STD_ERROR))} />
                    <line class="zero" x1="0" x2={w.to_string()} y1={format!("{:.1}", h / 2.0)} y2={format!("{:.1}", h / 2.0)} />
                    { for promoted.map(|i| html! { <line class="promo" x1={format!("{:.1}", i as f64 * step)} x2={format!("{:.1}", i as f64 * step)} y1="0" y2={h.to_string()} /> }) }
                    <polyline points={line.join(" ")} />
                </svg>
            }
        }
    };

    html! {
        <div class="hll">
            <div class="toolbar">
                <span><b>{ key_text }</b>{ { let (enc, n) = (if dense { "dense" } else { "sparse" }, bytes.len()); trf!(lang, " — {enc}, {n} bytes", " — {enc}, {n}바이트") } }</span>
                <span class="muted">{ trf!(lang, "{used} of 16384 registers set", "레지스터 16384개 중 {used}개 사용") }</span>
            </div>
            <div class="hllmain">
                <canvas ref={canvas} width="128" height="128" class="heat" aria-label={tr(lang, "registers, 128 by 128", "레지스터, 128 × 128")}></canvas>
                <div class="hllside">
                    <div class="estimate">{ "PFCOUNT " }<b class="est">{ estimate }</b></div>
                    { match exact {
                        Some(Some(set)) => {
                            let n = set.len() as f64;
                            let err = if n == 0.0 { 0.0 } else { (estimate as f64 - n) / n * 100.0 };
                            html! { <div>{ tr(lang, "exact ", "정확한 값 ") }<b class="exact">{ set.len() }</b>{ trf!(lang, " — error {err:+.2}% (standard error ±0.81%)", " — 오차 {err:+.2}% (표준 오차 ±0.81%)") }</div> }
                        }
                        Some(None) => html! { <div class="muted">{ trf!(lang, "exact count not kept beyond {EXACT_LIMIT} elements", "원소가 {EXACT_LIMIT}개를 넘으면 정확한 개수는 세지 않습니다") }</div> },
                        None => html! { <div class="muted">{ tr(lang, "exact count unknown (added elsewhere)", "정확한 개수를 모릅니다 (다른 곳에서 추가됨)") }</div> },
                    } }
                    <div class="muted small">{ if dense { tr(lang, "dense: 16384 × 6-bit registers, 12304 bytes", "dense: 6비트 레지스터 16384개, 12304바이트") } else { tr(lang, "sparse: run-length opcodes; turns dense past hll-sparse-max-bytes or a value above 32", "sparse: 런 길이 옵코드. hll-sparse-max-bytes를 넘거나 32보다 큰 값이 나오면 dense로 바뀝니다") } }</div>
                    <div class="buttons">
                        <button onclick={add(1)}>{ tr(lang, "Add 1", "1개 추가") }</button>
                        <button onclick={add(100)}>{ tr(lang, "Add 100", "100개 추가") }</button>
                        <button onclick={add(1000)}>{ tr(lang, "Add 1000", "1000개 추가") }</button>
                        <button onclick={add(10000)}>{ tr(lang, "Add 10000", "10000개 추가") }</button>
                    </div>
                </div>
            </div>
            { for hash_view }
            <h4>{ tr(lang, "Register values (the estimator's input)", "레지스터 값 (추정의 입력)") }</h4>
            <svg class="histo" viewBox={format!("0 0 {} 60", (top + 1) * 10)} preserveAspectRatio="none">
                { for (0..=top).map(|v| {
                    let hgt = if histo[v] == 0 { 0.0 } else { (histo[v] as f64).ln_1p() / hmax.ln_1p() * 58.0 };
                    html! { <rect x={(v * 10).to_string()} y={format!("{:.1}", 60.0 - hgt)} width="9" height={format!("{hgt:.1}")}><title>{ { let n = histo[v]; trf!(lang, "value {v}: {n} registers", "값 {v}: 레지스터 {n}개") } }</title></rect> }
                }) }
            </svg>
            <div class="muted small">{ trf!(lang, "values 0..{top}, log scale", "값 0..{top}, 로그 스케일") }</div>
            <h4>{ tr(lang, "Estimate error over time (bands: ±0.81%, ±1.62%; dashed: promotion to dense)", "시간에 따른 추정 오차 (띠: ±0.81%, ±1.62%, 점선: dense로 전환)") }</h4>
            { chart }
            <h4>{ tr(lang, "PFMERGE view", "PFMERGE 보기") }</h4>
            <label class="small">{ tr(lang, "compare with key ", "비교할 키 ") }
                <input class="filter" value={track.other.clone()} oninput={onother} placeholder={tr(lang, "another HLL key", "다른 HLL 키")} aria-label={tr(lang, "Second HLL key", "두 번째 HLL 키")} />
            </label>
            { if other.is_some() {
                html! { <div class="merge">
                    <figure><canvas ref={canvas_b} width="128" height="128" class="heat small"></canvas><figcaption>{ &track.other }</figcaption></figure>
                    <figure><canvas ref={canvas_m} width="128" height="128" class="heat small"></canvas><figcaption>{ tr(lang, "max with the key above = PFMERGE", "위 키와의 최댓값 = PFMERGE") }</figcaption></figure>
                </div> }
            } else { html! {} } }
        </div>
    }
}
