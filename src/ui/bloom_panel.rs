//! The Bloom panel: a filter's sub-filters (links) as it scales, a window of the bit
//! array with the k positions of the last item lit (the hashes BF.ADD uses, read from
//! the engine), and the false-positive rate as items go in: measured on items never
//! added, the chance the set bits give, and the textbook formula (1 − e^(−kn/m))^k.
//!
//! The panel counts the items it saw added (its own exact set per key), so a BF.EXISTS
//! that answers 1 for an item never added is called out as the false positive it is.

use std::collections::{HashMap, HashSet};

use yew::prelude::*;

use super::engine;
use super::exec::{use_model, Feed};
use super::i18n::{tr, use_lang};
use super::session::{with_rng, PanelProps};
use super::sketch::{bi, chart, items, nums, pct, show};

/// Bits drawn in the window.
const WINDOW: u64 = 512;
/// Items the panel remembers per key to know the truth.
const EXACT_LIMIT: usize = 200_000;
/// Never-added items checked for each point of the false-positive chart.
const PROBES: usize = 2000;
const POINTS_KEPT: usize = 120;

/// (items, measured rate, rate from the set bits, formula).
type Point = (u64, f64, f64, f64);

#[derive(Default)]
struct BloomTrack {
    key: Option<Vec<u8>>,
    db: usize,
    /// The last item a command named, and what the command was.
    last: Option<(Vec<u8>, String)>,
    /// Items added per key (None: the key existed before the panel saw it made).
    exact: HashMap<Vec<u8>, Option<HashSet<Vec<u8>>>>,
    /// The last BF.EXISTS/MEXISTS/ADD verdicts the panel could judge: (item, said
    /// "maybe", really added).
    verdicts: Vec<(Vec<u8>, bool, bool)>,
    /// Per key: (items, measured rate, rate from the set bits, formula).
    series: HashMap<Vec<u8>, Vec<Point>>,
    /// The link and window the learner picked (None: follow the last item).
    link: Option<usize>,
    window: Option<u64>,
}

impl BloomTrack {
    fn feed(&mut self, f: &Feed) -> bool {
        match f {
            Feed::Before { db, argv, .. } if argv.len() >= 2 && starts(argv, "bf.") => {
                // A key made from nothing: the panel knows everything it will hold.
                let fresh = engine().borrow().peek_bloom(*db, &argv[1]).is_none();
                if fresh {
                    self.exact.insert(argv[1].clone(), Some(HashSet::new()));
                    self.series.remove(&argv[1]);
                } else {
                    self.exact.entry(argv[1].clone()).or_insert(None);
                }
                false
            }
            Feed::Ran(o) if o.starts("bf.") && o.argv.len() >= 2 => {
                let Some(reply) = &o.reply else { return false };
                if reply.is_error() {
                    return false;
                }
                let key = o.argv[1].clone();
                if self.key.as_ref() != Some(&key) {
                    self.link = None;
                }
                self.key = Some(key.clone());
                self.db = o.db;
                self.window = None;
                let name = o.name();
                let its = items(&o.argv);
                let answers = nums(reply);
                let adds = matches!(name.as_str(), "bf.add" | "bf.madd" | "bf.insert");
                let exact = self.exact.entry(key.clone()).or_insert(None);
                self.verdicts.clear();
                for (i, it) in its.iter().enumerate() {
                    let said = answers.get(i).copied().flatten();
                    if let Some(set) = exact {
                        let known = set.contains(it);
                        if let Some(s) = said {
                            // ADD says 1 for new; EXISTS says 1 for "maybe".
                            let maybe = if adds { s == 0 } else { s == 1 };
                            self.verdicts.push((it.clone(), maybe, known));
                        }
                        if adds && said.is_some() {
                            set.insert(it.clone());
                            if set.len() > EXACT_LIMIT {
                                *exact = None;
                            }
                        }
                    }
                    if exact.is_none() {
                        break;
                    }
                }
                self.verdicts.truncate(20);
                if let Some(it) = its.last() {
                    self.last = Some((it.clone(), name.to_ascii_uppercase()));
                }
                if adds {
                    self.point(&key);
                }
                true
            }
            Feed::Replaced => {
                *self = BloomTrack::default();
                true
            }
            Feed::Ran(o) if self.key.is_some() && o.wrote() => true,
            Feed::Background(_) => self.key.is_some(),
            _ => false,
        }
    }

