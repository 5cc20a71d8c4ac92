//! The memory panel: `maxmemory` and eviction, live.
//!
//! - A gauge of used memory against `maxmemory`, with the policy in force.
//! - The latest evictions, each naming the key and why the policy chose it: how long it
//!   had been idle (LRU), how low its LFU counter was, how soon it would have expired
//!   (volatile-ttl), or a coin toss (the random policies).
//! - A scatter of keys by idle time and LFU counter: what LRU looks at (the x axis) and
//!   what LFU looks at (the y axis). Keys in the eviction pool, the next victims, are red.
//! - The simulator ([`crate::sim`]): a cache-aside workload replayed through a separate
//!   engine under the chosen maxmemory and policy, a chunk per frame, with live charts,
//!   and "Compare all policies", which replays the same trace under each policy.
//!
//! The simulator's engine lives here, beside the page's; the panel drives it one step a
//! task and keeps only plain figures ([`SimView`]) in its own model.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use yew::prelude::*;

use super::exec::{use_model, Model};
use super::i18n::{tr, trf, use_lang, Lang};
use super::panels::touches_keyspace;
use super::session::{PanelKind, PanelProps, Session};
use super::{engine, perf_now};
use crate::engine::config::Policy;
use crate::engine::util::bytes_human;
use crate::sim::{self, Op, Point, Sim, SimConfig};

/// Keys read for the scatter (every k-th key of the table beyond this). Keys with the same
/// idle second and counter share a dot, so this bounds the reading, not the drawing.
const SCATTER_KEYS: usize = 2000;
/// Evictions listed.
const EVICTIONS_SHOWN: usize = 12;
/// Milliseconds of simulation per step, so the page stays responsive.
const STEP_BUDGET_MS: f64 = 24.0;

/// One policy's outcome in a comparison.
#[derive(Clone, PartialEq)]
pub struct SimResult {
    pub policy: String,
    pub hit_rate: f64,
    pub evicted: u64,
    pub oom: u64,
    pub keys: usize,
    /// Hit rate per chart point, for the overlay chart.
    pub curve: Vec<f64>,
}

/// What the panel shows of the simulator.
#[derive(Clone, PartialEq)]
pub struct SimView {
    pub cfg: SimConfig,
    pub running: bool,
    pub compare: bool,
    pub policy: String,
    pub points: Vec<Point>,
    pub done: usize,
    pub total: usize,
    pub hit_rate: f64,
    pub evicted: u64,
    pub oom: u64,
    pub empty_memory: u64,
    pub results: Vec<SimResult>,
    pub error: Option<String>,
    /// Moves on every step (the app schedules the next one when it changes).
    pub steps: u64,
}

impl Default for SimView {
    fn default() -> Self {
        SimView {
            cfg: SimConfig {
                // Room for about a fifth of the keys: enough pressure to tell policies apart.
                maxmemory: 1536 * 1024,
                requests: 30_000,
                ..SimConfig::default()
            },
            running: false,
            compare: false,
            policy: String::new(),
            points: Vec::new(),
            done: 0,
            total: 0,
            hit_rate: 0.0,
            evicted: 0,
            oom: 0,
            empty_memory: 0,
            results: Vec::new(),
            error: None,
            steps: 0,
        }
    }
}

struct Runner {
    sim: Sim,
    ops: Rc<[Op]>,
    /// Policies still to run after this one (compare mode).
    queue: Vec<String>,
}

thread_local! {
    static RUNNER: RefCell<Option<Runner>> = const { RefCell::new(None) };
}

/// Requests per chart point: about 150 points a run, at least 250 requests each.
fn chunk(total: usize) -> usize {
    (total / 150).max(250)
}

impl SimView {
    /// Starts a run (or a comparison of every policy) from the current settings.
    pub fn start(&mut self, compare: bool) {
        let ops: Rc<[Op]> = sim::trace(&self.cfg).into();
        let mut queue: Vec<String> = if compare {
            sim::POLICIES.iter().rev().map(|p| p.to_string()).collect()
        } else {
            vec![self.cfg.policy.clone()]
        };
        self.compare = compare;
        self.results.clear();
        self.error = None;
        let first = queue.pop().unwrap_or_default();
        self.begin(first, ops, queue);
    }

