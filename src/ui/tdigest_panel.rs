//! The t-digest panel: the digest's centroids along the value axis (each a mean and a
//! weight; small near the tails, where quantiles need precision), and p50/p90/p99/p99.9
//! as the digest estimates them against the exact quantiles of the values the panel saw
//! go in (it keeps them itself from the TDIGEST.ADD commands, as a test would).
//!
//! Two demos: 10,000 latencies drawn from a log-normal distribution with a few slow
//! outliers, and the latencies of the commands just run, read from the slow log.

use std::collections::HashMap;

use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
use super::i18n::{tr, use_lang};
use super::session::{with_rng, PanelProps};
use super::sketch::{bi, show};
use crate::engine::tdigest::TDigest;

/// Values the panel keeps per key for the exact quantiles.
const TRUTH_LIMIT: usize = 200_000;
const QUANTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];

#[derive(Default)]
struct Track {
    key: Option<Vec<u8>>,
    db: usize,
    /// Values seen per key (None: the key held values before the panel saw it made,
    /// or too many to keep).
    truth: HashMap<Vec<u8>, Option<Vec<f64>>>,
}

fn is_td(argv: &[Vec<u8>]) -> bool {
    argv.first()
        .is_some_and(|a| a.len() > 8 && a[..8].eq_ignore_ascii_case(b"tdigest."))
}

impl Track {
    fn feed(&mut self, f: &Feed) -> bool {
        match f {
            Feed::Before { db, argv, .. } if argv.len() >= 2 && is_td(argv) => {
                let name = argv[0].to_ascii_lowercase();
                let exists = engine().borrow().peek_tdigest(*db, &argv[1]).is_some();
                match name.as_slice() {
                    b"tdigest.create" if !exists => {
                        self.truth.insert(argv[1].clone(), Some(Vec::new()));
                    }
                    b"tdigest.reset" if exists => {
                        self.truth.insert(argv[1].clone(), Some(Vec::new()));
                    }
                    b"tdigest.merge" => {
                        // Merged contents are not followed value by value.
                        self.truth.insert(argv[1].clone(), None);
                    }
                    _ if !exists => {
                        self.truth.remove(&argv[1]);
                    }
                    _ => {
                        self.truth.entry(argv[1].clone()).or_insert(None);
                    }
                }
                false
            }
            Feed::Ran(o) if is_td(&o.argv) && o.argv.len() >= 2 && o.ok() && !o.tx => {
                let key = o.argv[1].clone();
                self.key = Some(key.clone());
                self.db = o.db;
                if o.is(&["tdigest.add"]) {
                    if let Some(Some(t)) = self.truth.get_mut(&key) {
                        t.extend(
                            o.argv[2..]
                                .iter()
                                .filter_map(|a| std::str::from_utf8(a).ok()?.parse::<f64>().ok()),
                        );
                        if t.len() > TRUTH_LIMIT {
                            self.truth.insert(key, None);
                        }
                    }
                }
                true
            }
            Feed::Replaced => {
                *self = Track::default();
                true
            }
            Feed::Ran(o) if self.key.is_some() && o.wrote() => true,
            _ => false,
        }
    }
}

