//! The sketch comparison: the learner picks a stream (N items, the universe they come
//! from, the Zipf skew, k), [`crate::compare::run`] answers every question exactly and by
//! its sketch on a private engine (the learner's keyspace is untouched), and this panel
//! draws the answers, their errors and their memory side by side.

use yew::prelude::*;

use super::exec::use_model;
use super::i18n::{tr, use_lang, Lang};
use super::session::PanelProps;
use super::sketch::{bi, pct};
use crate::compare::{self, CompareConfig, Comparison};
use crate::engine::util::bytes_human;

#[derive(Default)]
struct CompareModel {
    cfg: Option<CompareConfig>,
    result: Option<Result<Comparison, String>>,
}

fn input(
    label: String,
    class: &'static str,
    value: String,
    min: &'static str,
    max: &'static str,
    step: &'static str,
    on: Callback<String>,
) -> Html {
    let oninput = Callback::from(move |e: InputEvent| {
        on.emit(
            e.target_unchecked_into::<web_sys::HtmlInputElement>()
                .value(),
        )
    });
    html! {
        <label class="cmpin">{ label }
            <input {class} type="number" {value} {min} {max} {step} {oninput} />
        </label>
    }
}

fn ratio(sketch: u64, exact: u64) -> String {
    if sketch == 0 {
        return "-".into();
    }
    format!("{:.1}×", exact as f64 / sketch as f64)
}

fn rows(c: &Comparison, k: usize, lang: Lang) -> Html {
    let row = |class: &'static str,
               q: String,
               exact: String,
               exact_mem: u64,
               sketch: &'static str,
               ans: String,
               err: String,
               mem: u64| {
        html! {
            <tr class={class}>
                <td>{ q }</td><td class="exact">{ exact }</td><td class="num">{ bytes_human(exact_mem) }</td>
                <td>{ sketch }</td><td class="answer">{ ans }</td><td class="error">{ err }</td>
                <td class="num">{ bytes_human(mem) }</td><td class="num saving">{ ratio(mem, exact_mem) }</td>
            </tr>
        }
    };
    let top_exact = c
        .exact_top
        .iter()
        .map(|(i, n)| format!("{i} ({n})"))
        .take(3)
        .collect::<Vec<_>>()
        .join(", ");
    let top_sketch = c
        .topk_list
        .iter()
        .map(|(i, n)| format!("{i} ({n})"))
        .take(3)
        .collect::<Vec<_>>()
        .join(", ");
    html! { <>
        { row("distinct", tr(lang, "How many distinct?", "고유한 것은 몇 개?").into(), format!("SCARD {}", c.distinct), c.set_bytes,
            "HyperLogLog", format!("PFCOUNT {}", c.hll_estimate), format!("{:+.2}%", c.hll_error() * 100.0), c.hll_bytes) }
        { row("bloom", tr(lang, "Seen this one?", "본 적 있나?").into(), tr(lang, "SISMEMBER: never wrong", "SISMEMBER: 틀리지 않음").into(), c.set_bytes,
            "Bloom", bi(lang, format!("{} of {} strangers said \"maybe\"; {} missed", c.bloom_fp, c.probes, c.bloom_fn), format!("낯선 {}개 중 {}개가 \"아마\"; 놓침 {}", c.probes, c.bloom_fp, c.bloom_fn)),
            bi(lang, format!("{} false positives", pct(c.bloom_fp_rate())), format!("거짓 양성 {}", pct(c.bloom_fp_rate()))), c.bloom_bytes) }
        { row("cuckoo", tr(lang, "Seen this one?", "본 적 있나?").into(), tr(lang, "SISMEMBER: never wrong", "SISMEMBER: 틀리지 않음").into(), c.set_bytes,
            "Cuckoo", bi(lang, format!("{} of {} strangers said \"maybe\"; {} missed", c.cuckoo_fp, c.probes, c.cuckoo_fn), format!("낯선 {}개 중 {}개가 \"아마\"; 놓침 {}", c.probes, c.cuckoo_fp, c.cuckoo_fn)),
            bi(lang, format!("{} false positives", pct(c.cuckoo_fp_rate())), format!("거짓 양성 {}", pct(c.cuckoo_fp_rate()))), c.cuckoo_bytes) }
        { row("cms", tr(lang, "How often?", "몇 번?").into(), tr(lang, "HGET of a hash of counts", "개수 해시의 HGET").into(), c.hash_bytes,
            "Count-Min", bi(lang, format!("{} × {}: {} of {} items exact, {} under", c.cms_depth, c.cms_width, c.cms_exact, c.distinct, c.cms_under), format!("{} × {}: 항목 {}개 중 {}개 정확, 과소 {}", c.cms_depth, c.cms_width, c.distinct, c.cms_exact, c.cms_under)),
            bi(lang, format!("over by {:.2} on average, {} at most", c.cms_mean_over, c.cms_max_over), format!("평균 {:.2}, 최대 {} 초과", c.cms_mean_over, c.cms_max_over)), c.cms_bytes) }
        { row("topk", bi(lang, format!("Top {k}?"), format!("상위 {k}개?")), format!("ZRANGE: {top_exact} …"), c.zset_bytes,
            "Top-K", format!("TOPK.LIST: {top_sketch} …"),
            bi(lang, format!("{} of {} truly in the top {k}", c.topk_hits, c.topk_list.len()), format!("{}개 중 {}개가 실제 상위 {k}", c.topk_list.len(), c.topk_hits)), c.topk_bytes) }
        { for c.quantiles.iter().filter(|(q, _, _)| *q == 0.99).map(|&(_, exact, est)| {
            let err = if exact != 0.0 { (est - exact) / exact * 100.0 } else { 0.0 };
            let p50 = c.quantiles.first().map_or(String::new(), |&(_, x, e)| format!(" · p50 {x:.2} / {e:.2}"));
            row("tdigest", tr(lang, "p99 latency?", "p99 지연 시간?").into(),
                bi(lang, format!("sort every value: {exact:.2} ms{p50}"), format!("모든 값을 정렬: {exact:.2}ms{p50}")), c.list_bytes,
                "t-digest", format!("TDIGEST.QUANTILE 0.99: {est:.2} ms"),
                format!("{err:+.2}%"), c.tdigest_bytes)
        }) }
    </> }
}