    fn begin(&mut self, policy: String, ops: Rc<[Op]>, queue: Vec<String>) {
        let cfg = SimConfig {
            policy: policy.clone(),
            ..self.cfg.clone()
        };
        match Sim::new(cfg, ops.clone()) {
            Ok(sim) => {
                self.policy = policy;
                self.points.clear();
                self.total = sim.total();
                self.done = 0;
                self.empty_memory = sim.empty_memory();
                self.running = true;
                RUNNER.with(|r| *r.borrow_mut() = Some(Runner { sim, ops, queue }));
            }
            Err(e) => {
                self.error = Some(e);
                self.running = false;
            }
        }
    }

    pub fn stop(&mut self) {
        self.running = false;
        RUNNER.with(|r| *r.borrow_mut() = None);
    }

    /// Runs the simulation for about `STEP_BUDGET_MS`, then reports.
    pub fn step(&mut self) {
        self.steps += 1;
        let started = perf_now();
        let next = RUNNER.with(|r| {
            let mut r = r.borrow_mut();
            let run = r.as_mut()?;
            let n = chunk(run.sim.total());
            while !run.sim.finished() && perf_now() - started < STEP_BUDGET_MS {
                run.sim.step(n);
            }
            let s = &run.sim;
            self.points = s.points.clone();
            self.done = s.done();
            self.hit_rate = s.hit_rate();
            self.evicted = s.evicted();
            self.oom = s.oom;
            if !s.finished() {
                return None;
            }
            self.results.push(SimResult {
                policy: s.cfg.policy.clone(),
                hit_rate: s.hit_rate(),
                evicted: s.evicted(),
                oom: s.oom,
                keys: s.engine.core.dbs[0].keys.len(),
                curve: s.points.iter().map(|p| p.hit_rate).collect(),
            });
            Some((
                run.queue.pop(),
                run.ops.clone(),
                std::mem::take(&mut run.queue),
            ))
        });
        match next {
            None => {
                if RUNNER.with(|r| r.borrow().is_none()) {
                    self.running = false;
                }
            }
            Some((Some(policy), ops, queue)) => self.begin(policy, ops, queue),
            Some((None, _, _)) => self.stop(),
        }
    }
}

/// Why an eviction chose its key, from the policy and the candidate's score.
fn why(e: &crate::engine::evict::Eviction, lang: Lang) -> String {
    match e.policy {
        Policy::AllkeysLru | Policy::VolatileLru => {
            let s = e.score / 1000;
            trf!(lang, "idle {s} s", "유휴 {s}초")
        }
        Policy::AllkeysLfu | Policy::VolatileLfu => {
            let c = 255u64.saturating_sub(e.score);
            trf!(lang, "LFU counter {c}", "LFU 카운터 {c}")
        }
        Policy::VolatileTtl => {
            let at = (u64::MAX - e.score) as i64;
            let left = (at - e.at_ms) as f64 / 1000.0;
            trf!(lang, "TTL {left:.1} s left", "TTL {left:.1}초 남음")
        }
        Policy::AllkeysRandom | Policy::VolatileRandom => {
            tr(lang, "random pick", "무작위 선택").into()
        }
        Policy::NoEviction => String::new(),
    }
}

#[function_component(MemoryPanel)]
pub fn memory_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    // The simulator's figures are the panel's own model; the gauge, evictions and
    // scatter read the engine whenever the keyspace may have changed.
    let model = use_model(SimView::default, |_, f| touches_keyspace(f), props.visible);
    // The simulator: one slice per task, so the page keeps painting between slices.
    {
        let (running, steps) = {
            let v = model.get();
            (v.running, v.steps)
        };
        let model = model.clone();
        use_effect_with((running, steps), move |&(running, _)| {
            let t = running.then(|| {
                Timeout::new(0, move || {
                    model.update(|v| {
                        if v.running {
                            v.step()
                        }
                    })
                })
            });
            move || drop(t)
        });
    }
    if !props.visible {
        return html! {};
    }
    html! {
        <div class="memory">
            { gauge(&props.session, lang) }
            { evictions(lang) }
            { scatter(props.session.db, lang) }
            { simulator(&model, lang) }
        </div>
    }
}

