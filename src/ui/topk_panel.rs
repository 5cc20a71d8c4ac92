//! The Top-K panel: the heavy hitters (TOPK.LIST's heap) with their estimated counts
//! against the true counts the panel saw go in, the depth × width buckets (fingerprint
//! and counter) with the last item's buckets and the buckets that decayed under it, the
//! items TOPK.ADD expelled, a demo stream, and a "hot keys" mode: a Top-K of the panel's
//! own (the engine's HeavyKeeper, not a key) fed with the key names of every command
//! the keyspace runs, set against OBJECT FREQ under an LFU policy.

use std::collections::HashMap;

use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
use super::i18n::{tr, use_lang};
use super::session::{with_rng, PanelProps};
use super::sketch::{bi, increments, items, show};
use crate::engine::topk::TopK;
use crate::engine::{table, Reply};

/// Columns drawn at most.
const COLS: usize = 64;
/// Buckets copied before a command to find the ones that decayed.
const SNAPSHOT_LIMIT: usize = 1 << 14;
const TRUTH_LIMIT: usize = 100_000;

type Buckets = Vec<(u32, u32)>;

#[derive(Default)]
struct TopKTrack {
    key: Option<Vec<u8>>,
    db: usize,
    last: Option<Vec<u8>>,
    truth: HashMap<Vec<u8>, Option<HashMap<Vec<u8>, u64>>>,
    /// The buckets just before the last command on the shown key.
    before: Option<(Vec<u8>, Buckets)>,
    /// Buckets the last command decayed (counter lowered, or taken over).
    decayed: Vec<usize>,
    decays_total: u64,
    /// Items TOPK.ADD/INCRBY pushed out of the heap, newest last.
    expelled: Vec<Vec<u8>>,
    /// Hot-keys mode: the panel's own Top-K over key accesses, and the true counts.
    hot: Option<(TopK, HashMap<Vec<u8>, u64>)>,
}

impl TopKTrack {
    fn feed(&mut self, f: &Feed) -> bool {
        let mut changed = false;
        if let (Feed::Ran(o), Some((tk, counts))) = (f, self.hot.as_mut()) {
            if o.ok() && !o.tx {
                if let Ok(spec) = table::lookup(&o.argv) {
                    for p in table::key_positions(spec, o.argv.len()) {
                        if let Some(k) = o.argv.get(p) {
                            tk.add(k, 1);
                            *counts.entry(k.clone()).or_default() += 1;
                            changed = true;
                        }
                    }
                }
            }
        }
        changed
            | match f {
                Feed::Before { db, argv, .. } if argv.len() >= 2 && is_topk(argv) => {
                    let eng = engine();
                    let eng = eng.borrow();
                    match eng.peek_topk(*db, &argv[1]) {
                        None => {
                            if argv[0].eq_ignore_ascii_case(b"topk.reserve") {
                                self.truth.insert(argv[1].clone(), Some(HashMap::new()));
                            } else {
                                self.truth.remove(&argv[1]);
                            }
                            self.before = None;
                        }
                        Some(t) => {
                            self.truth.entry(argv[1].clone()).or_insert(None);
                            self.before = (t.buckets.len() <= SNAPSHOT_LIMIT)
                                .then(|| (argv[1].clone(), t.buckets.clone()));
                        }
                    }
                    false
                }
                Feed::Ran(o) if is_topk(&o.argv) && o.argv.len() >= 2 && o.ok() && !o.tx => {
                    let key = o.argv[1].clone();
                    if self.key.as_ref() != Some(&key) {
                        self.expelled.clear();
                        self.decays_total = 0;
                    }
                    self.key = Some(key.clone());
                    self.db = o.db;
                    if let Some(it) = items(&o.argv).last() {
                        self.last = Some(it.clone());
                    }
                    if o.is(&["topk.add", "topk.incrby"]) {
                        if let Some(Some(t)) = self.truth.get_mut(&key) {
                            for (it, n) in increments(&o.argv) {
                                *t.entry(it).or_default() += n;
                            }
                            if t.len() > TRUTH_LIMIT {
                                self.truth.insert(key.clone(), None);
                            }
                        }
                        if let Some(Reply::Array(v)) = &o.reply {
                            for r in v {
                                if let Reply::Bulk(b) = r {
                                    self.expelled.push(b.clone());
                                }
                            }
                            let n = self.expelled.len();
                            self.expelled.drain(..n.saturating_sub(8));
                        }
                        self.decayed.clear();
                        let eng = engine();
                        let eng = eng.borrow();
                        if let (Some((k, before)), Some(t)) =
                            (&self.before, eng.peek_topk(o.db, &key))
                        {
                            if *k == key && before.len() == t.buckets.len() {
                                for (i, (b, a)) in before.iter().zip(&t.buckets).enumerate() {
                                    // Lowered, or taken over by another fingerprint.
                                    if (b.0 == a.0 && a.1 < b.1) || (b.1 > 0 && a.0 != b.0) {
                                        self.decayed.push(i);
                                    }
                                }
                            }
                        }
                        self.decays_total += self.decayed.len() as u64;
                    }
                    true
                }
                Feed::Replaced => {
                    let hot = self.hot.is_some();
                    *self = TopKTrack::default();
                    if hot {
                        self.hot = Some(new_hot());
                    }
                    true
                }
                Feed::Ran(o) if self.key.is_some() && o.wrote() => true,
                Feed::Background(_) => self.key.is_some(),
                _ => false,
            }
    }
}