#[function_component(ComparePanel)]
pub fn compare_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(CompareModel::default, |_, _| false, props.visible);
    if !props.visible {
        return html! {};
    }
    let cfg = model.get().cfg.clone().unwrap_or_default();
    let set = |f: fn(&mut CompareConfig, &str)| {
        let model = model.clone();
        Callback::from(move |v: String| {
            model.update(|m| {
                let mut c = m.cfg.clone().unwrap_or_default();
                f(&mut c, &v);
                m.cfg = Some(c);
            })
        })
    };
    let run = {
        let model = model.clone();
        Callback::from(move |_| {
            let cfg = model.get().cfg.clone().unwrap_or_default();
            let t0 = super::perf_now();
            let r = compare::run(&cfg);
            super::publish("compareMs", super::perf_now() - t0);
            model.update(|m| m.result = Some(r));
        })
    };
    let m = model.get();
    let result = match &m.result {
        None => {
            html! { <p class="muted">{ tr(lang, "Pick a stream and run it.", "스트림을 고르고 실행하세요.") }</p> }
        }
        Some(Err(e)) => html! { <p class="warn">{ e.clone() }</p> },
        Some(Ok(c)) => html! { <>
            <p class="cmpsummary">{ bi(lang,
                format!("{} items, {} distinct, the heaviest seen {} times.", c.n, c.distinct, c.exact_top.first().map_or(0, |t| t.1)),
                format!("항목 {}개, 고유 {}개, 가장 많은 것은 {}번.", c.n, c.distinct, c.exact_top.first().map_or(0, |t| t.1))) }</p>
            <table class="compare" aria-label={tr(lang, "exact against sketch", "정확한 답과 스케치")}>
                <thead><tr><th>{ tr(lang, "question", "질문") }</th><th>{ tr(lang, "exact", "정확") }</th><th>{ tr(lang, "memory", "메모리") }</th>
                    <th>{ tr(lang, "sketch", "스케치") }</th><th>{ tr(lang, "answer", "답") }</th><th>{ tr(lang, "error", "오차") }</th>
                    <th>{ tr(lang, "memory", "메모리") }</th><th>{ tr(lang, "smaller by", "절약") }</th></tr></thead>
                <tbody>{ rows(c, cfg.k, lang) }</tbody>
            </table>
            <p class="muted small">{ tr(lang,
                "Memory is MEMORY USAGE of each key on the private engine. The filters are sized for the universe (BF.RESERVE 0.01, CF.RESERVE), the sketch by CMS.INITBYPROB 0.001 0.01, TOPK.RESERVE k 10k 5 0.9. Strangers are items never added (absent:0 …).",
                "메모리는 별도 엔진에서 각 키의 MEMORY USAGE입니다. 필터는 전체 항목 수에 맞춰(BF.RESERVE 0.01, CF.RESERVE), 스케치는 CMS.INITBYPROB 0.001 0.01, TOPK.RESERVE k 10k 5 0.9로 만듭니다. 낯선 항목은 추가한 적 없는 것(absent:0 …)입니다.") }</p>
        </> },
    };
    html! {
        <div class="sketchp comparep">
            <p class="small">{ tr(lang,
                "One stream, every question answered twice: exactly, with a Redis structure that keeps everything, and by the sketch made for it. Runs on a separate engine: your keys are untouched.",
                "스트림 하나, 질문마다 두 번 답합니다: 모든 것을 기억하는 Redis 구조로 정확하게, 그리고 그 질문용 스케치로. 별도 엔진에서 실행하므로 키스페이스는 그대로입니다.") }</p>
            <div class="toolbar cmpcfg">
                { input(tr(lang, "items N ", "항목 수 N ").into(), "cmp-n", cfg.n.to_string(), "0", "200000", "1000", set(|c, v| if let Ok(n) = v.parse::<usize>() { c.n = n.min(compare::MAX_N) })) }
                { input(tr(lang, "distinct possible ", "가능한 고유 항목 ").into(), "cmp-universe", cfg.universe.to_string(), "1", "100000", "1000", set(|c, v| if let Ok(n) = v.parse::<usize>() { c.universe = n.clamp(1, compare::MAX_UNIVERSE) })) }
                { input(tr(lang, "Zipf skew ", "Zipf 치우침 ").into(), "cmp-skew", format!("{}", cfg.zipf_s), "0", "3", "0.1", set(|c, v| if let Ok(s) = v.parse::<f64>() { c.zipf_s = s.clamp(0.0, 3.0) })) }
                { input("k ".into(), "cmp-k", cfg.k.to_string(), "1", "100", "1", set(|c, v| if let Ok(k) = v.parse::<usize>() { c.k = k.clamp(1, 100) })) }
                <button class="cmp-run" onclick={run}>{ tr(lang, "Run", "실행") }</button>
            </div>
            { result }
        </div>
    }
}