/// The memory demo: 1500 keys under allkeys-lfu, ten of them read four times, then
/// maxmemory lowered to leave room for about 500: the hot ten survive.
fn lfu_demo(session: &Session) {
    let used = engine().borrow().used_memory();
    let hot: Vec<String> = (0..10).map(|i| format!("page:{}", i * 150)).collect();
    let mut lines = vec![
        "CONFIG SET maxmemory 0".to_string(),
        "CONFIG SET maxmemory-policy allkeys-lfu".to_string(),
        "DEBUG POPULATE 1500 page 100".to_string(),
    ];
    // TOUCH reads a key as GET would (bumping its LFU counter) without printing it.
    for _ in 0..4 {
        lines.push(format!("TOUCH {}", hot.join(" ")));
    }
    lines.push(format!("OBJECT FREQ {}", hot[0]));
    lines.push("OBJECT FREQ page:1".into());
    lines.push(format!("CONFIG SET maxmemory {}", used + 500 * 180));
    lines.push("SET page:new fresh".into());
    lines.push(format!("EXISTS {}", hot.join(" ")));
    lines.push("DBSIZE".into());
    session.run_lines(&lines);
    session.show.emit(PanelKind::Memory);
}

fn gauge(session: &Session, lang: Lang) -> Html {
    let eng = engine();
    let eng = eng.borrow();
    let used = eng.used_memory();
    let max = eng.core.config.maxmemory;
    let policy = eng.core.config.get("maxmemory-policy").unwrap_or_default();
    let evicted = eng.core.stats.evicted_keys;
    let report = eng.core.memory_report();
    let frag = report.rss as f64 / report.total.max(1) as f64;
    let keys: usize = eng.core.dbs.iter().map(|d| d.keys.len()).sum();
    let run = |line: &'static str| {
        let session = session.clone();
        Callback::from(move |_| session.run_lines(&[line]))
    };
    let set_policy = {
        let session = session.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            session.run_lines(&[format!("CONFIG SET maxmemory-policy {}", el.value())]);
        })
    };
    let demo = {
        let session = session.clone();
        Callback::from(move |_| lfu_demo(&session))
    };
    let (pct, label) = if max == 0 {
        let used = bytes_human(used);
        (
            0.0,
            trf!(
                lang,
                "{used} used, no maxmemory",
                "{used} 사용, maxmemory 없음"
            ),
        )
    } else {
        let p = used as f64 * 100.0 / max as f64;
        (p.min(100.0), {
            let (used, max) = (bytes_human(used), bytes_human(max));
            trf!(
                lang,
                "{used} of {max} ({p:.0}%)",
                "{max} 중 {used} ({p:.0}%)"
            )
        })
    };
    html! {
        <section class="gauge-box">
            <div class="gauge-head">
                <b>{ "used_memory" }</b>
                <span class="gauge-label">{ label }</span>
            </div>
            <div class={classes!("gauge", (max > 0 && pct >= 95.0).then_some("full"))} role="meter"
                aria-valuemin="0" aria-valuemax="100" aria-valuenow={format!("{pct:.0}")} aria-label={tr(lang, "memory used of maxmemory", "maxmemory 대비 사용 메모리")}>
                <span class="gauge-fill" style={format!("width:{pct:.1}%")}></span>
            </div>
            <div class="gauge-policy">
                <label>{ "maxmemory-policy " }
                    <select onchange={set_policy} aria-label="maxmemory-policy">
                        { for sim::POLICIES.iter().map(|p| html! { <option value={*p} selected={*p == policy}>{ *p }</option> }) }
                    </select>
                </label>
                <span class="muted">{ trf!(lang, " {keys} keys, {evicted} evicted so far", " 키 {keys}개, 지금까지 축출 {evicted}개") }</span>
            </div>
            <div class="gauge-more muted small">
                { { let (peak, dataset, overhead) = (bytes_human(report.peak), bytes_human(report.dataset()), bytes_human(report.overhead)); trf!(lang, "peak {peak} · dataset {dataset} · overhead {overhead} · fragmentation ", "최대 {peak} · 데이터셋 {dataset} · 오버헤드 {overhead} · 단편화 ") } }
                <span class={classes!("frag", (frag > 1.4).then_some("high"))}>{ format!("{frag:.2}") }</span>
                { " " }
                <button onclick={run("MEMORY STATS")}>{ "MEMORY STATS" }</button>
                <button onclick={run("MEMORY DOCTOR")}>{ "MEMORY DOCTOR" }</button>
                { if frag > 1.05 { html! { <button onclick={run("MEMORY PURGE")} title={tr(lang, "Deleted keys left memory with the allocator; purge gives it back", "삭제된 키의 메모리가 할당자에 남아 있습니다. PURGE로 돌려줍니다")}>{ "MEMORY PURGE" }</button> } } else { html! {} } }
            </div>
            { if max == 0 { html! {
                <p class="muted small">{ tr(lang, "No maxmemory: like Redis, KV Lab grows without limit (an empty server already uses about 860 KB). Set a limit to see eviction: ", "maxmemory가 없습니다: Redis처럼 KV Lab도 한없이 커집니다 (빈 서버도 이미 약 860 KB를 씁니다). 축출을 보려면 한도를 정하세요: ") }
                    <button onclick={run("CONFIG SET maxmemory 2mb")}>{ "CONFIG SET maxmemory 2mb" }</button></p>
            } } else { html! {} } }
            <p class="muted small">{ tr(lang, "Eviction runs before each command while memory is over the limit. ", "메모리가 한도를 넘는 동안에는 명령마다 실행 전에 축출이 일어납니다. ") }
                <button onclick={demo} title={tr(lang, "Loads 1500 keys, reads ten of them often, then lowers maxmemory: watch which keys go", "키 1500개를 넣고 그중 10개를 자주 읽은 뒤 maxmemory를 낮춥니다: 어떤 키가 사라지는지 보세요")}>{ tr(lang, "Demo: LFU keeps the hot keys", "데모: LFU는 핫 키를 남긴다") }</button></p>
        </section>
    }
}