    /// Adds a point to the key's false-positive series when enough items went in since
    /// the last one (a twentieth of the first link's capacity), or a link was added.
    fn point(&mut self, key: &[u8]) {
        let eng = engine();
        let eng = eng.borrow();
        let Some(chain) = eng.peek_bloom(self.db, key).filter(|c| !c.links.is_empty()) else {
            return;
        };
        let series = self.series.entry(key.to_vec()).or_default();
        let step = (chain.links[0].entries / 20).max(1);
        if series
            .last()
            .is_some_and(|p| chain.size < p.0 + step && chain.size != 0)
        {
            return;
        }
        let exact = self.exact.get(key).and_then(|e| e.as_ref());
        let (mut asked, mut maybe) = (0usize, 0usize);
        for i in 0..PROBES {
            let probe = format!("never-added:{i}");
            if exact.is_some_and(|s| s.contains(probe.as_bytes())) {
                continue;
            }
            asked += 1;
            maybe += chain.check(probe.as_bytes()) as usize;
        }
        let measured = maybe as f64 / asked.max(1) as f64;
        let formula = 1.0
            - chain
                .links
                .iter()
                .map(|l| 1.0 - l.formula_fpr())
                .product::<f64>();
        series.push((chain.size, measured, chain.fill_fpr(), formula));
        if series.len() > POINTS_KEPT {
            series.remove(1);
        }
    }
}