fn new_hot() -> (TopK, HashMap<Vec<u8>, u64>) {
    let seed = with_rng(rand::RngExt::random::<u32>);
    (
        TopK::new(10, 64, 4, 0.9, seed).expect("a small Top-K"),
        HashMap::new(),
    )
}

fn is_topk(argv: &[Vec<u8>]) -> bool {
    argv.first()
        .is_some_and(|a| a.len() > 5 && a[..5].eq_ignore_ascii_case(b"topk."))
}

/// `n` draws over `m` names, Zipf-shaped (rank 0 the heaviest).
fn zipf_draws(n: usize, m: usize) -> Vec<usize> {
    let weights: Vec<f64> = (0..m).map(|i| 1.0 / (i + 1) as f64).collect();
    let total: f64 = weights.iter().sum();
    (0..n)
        .map(|_| {
            let mut u = with_rng(rand::RngExt::random::<f64>) * total;
            weights
                .iter()
                .position(|w| {
                    u -= w;
                    u <= 0.0
                })
                .unwrap_or(m - 1)
        })
        .collect()
}

#[function_component(TopKPanel)]
pub fn topk_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(TopKTrack::default, TopKTrack::feed, props.visible);
    if !props.visible {
        return html! {};
    }
    let session = props.session.clone();
    let demo = {
        let session = session.clone();
        Callback::from(move |_| {
            session.run_lines(&["DEL demo:topk", "TOPK.RESERVE demo:topk 5 16 4 0.9"])
        })
    };
    let stream = {
        let session = session.clone();
        Callback::from(move |_| {
            let draws = zipf_draws(400, 50);
            let lines: Vec<String> = draws
                .chunks(20)
                .map(|c| {
                    format!(
                        "TOPK.ADD demo:topk {}",
                        c.iter()
                            .map(|i| format!("song:{i}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    )
                })
                .collect();
            session.run_lines(&lines);
        })
    };
    let toggle_hot = {
        let model = model.clone();
        Callback::from(move |_| {
            model.update(|m| {
                m.hot = if m.hot.is_some() {
                    None
                } else {
                    Some(new_hot())
                }
            })
        })
    };
    let hot_demo = {
        let (session, model) = (session.clone(), model.clone());
        Callback::from(move |_| {
            if model.get().hot.is_none() {
                model.update(|m| m.hot = Some(new_hot()));
            }
            let mut lines = vec!["CONFIG SET maxmemory-policy allkeys-lfu".to_string()];
            lines.extend((0..20).map(|i| format!("SET product:{i} item-{i}")));
            lines.extend(
                zipf_draws(200, 20)
                    .into_iter()
                    .map(|i| format!("GET product:{i}")),
            );
            session.run_lines(&lines);
        })
    };
    let m = model.get();
    let buttons = html! {
        <div class="demo">
            <button class="topk-demo" onclick={demo}>{ tr(lang, "Demo: top 5 of a stream", "데모: 스트림의 상위 5개") }</button>
            <button class="topk-stream" onclick={stream}>{ tr(lang, "Stream 400 plays (Zipf)", "재생 400건 흘려보내기(Zipf)") }</button>
            <p class="muted small">{ tr(lang,
                "HeavyKeeper: each row gives the item one bucket; a bucket held by another item decays by one with probability decay^count, so small counts lose their buckets and heavy hitters keep theirs.",
                "HeavyKeeper: 행마다 항목에 버킷 하나를 줍니다. 다른 항목이 차지한 버킷은 decay^count 확률로 1씩 줄어, 작은 개수는 버킷을 잃고 많이 나온 항목은 지킵니다.") }</p>
        </div>
    };
    let hot_view = html! {
        <section class="hotkeys">
            <div class="toolbar">
                <button class={classes!("hot-toggle", m.hot.is_some().then_some("on"))} onclick={toggle_hot} aria-pressed={m.hot.is_some().to_string()}>
                    { if m.hot.is_some() { tr(lang, "Hot keys: on", "핫 키: 켜짐") } else { tr(lang, "Hot keys: off", "핫 키: 꺼짐") } }</button>
                <button class="hot-demo" onclick={hot_demo}>{ tr(lang, "Demo: 200 reads of 20 products", "데모: 상품 20개를 200번 읽기") }</button>
            </div>
            <p class="muted small">{ tr(lang,
                "Every command's keys go into a Top-K of the panel's own (k 10, 64 × 4), as a proxy could count them; OBJECT FREQ is Redis's own logarithmic counter, kept only under an LFU policy.",
                "모든 명령의 키를 패널 자체의 Top-K(k 10, 64 × 4)에 넣습니다(프록시가 세듯이). OBJECT FREQ는 LFU 정책일 때만 유지되는 Redis의 로그 카운터입니다.") }</p>
            { for m.hot.as_ref().map(|(tk, counts)| {
                let eng = engine();
                let eng = eng.borrow();
                let lfu = eng.core.config.policy.is_lfu();
                let db = props.session.db;
                let rows = tk.list().into_iter().map(|(k, c)| html! {
                    <tr><td>{ show(k) }</td><td class="num">{ c }</td><td class="num">{ counts.get(k).copied().unwrap_or(0) }</td>
                        <td class="num freq">{ eng.peek_lfu(db, k).map_or("-".to_string(), |f| f.to_string()) }</td></tr>
                });
                html! { <>
                    <table class="hotlist"><thead><tr><th>{ tr(lang, "key", "키") }</th><th>{ tr(lang, "Top-K count", "Top-K 개수") }</th>
                        <th>{ tr(lang, "true accesses", "실제 접근") }</th><th>{ "OBJECT FREQ" }</th></tr></thead><tbody>{ for rows }</tbody></table>
                    { if lfu { html! {} } else { html! { <p class="warn small">{ tr(lang, "maxmemory-policy is not LFU: OBJECT FREQ is not tracked (CONFIG SET maxmemory-policy allkeys-lfu).", "maxmemory-policy가 LFU가 아니어서 OBJECT FREQ를 추적하지 않습니다(CONFIG SET maxmemory-policy allkeys-lfu).") }</p> } } }
                </> }
            }) }
        </section>
    };
    let Some(key) = m.key.clone() else {
        return html! {
            <div class="sketchp topkp">
                <p>{ tr(lang, "No Top-K yet. Try ", "아직 Top-K가 없습니다. 이렇게 해 보세요: ") }<code>{ "TOPK.RESERVE trending 3" }</code></p>
                { buttons }{ hot_view }
            </div>
        };
    };
    let eng = engine();
    let eng = eng.borrow();
    let Some(t) = eng.peek_topk(m.db, &key) else {
        return html! {
            <div class="sketchp topkp">
                <p><b>{ show(&key) }</b>{ tr(lang, " is not a Top-K now (missing, or another type).", "은(는) 지금 Top-K가 아닙니다(없거나 다른 타입).") }</p>
                { buttons }{ hot_view }
            </div>
        };
    };
    let truth = m.truth.get(&key).and_then(|x| x.as_ref());
    let (fp, cells) = m.last.as_ref().map(|it| t.cells(it)).unwrap_or_default();
    let list = t.list();
    let heap_rows = list.iter().enumerate().map(|(i, (it, c))| html! {
        <tr class={classes!((m.last.as_deref() == Some(*it)).then_some("hot"))}><td class="num">{ i + 1 }</td><td>{ show(it) }</td><td class="num">{ c }</td>
            <td class="num">{ truth.map_or("-".to_string(), |tr| tr.get(*it).copied().unwrap_or(0).to_string()) }</td></tr>
    });
    // The true heavy hitters the heap missed.
    let missed: Vec<String> = truth
        .map(|tr| {
            let mut v: Vec<(&Vec<u8>, &u64)> = tr.iter().collect();
            v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            v.into_iter()
                .take(t.k as usize)
                .filter(|(it, _)| !list.iter().any(|(l, _)| l == &it.as_slice()))
                .map(|(it, c)| format!("{} ({c})", show(it)))
                .collect()
        })
        .unwrap_or_default();
    let w = t.width as usize;
    let shown_cols: Vec<usize> = if w <= COLS {
        (0..w).collect()
    } else {
        let mut v: Vec<usize> = cells.iter().map(|c| c % w).collect();
        v.extend(m.decayed.iter().map(|c| c % w));
        v.sort_unstable();
        v.dedup();
        v
    };
    let grid = (0..t.depth as usize).map(|row| {
        let tds = shown_cols.iter().map(|&col| {
            let i = row * w + col;
            let (bfp, c) = t.buckets[i];
            let class = classes!("cell", cells.contains(&i).then_some("touched"), (c > 0 && bfp == fp && !cells.is_empty()).then_some("mine"),
                m.decayed.contains(&i).then_some("decayed"), (c == 0).then_some("empty"));
            html! { <td {class} title={format!("row {row}, column {col}: fingerprint {bfp:08x}, count {c}")}>{ if c == 0 { String::new() } else { c.to_string() } }</td> }
        });
        html! { <tr><th>{ row }</th>{ for tds }</tr> }
    });
    html! {
        <div class="sketchp topkp">
            <div class="toolbar"><span><b>{ show(&key) }</b>
                { bi(lang, format!(" — k {}, {} × {} buckets, decay {}, {} bytes", t.k, t.depth, t.width, t.decay, t.mem_usage()),
                    format!(" — k {}, 버킷 {} × {}, decay {}, {}바이트", t.k, t.depth, t.width, t.decay, t.mem_usage())) }</span></div>
            <table class="heap"><thead><tr><th>{"#"}</th><th>{ tr(lang, "item", "항목") }</th><th>{ tr(lang, "estimate", "추정") }</th><th>{ tr(lang, "true", "실제") }</th></tr></thead>
                <tbody>{ for heap_rows }</tbody></table>
            { if missed.is_empty() { html! {} } else { html! { <p class="small missed">{ bi(lang, format!("True top {} not in the list: {}", t.k, missed.join(", ")), format!("목록에 없는 실제 상위 {}: {}", t.k, missed.join(", "))) }</p> } } }
            { if m.expelled.is_empty() { html! {} } else { html! { <p class="small expelled">{ bi(lang, format!("Expelled from the heap: {}", m.expelled.iter().map(|e| show(e)).collect::<Vec<_>>().join(", ")), format!("힙에서 밀려남: {}", m.expelled.iter().map(|e| show(e)).collect::<Vec<_>>().join(", "))) }</p> } } }
            { for m.last.as_ref().map(|it| html! { <p class="small">{ bi(lang,
                format!("{}: fingerprint {fp:08x}; the last command decayed {} bucket(s) ({} so far).", show(it), m.decayed.len(), m.decays_total),
                format!("{}: 지문 {fp:08x}. 마지막 명령이 버킷 {}개를 감소시켰습니다(지금까지 {}).", show(it), m.decayed.len(), m.decays_total)) }</p> }) }
            <table class="topkgrid" aria-label={tr(lang, "buckets", "버킷")}><tbody>{ for grid }</tbody></table>
            { buttons }
            { hot_view }
        </div>
    }
}