fn evictions(lang: Lang) -> Html {
    let eng = engine();
    let eng = eng.borrow();
    let now = eng.now_ms();
    let list = &eng.core.evictions;
    if list.is_empty() {
        return html! {
            <section class="evictions"><h3>{ tr(lang, "Evictions", "축출") }</h3>
                <p class="muted small">{ tr(lang, "None yet. When memory goes over maxmemory, each evicted key appears here with the reason the policy picked it.", "아직 없습니다. 메모리가 maxmemory를 넘으면 축출된 키가 정책이 그 키를 고른 이유와 함께 여기에 나옵니다.") }</p>
            </section>
        };
    }
    html! {
        <section class="evictions"><h3>{ tr(lang, "Evictions", "축출") }<span class="muted small">{ { let (shown, total) = (list.len().min(EVICTIONS_SHOWN), eng.core.stats.evicted_keys); trf!(lang, " (latest {shown} of {total})", " (전체 {total}개 중 최근 {shown}개)") } }</span></h3>
            <ol class="evlist">
                { for list.iter().rev().take(EVICTIONS_SHOWN).map(|e| html! {
                    <li class="ev">
                        <code class="evkey">{ super::panels::cli_arg(&e.key) }</code>
                        { if e.db != 0 { html! { <span class="muted">{ format!(" db{}", e.db) }</span> } } else { html! {} } }
                        <span class="evwhy">{ why(e, lang) }</span>
                        <span class="muted small">{ { let (policy, freed, ago) = (e.policy.name(), bytes_human(e.bytes), ((now - e.at_ms).max(0) as f64 / 1000.0).floor()); trf!(lang, "{policy} · {freed} freed · {ago:.0} s ago", "{policy} · {freed} 해제 · {ago:.0}초 전") } }</span>
                    </li>
                }) }
            </ol>
        </section>
    }
}