/// The exact q-quantile of sorted values (nearest rank, as a reference).
fn exact(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn fmt(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.abs() >= 1000.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Centroids as bars along the value axis: x by mean, height by weight.
fn centroid_strip(td: &TDigest) -> Html {
    let cs: Vec<(f64, i64)> = td.centroids().collect();
    let (w, h) = (320.0, 80.0);
    let (lo, hi) = (td.min, td.max);
    if cs.is_empty() || !lo.is_finite() || !hi.is_finite() {
        return html! {};
    }
    let span = (hi - lo).max(f64::MIN_POSITIVE);
    let wmax = cs.iter().map(|c| c.1).max().unwrap_or(1).max(1) as f64;
    let bars = cs.iter().map(|(m, wt)| {
        let x = (m - lo) / span * w;
        let bh = ((*wt as f64) / wmax).sqrt() * h;
        html! { <line class="centroid" x1={format!("{x:.1}")} x2={format!("{x:.1}")} y1={format!("{h:.1}")} y2={format!("{:.1}", h - bh)} /> }
    });
    html! {
        <svg class="tdstrip" viewBox={format!("0 0 {w} {}", h + 12.0)} role="img" aria-label="centroids">
            { for bars }
            <text x="0" y={format!("{}", h + 11.0)} class="axis">{ fmt(lo) }</text>
            <text x={format!("{w}")} y={format!("{}", h + 11.0)} class="axis end">{ fmt(hi) }</text>
        </svg>
    }
}

#[function_component(TDigestPanel)]
pub fn tdigest_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(Track::default, Track::feed, props.visible);
    if !props.visible {
        return html! {};
    }
    let m = model.get();
    let session = props.session.clone();
    let demo = {
        let session = session.clone();
        Callback::from(move |_| {
            // Log-normal latencies around 2 ms, and 1% slow outliers around 250 ms.
            let values: Vec<String> = with_rng(|rng| {
                use rand::RngExt;
                (0..10_000)
                    .map(|_| {
                        let u1: f64 = rng.random::<f64>().max(1e-12);
                        let u2: f64 = rng.random::<f64>();
                        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                        let v = if rng.random::<f64>() < 0.01 {
                            250.0 * (0.3 * z).exp()
                        } else {
                            2.0 * (0.5 * z).exp()
                        };
                        format!("{v:.3}")
                    })
                    .collect()
            });
            let c = session.free_client();
            session.run_as(
                c,
                &[
                    "DEL demo:latency".to_string(),
                    "TDIGEST.CREATE demo:latency COMPRESSION 100".to_string(),
                ],
            );
            let mut argv = vec![b"TDIGEST.ADD".to_vec(), b"demo:latency".to_vec()];
            argv.extend(values.into_iter().map(String::into_bytes));
            session.record.emit(vec![super::exec::run_argv(
                c,
                "TDIGEST.ADD demo:latency … (10,000 values)".into(),
                argv,
            )]);
        })
    };
    let from_slowlog = {
        let session = session.clone();
        Callback::from(move |_| {
            let durations: Vec<String> = engine()
                .borrow()
                .core
                .slowlog
                .entries
                .iter()
                .map(|e| e.duration_us.to_string())
                .collect();
            let c = session.free_client();
            if durations.is_empty() {
                session.run_as(c, &["CONFIG SET slowlog-log-slower-than 0".to_string()]);
                return;
            }
            session.run_as(
                c,
                &[
                    "DEL cmd:latency".to_string(),
                    "TDIGEST.CREATE cmd:latency".to_string(),
                ],
            );
            let mut argv = vec![b"TDIGEST.ADD".to_vec(), b"cmd:latency".to_vec()];
            let n = durations.len();
            argv.extend(durations.into_iter().map(String::into_bytes));
            session.record.emit(vec![super::exec::run_argv(
                c,
                format!("TDIGEST.ADD cmd:latency … ({n} slow-log durations, µs)"),
                argv,
            )]);
        })
    };
    let body = m.key.as_ref().and_then(|key| {
        let td = engine().borrow().peek_tdigest(m.db, key).cloned()?;
        let mut est = td.clone();
        let truth = m.truth.get(key).cloned().flatten();
        let mut sorted = truth.unwrap_or_default();
        sorted.sort_by(|a, b| a.total_cmp(b));
        let rows = QUANTILES.iter().map(|&q| {
            let e = est.quantile(q);
            let x = (!sorted.is_empty()).then(|| exact(&sorted, q));
            let err = x.map(|x| if x != 0.0 { (e - x) / x.abs() * 100.0 } else { 0.0 });
            html! {
                <tr>
                    <td>{ format!("p{}", q * 100.0) }</td>
                    <td class="num">{ fmt(e) }</td>
                    <td class="num">{ x.map(fmt).unwrap_or_else(|| "—".into()) }</td>
                    <td class="num">{ err.map(|e| format!("{e:+.2}%")).unwrap_or_default() }</td>
                </tr>
            }
        });
        let nodes = td.merged_nodes + td.unmerged_nodes;
        let count = td.merged_weight + td.unmerged_weight;
        Some(html! {
            <>
                <p class="muted small">{ bi(lang,
                    format!("{}: {count} values in {nodes} centroids (compression {}, capacity {}), {} bytes; min {} max {}.", show(key), td.compression, td.cap, td.mem_usage(), fmt(td.min), fmt(td.max)),
                    format!("{}: 값 {count}개를 중심점 {nodes}개로(compression {}, 용량 {}), {}바이트; 최소 {} 최대 {}.", show(key), td.compression, td.cap, td.mem_usage(), fmt(td.min), fmt(td.max))) }</p>
                { centroid_strip(&td) }
                <table class="keys tdq">
                    <thead><tr><th>{ tr(lang, "quantile", "분위수") }</th><th>{ tr(lang, "t-digest", "t-digest") }</th><th>{ tr(lang, "exact", "정확한 값") }</th><th>{ tr(lang, "error", "오차") }</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
                { if sorted.is_empty() { html! { <p class="muted small">{ tr(lang, "Exact quantiles need every value: the panel keeps those it saw added since the digest was created here.", "정확한 분위수에는 모든 값이 필요합니다: 패널은 여기서 digest가 만들어진 뒤 추가된 값을 보관합니다.") }</p> } } else { html! {} } }
            </>
        })
    });
    html! {
        <div class="tdigest" aria-label="t-digest">
            <p class="explain">{ tr(lang,
                "A t-digest keeps centroids (a mean and a weight each), small near the tails, so p99 stays accurate in a few KB. Bars: centroids along the value axis, height by weight.",
                "t-digest는 중심점(평균과 가중치)을 두되 꼬리 쪽은 작게 유지해, 몇 KB로도 p99가 정확합니다. 막대: 값 축을 따라 놓인 중심점, 높이는 가중치.") }</p>
            <div class="toolbar">
                <button onclick={demo}>{ tr(lang, "Demo: 10,000 latencies with 1% outliers", "데모: 이상치 1%가 섞인 지연 시간 10,000개") }</button>
                <button onclick={from_slowlog} title={tr(lang, "TDIGEST.ADD the durations (µs) of the slow log's entries; the first click sets slowlog-log-slower-than 0 so every command is logged", "슬로 로그 항목의 소요 시간(µs)을 TDIGEST.ADD합니다. 처음 누르면 모든 명령이 기록되도록 slowlog-log-slower-than 0을 설정합니다")}>{ tr(lang, "Latencies of the commands just run", "방금 실행한 명령의 지연 시간") }</button>
            </div>
            { body.unwrap_or_else(|| html! { <p class="muted">{ tr(lang, "Create one: TDIGEST.CREATE latency, then TDIGEST.ADD latency 1.2 3.4 …", "만들어 보세요: TDIGEST.CREATE latency, 그다음 TDIGEST.ADD latency 1.2 3.4 …") }</p> }) }
        </div>
    }
}