fn starts(argv: &[Vec<u8>], prefix: &str) -> bool {
    argv.first().is_some_and(|a| {
        a.len() >= prefix.len() && a[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    })
}

#[function_component(BloomPanel)]
pub fn bloom_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(BloomTrack::default, BloomTrack::feed, props.visible);
    if !props.visible {
        return html! {};
    }
    let session = props.session.clone();
    let demo = {
        let session = session.clone();
        Callback::from(move |_| {
            let items: Vec<String> = (0..100).map(|i| format!("user:{i}")).collect();
            session.run_lines(&[
                "DEL demo:bloom".to_string(),
                "BF.RESERVE demo:bloom 0.01 100".to_string(),
                format!("BF.MADD demo:bloom {}", items.join(" ")),
                "BF.ADD demo:bloom user:100".to_string(),
            ]);
        })
    };
    let more = {
        let session = session.clone();
        Callback::from(move |_| {
            let base = with_rng(|r| rand::RngExt::random_range(r, 1000..1_000_000u32));
            let items: Vec<String> = (0..100).map(|i| format!("user:{}", base + i)).collect();
            session.run_lines(&[
                format!("BF.MADD demo:bloom {}", items.join(" ")),
                format!("BF.ADD demo:bloom user:{}", base + 100),
            ]);
        })
    };
    let probe = {
        let session = session.clone();
        Callback::from(move |_| {
            let base = with_rng(|r| rand::RngExt::random_range(r, 0..1_000_000u32));
            let items: Vec<String> = (0..100).map(|i| format!("stranger:{}", base + i)).collect();
            session.run_lines(&[format!("BF.MEXISTS demo:bloom {}", items.join(" "))]);
        })
    };
    let buttons = html! {
        <div class="demo">
            <button class="bloom-demo" onclick={demo}>{ tr(lang, "Demo: a filter for 100 users, 1% error", "데모: 사용자 100명용 필터, 오차 1%") }</button>
            <button class="bloom-more" onclick={more}>{ tr(lang, "Add 100 more (it scales)", "100개 더 추가(확장)") }</button>
            <button class="bloom-probe" onclick={probe}>{ tr(lang, "Ask for 100 never added", "추가한 적 없는 100개 묻기") }</button>
            <p class="muted small">{ tr(lang,
                "Past its capacity the filter adds a sub-filter twice as big with half the error rate, so the total stays under 1%.",
                "용량을 넘으면 필터는 두 배 크기, 절반 오차율의 하위 필터를 덧붙여 전체 오차를 1% 아래로 유지합니다.") }</p>
        </div>
    };
    let m = model.get();
    let Some(key) = m.key.clone() else {
        return html! {
            <div class="sketchp bloomp">
                <p>{ tr(lang, "No Bloom filter yet. Try ", "아직 Bloom 필터가 없습니다. 이렇게 해 보세요: ") }<code>{ "BF.ADD seen:emails a@example.com" }</code></p>
                { buttons }
            </div>
        };
    };
    let eng = engine();
    let eng = eng.borrow();
    let Some(chain) = eng.peek_bloom(m.db, &key).filter(|c| !c.links.is_empty()) else {
        return html! {
            <div class="sketchp bloomp">
                <p><b>{ show(&key) }</b>{ tr(lang, " is not a Bloom filter now (missing, or another type).", "은(는) 지금 Bloom 필터가 아닙니다(없거나 다른 타입).") }</p>
                { buttons }
            </div>
        };
    };
    let positions = m.last.as_ref().map(|(it, _)| chain.positions(it));
    let newest = chain.links.len() - 1;
    let link_i = m.link.unwrap_or(newest).min(newest);
    let link = &chain.links[link_i];
    let lit: Vec<u64> = positions
        .as_ref()
        .and_then(|p| p.get(link_i).cloned())
        .unwrap_or_default();
    let start = m
        .window
        .unwrap_or_else(|| lit.first().map_or(0, |p| p / WINDOW * WINDOW))
        .min(link.modulus().saturating_sub(1) / WINDOW * WINDOW);
    let end = (start + WINDOW).min(link.modulus());
    // The window: 64 bits a row.
    let cells = (start..end).map(|i| {
        let (x, y) = ((i - start) % 64, (i - start) / 64);
        let on = link.bit(i);
        let hot = lit.contains(&i);
        let class = classes!("bit", on.then_some("on"), hot.then_some("lit"));
        html! { <rect {class} x={(x * 5).to_string()} y={(y * 5).to_string()} width="4.4" height="4.4"><title>{ format!("bit {i}") }</title></rect> }
    });
    let rows = (end - start).div_ceil(64).max(1);
    // The whole link as a density strip, with the k positions marked.
    // Counted a byte at a time: a link may hold millions of bits.
    let nbytes = link.bf.len() as u64;
    let segs = 128u64.min(nbytes).max(1);
    let strip = (0..segs).map(|s| {
        let (a, b) = (s * nbytes / segs, ((s + 1) * nbytes / segs).min(nbytes));
        let ones: u32 = link.bf[a as usize..b as usize].iter().map(|x| x.count_ones()).sum();
        let d = ones as f64 / (b.saturating_sub(a) * 8).max(1) as f64;
        html! { <rect class="seg" x={(s as f64 * 300.0 / segs as f64).to_string()} y="0" width={(300.0 / segs as f64 + 0.2).to_string()} height="10" style={format!("opacity:{:.2}", 0.08 + 0.92 * d)} /> }
    });
    let marks = lit.iter().map(|&p| {
        let x = p as f64 / link.modulus().max(1) as f64 * 300.0;
        html! { <line class="mark" x1={x.to_string()} x2={x.to_string()} y1="0" y2="14" /> }
    });
    let pick = |i: usize| {
        let model = model.clone();
        Callback::from(move |_| {
            model.update(|m| {
                m.link = Some(i);
                m.window = None;
            })
        })
    };
    let links = chain.links.iter().enumerate().map(|(i, l)| {
        html! {
            <tr class={classes!("link", (i == link_i).then_some("sel"))} onclick={pick(i)}>
                <td class="num">{ i }</td><td class="num">{ l.modulus() }</td><td class="num">{ l.hashes }</td>
                <td class="num">{ l.entries }</td><td class="num">{ l.size }</td>
                <td class="num">{ pct(l.error) }</td><td class="num">{ pct(l.ones() as f64 / l.modulus().max(1) as f64) }</td>
            </tr>
        }
    });
    let nav = |delta: i64, label: &'static str| {
        let model = model.clone();
        let bits = link.modulus();
        let cur = start;
        let onclick = Callback::from(move |_| {
            let next = (cur as i64 + delta * WINDOW as i64)
                .clamp(0, (bits.saturating_sub(1) / WINDOW * WINDOW) as i64);
            model.update(|m| m.window = Some(next as u64));
        });
        html! { <button {onclick}>{ label }</button> }
    };
    let last = m.last.as_ref().map(|(it, cmd)| {
        let per_link: Vec<String> = positions
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, p)| format!("#{i}: {}", p.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")))
            .collect();
        html! {
            <p class="lastitem">{ bi(lang,
                format!("{cmd} {} → its {} bit positions (MurmurHash64A, (a + i·b) mod bits) in each sub-filter: ", show(it), link.hashes),
                format!("{cmd} {} → 하위 필터마다의 비트 위치 {}개(MurmurHash64A, (a + i·b) mod bits): ", show(it), link.hashes)) }
                <code class="positions">{ per_link.join(" · ") }</code></p>
        }
    });
    let verdicts = m
        .verdicts
        .iter()
        .filter(|(_, maybe, known)| *maybe && !*known)
        .map(|(it, _, _)| show(it))
        .collect::<Vec<_>>();
    let fp_note = (!verdicts.is_empty()).then(|| html! {
        <p class="falsepos">{ bi(lang,
            format!("False positive: {} was never added, yet all its bits are set (other items set them).", verdicts.join(", ")),
            format!("거짓 양성: {}은(는) 추가한 적이 없지만 비트가 모두 켜져 있습니다(다른 항목들이 켰습니다).", verdicts.join(", "))) }</p>
    });
    let series = m.series.get(&key).cloned().unwrap_or_default();
    let x_max = series.last().map_or(1.0, |p| p.0 as f64).max(1.0);
    let y_max = series
        .iter()
        .map(|p| p.1.max(p.3))
        .fold(0.0, f64::max)
        .max(0.02)
        * 1.1;
    let last_pt = series.last().copied();
    let requested = chain.links[0].error
        / if chain.options & crate::engine::bloom::OPT_NO_SCALING != 0 {
            1.0
        } else {
            0.5
        };
    html! {
        <div class="sketchp bloomp">
            <div class="toolbar"><span><b>{ show(&key) }</b>
                { bi(lang, format!(" — {} items, capacity {}, {} sub-filter(s), {} bytes", chain.size, chain.capacity(), chain.links.len(), chain.mem_usage()),
                    format!(" — 항목 {}개, 용량 {}, 하위 필터 {}개, {}바이트", chain.size, chain.capacity(), chain.links.len(), chain.mem_usage())) }</span></div>
            { for last }
            { for fp_note }
            <table class="links" aria-label={tr(lang, "sub-filters", "하위 필터")}>
                <thead><tr><th>{"#"}</th><th>{ tr(lang, "bits", "비트") }</th><th>{ tr(lang, "hashes", "해시") }</th><th>{ tr(lang, "capacity", "용량") }</th>
                    <th>{ tr(lang, "items", "항목") }</th><th>{ tr(lang, "error", "오차") }</th><th>{ tr(lang, "bits set", "켜진 비트") }</th></tr></thead>
                <tbody>{ for links }</tbody>
            </table>
            <h4>{ bi(lang, format!("Sub-filter #{link_i}: bits {start}–{} of {}", end.saturating_sub(1), link.modulus()), format!("하위 필터 #{link_i}: 비트 {start}–{} / {}", end.saturating_sub(1), link.modulus())) }</h4>
            <svg class="bitstrip" viewBox="0 0 300 14" preserveAspectRatio="none" aria-hidden="true">{ for strip }{ for marks }</svg>
            <svg class="bitwin" viewBox={format!("0 0 320 {}", rows * 5)} aria-label={tr(lang, "bit array window", "비트 배열 창")}>{ for cells }</svg>
            <div class="pager">{ nav(-1, tr(lang, "◀ bits", "◀ 비트")) }{ nav(1, tr(lang, "bits ▶", "비트 ▶")) }</div>
            <h4>{ tr(lang, "False-positive rate as items go in", "항목이 늘 때의 거짓 양성률") }</h4>
            { chart(&[
                ("measured", series.iter().map(|p| (p.0 as f64, p.1)).collect()),
                ("formula", series.iter().map(|p| (p.0 as f64, p.3)).collect()),
                ("bound", vec![(0.0, requested), (x_max, requested)]),
            ], x_max, y_max) }
            { for last_pt.map(|(n, measured, fill, formula)| html! {
                <p class="fpr small">
                    <span class="measured">{ bi(lang, format!("measured {} ({PROBES} items never added)", pct(measured)), format!("측정 {} (추가한 적 없는 {PROBES}개)", pct(measured))) }</span>{ " · " }
                    <span class="fill">{ bi(lang, format!("from the bits set {}", pct(fill)), format!("켜진 비트로 계산 {}", pct(fill))) }</span>{ " · " }
                    <span class="formula">{ bi(lang, format!("formula (1 − e^(−kn/m))^k {}", pct(formula)), format!("공식 (1 − e^(−kn/m))^k {}", pct(formula))) }</span>{ " · " }
                    <span class="bound">{ bi(lang, format!("requested {} after {n} items", pct(requested)), format!("요청 {} (항목 {n}개)", pct(requested))) }</span>
                </p>
            }) }
            { buttons }
        </div>
    }
}