fn scatter(db: usize, lang: Lang) -> Html {
    let eng = engine();
    let eng = eng.borrow();
    let keys = eng.access_sample(db, SCATTER_KEYS);
    if keys.is_empty() {
        return html! {};
    }
    let total = eng.core.dbs[db].keys.len();
    let policy = eng.core.config.policy;
    let (w, h) = (320.0, 170.0);
    let max_idle = keys
        .iter()
        .map(|k| k.idle_ms / 1000)
        .max()
        .unwrap_or(0)
        .max(60);
    let max_freq = keys.iter().map(|k| k.freq).max().unwrap_or(0).max(10);
    let lx = |idle_s: u64| {
        30.0 + (1.0 + idle_s as f64).log10() / (1.0 + max_idle as f64).log10() * (w - 40.0)
    };
    let ly = |f: u32| h - 20.0 - f as f64 / max_freq as f64 * (h - 30.0);
    // Keys sharing an idle second and a counter are drawn as one dot, sized by how many
    // they are (a thousand fresh keys at counter 5 would otherwise hide in one point).
    let mut groups: std::collections::BTreeMap<
        (u64, u32),
        Vec<&crate::engine::inspect::KeyAccess>,
    > = Default::default();
    for k in &keys {
        groups
            .entry((k.idle_ms / 1000, k.freq))
            .or_default()
            .push(k);
    }
    let dots = groups.iter().map(|(&(idle, freq), ks)| {
        let n = ks.len();
        let pooled = ks.iter().filter(|k| k.pooled).count();
        let cls = classes!(
            "dot",
            ks.iter().any(|k| k.ttl_ms.is_some()).then_some("volatile")
        );
        let names: Vec<String> = ks
            .iter()
            .take(3)
            .map(|k| String::from_utf8_lossy(&k.key).into_owned())
            .collect();
        let (names, more) = (names.join(", "), if n > 3 { ", …" } else { "" });
        let title = match lang {
            Lang::En => format!(
                "{n} key{} · idle {idle} s · LFU counter {freq} · {names}{more}{}",
                if n == 1 { "" } else { "s" },
                if pooled > 0 { format!(" · {pooled} in the eviction pool") } else { String::new() }
            ),
            Lang::Ko => format!(
                "키 {n}개 · 유휴 {idle}초 · LFU 카운터 {freq} · {names}{more}{}",
                if pooled > 0 { format!(" · 축출 풀에 {pooled}개") } else { String::new() }
            ),
        };
        let radius = |n: usize| (2.5 + 1.2 * ((n.max(1) - 1) as f64).sqrt()).min(16.0);
        let (cx, cy) = (format!("{:.1}", lx(idle)), format!("{:.1}", ly(freq)));
        let victims = (pooled > 0).then(|| html! {
            <circle class="dot victim" cx={cx.clone()} cy={cy.clone()} r={format!("{:.1}", radius(pooled))} />
        });
        html! {
            <g>
                <circle class={cls} data-keys={n.to_string()} cx={cx.clone()} cy={cy.clone()} r={format!("{:.1}", radius(n))}><title>{ title }</title></circle>
                { for victims }
            </g>
        }
    });
    let looks = if policy.is_lfu() {
        tr(
            lang,
            "LFU is in force: it evicts from the bottom (lowest counters) and ignores the x axis.",
            "LFU 정책입니다: 아래쪽(카운터가 가장 낮은 키)부터 축출하고 x축은 보지 않습니다.",
        )
    } else if policy.is_lru() {
        tr(
            lang,
            "LRU is in force: it evicts from the right (longest idle) and ignores the y axis.",
            "LRU 정책입니다: 오른쪽(가장 오래 쓰이지 않은 키)부터 축출하고 y축은 보지 않습니다.",
        )
    } else {
        tr(
            lang,
            "Under a random policy or noeviction neither axis matters.",
            "무작위 정책이나 noeviction에서는 어느 축도 상관없습니다.",
        )
    };
    html! {
        <section class="scatter-box"><h3>{ tr(lang, "What LRU and LFU see", "LRU와 LFU가 보는 것") }<span class="muted small">{ { let shown = keys.len(); trf!(lang, " ({shown} of {total} keys)", " (키 {total}개 중 {shown}개)") } }</span></h3>
            <svg class="scatter" viewBox={format!("0 0 {w} {h}")} role="img" aria-label={tr(lang, "keys by idle time and LFU counter", "유휴 시간과 LFU 카운터별 키")}>
                <line class="axis" x1="30" y1={format!("{}", h - 20.0)} x2={format!("{w}")} y2={format!("{}", h - 20.0)} />
                <line class="axis" x1="30" y1="5" x2="30" y2={format!("{}", h - 20.0)} />
                <text x="32" y={format!("{}", h - 6.0)} class="tick">{ "0 s" }</text>
                <text x={format!("{}", w - 4.0)} y={format!("{}", h - 6.0)} class="tick" text-anchor="end">{ trf!(lang, "idle {max_idle} s (log) →", "유휴 {max_idle}초 (로그) →") }</text>
                <text x="26" y="12" class="tick" text-anchor="end">{ max_freq }</text>
                <text x="26" y={format!("{}", h - 20.0)} class="tick" text-anchor="end">{ "0" }</text>
                <text x="36" y="12" class="tick">{ tr(lang, "↑ LFU counter", "↑ LFU 카운터") }</text>
                { for dots }
            </svg>
            <p class="muted small">{ looks }{ tr(lang, " A dot's size is how many keys share it (hover for names); the red part, how many of them wait in the eviction pool as the next victims. Ringed: keys with a TTL (what volatile-* may evict).", " 점의 크기는 그 자리에 있는 키의 수입니다 (마우스를 올리면 이름이 나옵니다). 빨간 부분은 그중 축출 풀에서 다음 희생양으로 기다리는 키의 수입니다. 테두리가 있는 점: TTL이 있는 키 (volatile-*가 축출할 수 있는 키).") }</p>
        </section>
    }
}

/// A line chart of several series over the same x range.
fn line_chart(
    series: &[(Vec<f64>, &'static str)],
    ymax: f64,
    label: &str,
    hline: Option<f64>,
) -> Html {
    let (w, h) = (320.0, 90.0);
    let n = series.iter().map(|(v, _)| v.len()).max().unwrap_or(0);
    let ymax = ymax.max(1e-9);
    let lines = series
        .iter()
        .filter(|(v, _)| v.len() > 1)
        .map(|(v, class)| {
            let step = (w - 4.0) / (n.max(2) - 1) as f64;
            let pts: Vec<String> = v
                .iter()
                .enumerate()
                .map(|(i, y)| {
                    format!(
                        "{:.1},{:.1}",
                        2.0 + i as f64 * step,
                        h - 2.0 - (y / ymax).min(1.0) * (h - 14.0)
                    )
                })
                .collect();
            html! { <polyline class={*class} points={pts.join(" ")} /> }
        });
    let limit = hline.map(|y| {
        let yy = h - 2.0 - (y / ymax).min(1.0) * (h - 14.0);
        html! { <line class="limit" x1="0" x2={format!("{w}")} y1={format!("{yy:.1}")} y2={format!("{yy:.1}")} /> }
    });
    html! {
        <svg class="chart" viewBox={format!("0 0 {w} {h}")} preserveAspectRatio="none" role="img" aria-label={label.to_string()}>
            <text x="4" y="10" class="tick">{ label.to_string() }</text>
            { for limit }
            { for lines }
        </svg>
    }
}

/// Chart colours for the policies, in `sim::POLICIES` order.
fn policy_class(p: &str) -> &'static str {
    match p {
        "noeviction" => "p0",
        "allkeys-lru" => "p1",
        "allkeys-lfu" => "p2",
        "allkeys-random" => "p3",
        "volatile-lru" => "p4",
        "volatile-lfu" => "p5",
        "volatile-random" => "p6",
        _ => "p7",
    }
}

fn simulator(model: &Model<SimView>, lang: Lang) -> Html {
    let v = model.get();
    let cfg = &v.cfg;
    let field = |label: &'static str,
                 name: &'static str,
                 value: String,
                 min: f64,
                 max: f64,
                 step: f64,
                 set: fn(&mut SimConfig, f64)| {
        let model = model.clone();
        let onchange = Callback::from(move |e: Event| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(x) = el.value().trim().parse::<f64>() {
                model.update(|v| {
                    if !v.running {
                        set(&mut v.cfg, x.clamp(min, max));
                    }
                });
            }
        });
        html! {
            <label class="field">{ label }
                <input type="number" {name} value={value} min={min.to_string()} max={max.to_string()} step={step.to_string()} {onchange} disabled={v.running} />
            </label>
        }
    };
    let on_mem = {
        let model = model.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(b) = el.value().parse::<u64>() {
                model.update(|v| {
                    if !v.running {
                        v.cfg.maxmemory = b;
                    }
                });
            }
        })
    };
    let on_policy = {
        let model = model.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            model.update(|v| {
                if !v.running {
                    v.cfg.policy = el.value();
                }
            });
        })
    };
    let start = |compare: bool| {
        let model = model.clone();
        Callback::from(move |_| model.update(|v| v.start(compare)))
    };
    let stop = {
        let model = model.clone();
        Callback::from(move |_| model.update(SimView::stop))
    };
    const MB: u64 = 1024 * 1024;
    const SIZES: [(&str, u64); 7] = [
        ("1mb", MB),
        ("1.5mb", 3 * MB / 2),
        ("2mb", 2 * MB),
        ("3mb", 3 * MB),
        ("4mb", 4 * MB),
        ("8mb", 8 * MB),
        ("32mb", 32 * MB),
    ];
    // What fits: the room above an empty server over the mean size of a key.
    let room = cfg
        .maxmemory
        .saturating_sub(crate::engine::inspect::BASELINE_MEMORY);
    let per_key = cfg.value_bytes as u64
        + 90
        + if cfg.ttl_pct > 0 {
            40 * u64::from(cfg.ttl_pct) / 100
        } else {
            0
        };
    let fit = (room / per_key.max(1)).min(cfg.keys as u64);
    let progress = if v.total > 0 {
        v.done as f64 * 100.0 / v.total as f64
    } else {
        0.0
    };
    let status = if let Some(e) = &v.error {
        html! { <p class="error small">{ e.clone() }</p> }
    } else if v.total == 0 {
        html! { <p class="muted small">{ tr(lang, "Runs in its own engine on a simulated clock: your keyspace is not touched.", "별도의 엔진에서 가상 시계로 실행합니다: 여러분의 키스페이스는 건드리지 않습니다.") }</p> }
    } else {
        html! {
            <p class="sim-status">
                <b>{ v.policy.clone() }</b>
                { { let (done, total) = (v.done, v.total); trf!(lang, " {done} / {total} requests ({progress:.0}%) · hit rate ", " 요청 {done} / {total} ({progress:.0}%) · 적중률 ") } }
                <span class="sim-hit">{ format!("{:.1}%", v.hit_rate) }</span>
                { { let (evicted, oom) = (v.evicted, v.oom); let state = if v.running { tr(lang, " · running…", " · 실행 중…") } else { tr(lang, " · done", " · 완료") }; trf!(lang, " · {evicted} evicted · {oom} OOM errors{state}", " · 축출 {evicted}개 · OOM 오류 {oom}개{state}") } }
            </p>
        }
    };
    let charts = (!v.points.is_empty()).then(|| {
        let hits: Vec<f64> = v.points.iter().map(|p| p.hit_rate).collect();
        let mem: Vec<f64> = v.points.iter().map(|p| p.used_memory as f64).collect();
        let ev: Vec<f64> = v.points.iter().map(|p| p.evicted as f64).collect();
        let mem_max = mem.iter().cloned().fold(cfg.maxmemory as f64 * 1.05, f64::max);
        let ev_max = ev.last().copied().unwrap_or(0.0).max(1.0);
        html! {
            <div class="charts">
                { line_chart(&[(hits, "hits")], 100.0, tr(lang, "hit rate % (each point: its own requests)", "적중률 % (점마다 그 구간의 요청)"), None) }
                { line_chart(&[(mem, "mem")], mem_max, tr(lang, "used memory (line: maxmemory)", "사용 메모리 (선: maxmemory)"), Some(cfg.maxmemory as f64)) }
                { line_chart(&[(ev, "ev")], ev_max, tr(lang, "evictions so far", "지금까지 축출 수"), None) }
            </div>
        }
    });
    let compare = (v.compare && !v.results.is_empty()).then(|| {
        let best = v.results.iter().map(|r| r.hit_rate).fold(0.0, f64::max);
        let curves: Vec<(Vec<f64>, &'static str)> = v.results.iter().map(|r| (r.curve.clone(), policy_class(&r.policy))).collect();
        html! {
            <div class="compare">
                <table class="results">
                    <thead><tr><th>{ tr(lang, "policy", "정책") }</th><th>{ tr(lang, "hit rate", "적중률") }</th><th></th><th>{ tr(lang, "evicted", "축출") }</th><th>{ tr(lang, "OOM errors", "OOM 오류") }</th><th>{ tr(lang, "keys at end", "끝난 뒤 키 수") }</th></tr></thead>
                    <tbody>
                        { for v.results.iter().map(|r| html! {
                            <tr class={classes!((r.hit_rate == best).then_some("best"))} data-policy={r.policy.clone()}>
                                <td><span class={classes!("swatch", policy_class(&r.policy))}></span>{ r.policy.clone() }</td>
                                <td class="num rate">{ format!("{:.1}%", r.hit_rate) }</td>
                                <td class="barcell"><span class={classes!("hbar", policy_class(&r.policy))} style={format!("width:{:.1}%", r.hit_rate)}></span></td>
                                <td class="num">{ r.evicted }</td>
                                <td class="num">{ r.oom }</td>
                                <td class="num">{ r.keys }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                { line_chart(&curves, 100.0, tr(lang, "hit rate % over the run, one line per policy", "실행 중 적중률 %, 정책마다 선 하나"), None) }
                <p class="muted small">{ tr(lang, "Same trace for every policy. noeviction refuses SETs once full (OOM errors; the app would fall back to the database). volatile-* may only evict keys with a TTL: with too few of them they fail the same way.", "모든 정책에 같은 트레이스를 씁니다. noeviction은 가득 차면 SET을 거부합니다 (OOM 오류: 앱은 데이터베이스로 넘어갑니다). volatile-*는 TTL이 있는 키만 축출할 수 있어, 그런 키가 너무 적으면 같은 식으로 실패합니다.") }</p>
            </div>
        }
    });
    html! {
        <section class="simulator"><h3>{ tr(lang, "Simulator: a cache in front of a database", "시뮬레이터: 데이터베이스 앞의 캐시") }</h3>
            <div class="sim-form">
                <label class="field">{ "maxmemory" }
                    <select name="maxmemory" onchange={on_mem} disabled={v.running}>
                        { for SIZES.iter().map(|(name, b)| html! { <option value={b.to_string()} selected={*b == cfg.maxmemory}>{ *name }</option> }) }
                    </select>
                </label>
                <label class="field">{ tr(lang, "policy", "정책") }
                    <select name="policy" onchange={on_policy} disabled={v.running}>
                        { for sim::POLICIES.iter().map(|p| html! { <option value={*p} selected={*p == cfg.policy}>{ *p }</option> }) }
                    </select>
                </label>
                { field(tr(lang, "keys", "키 수"), "keys", cfg.keys.to_string(), 10.0, sim::MAX_KEYS as f64, 100.0, |c, x| c.keys = x as usize) }
                { field(tr(lang, "Zipf skew", "Zipf 치우침"), "zipf", format!("{}", cfg.zipf_s), 0.0, 3.0, 0.1, |c, x| c.zipf_s = x) }
                { field(tr(lang, "reads %", "읽기 %"), "reads", cfg.read_pct.to_string(), 0.0, 100.0, 5.0, |c, x| c.read_pct = x as u32) }
                { field(tr(lang, "keys with TTL %", "TTL 있는 키 %"), "ttlpct", cfg.ttl_pct.to_string(), 0.0, 100.0, 10.0, |c, x| c.ttl_pct = x as u32) }
                { field(tr(lang, "TTL s", "TTL 초"), "ttl", cfg.ttl_secs.to_string(), 1.0, 86_400.0, 10.0, |c, x| c.ttl_secs = x as u64) }
                { field(tr(lang, "TTL jitter ±%", "TTL 지터 ±%"), "jitter", cfg.jitter_pct.to_string(), 0.0, 100.0, 5.0, |c, x| c.jitter_pct = x as u32) }
                { field(tr(lang, "value bytes", "값 바이트"), "value", cfg.value_bytes.to_string(), 1.0, 100_000.0, 50.0, |c, x| c.value_bytes = x as usize) }
                { field(tr(lang, "requests", "요청 수"), "requests", cfg.requests.to_string(), 100.0, sim::MAX_REQUESTS as f64, 1000.0, |c, x| c.requests = x as usize) }
                { field(tr(lang, "requests/s", "초당 요청"), "rate", cfg.rate.to_string(), 1.0, 100_000.0, 100.0, |c, x| c.rate = x as u32) }
            </div>
            <p class="muted small">{ { let (keys, room) = (cfg.keys, bytes_human(room)); trf!(lang, "About {fit} of {keys} keys fit in the {room} above an empty server.", "빈 서버 위로 남은 {room}에 키 {keys}개 중 약 {fit}개가 들어갑니다.") } }</p>
            <div class="sim-actions">
                <button class="run" onclick={start(false)} disabled={v.running}>{ tr(lang, "Run", "시뮬레이션 실행") }</button>
                <button class="compare-all" onclick={start(true)} disabled={v.running}>{ tr(lang, "Compare all policies", "모든 정책 비교") }</button>
                <button onclick={stop} disabled={!v.running}>{ tr(lang, "Stop", "중지") }</button>
                <progress max="100" value={format!("{progress:.0}")}></progress>
            </div>
            { status }
            { for charts }
            { for compare }
        </section>
    }
}
