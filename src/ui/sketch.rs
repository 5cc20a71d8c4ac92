//! What the sketch panels (Bloom, Cuckoo, Count-Min, Top-K) share: reading a command's
//! key and items from its arguments, the replies as numbers, two-language formatting,
//! and a small line chart.

use yew::prelude::*;

use super::i18n::Lang;

/// A text made in both languages, picked for `lang`.
pub fn bi(lang: Lang, en: String, ko: String) -> String {
    match lang {
        Lang::En => en,
        Lang::Ko => ko,
    }
}

/// The items a probabilistic command names, after its key: `BF.ADD k a` → [a],
/// `BF.INSERT k CAPACITY 10 ITEMS a b` → [a, b], `CMS.INCRBY k a 2 b 3` → [a, b].
pub fn items(argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let name = argv
        .first()
        .map(|a| a.to_ascii_lowercase())
        .unwrap_or_default();
    let rest = argv.get(2..).unwrap_or(&[]);
    match name.as_slice() {
        b"bf.add" | b"bf.madd" | b"bf.exists" | b"bf.mexists" | b"cf.add" | b"cf.addnx"
        | b"cf.exists" | b"cf.mexists" | b"cf.del" | b"cf.count" | b"cms.query" | b"topk.add"
        | b"topk.query" | b"topk.count" => rest.to_vec(),
        b"bf.insert" | b"cf.insert" | b"cf.insertnx" => rest
            .iter()
            .position(|a| a.eq_ignore_ascii_case(b"items"))
            .map(|p| rest[p + 1..].to_vec())
            .unwrap_or_default(),
        b"cms.incrby" | b"topk.incrby" => rest.iter().step_by(2).cloned().collect(),
        _ => Vec::new(),
    }
}

/// `CMS.INCRBY k a 2 b 3` / `TOPK.INCRBY …` → [(a, 2), (b, 3)]; TOPK.ADD counts 1 each.
pub fn increments(argv: &[Vec<u8>]) -> Vec<(Vec<u8>, u64)> {
    let name = argv
        .first()
        .map(|a| a.to_ascii_lowercase())
        .unwrap_or_default();
    let rest = argv.get(2..).unwrap_or(&[]);
    match name.as_slice() {
        b"cms.incrby" | b"topk.incrby" => rest
            .chunks(2)
            .filter_map(|p| {
                let n = std::str::from_utf8(p.get(1)?).ok()?.parse::<u64>().ok()?;
                Some((p[0].clone(), n))
            })
            .collect(),
        b"topk.add" => rest.iter().map(|i| (i.clone(), 1)).collect(),
        _ => Vec::new(),
    }
}

/// A reply as a number (RESP2 integers, RESP3 booleans), or None.
pub fn num(r: &crate::engine::Reply) -> Option<i64> {
    use crate::engine::Reply;
    match r {
        Reply::Int(i) => Some(*i),
        Reply::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

/// A reply as a list of numbers, one per item (a single number is a list of one).
pub fn nums(r: &crate::engine::Reply) -> Vec<Option<i64>> {
    use crate::engine::Reply;
    match r {
        Reply::Array(v) => v.iter().map(num).collect(),
        r => vec![num(r)],
    }
}

pub fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.len().min(40)]).into_owned()
}

/// A line chart of several series over a shared x axis (0..=x_max) and y axis
/// (0..=y_max), each series with its CSS class.
pub fn chart(series: &[(&'static str, Vec<(f64, f64)>)], x_max: f64, y_max: f64) -> Html {
    let (w, h) = (300.0, 90.0);
    let lines = series.iter().map(|(class, pts)| {
        let points: Vec<String> = pts
            .iter()
            .map(|(x, y)| {
                format!(
                    "{:.1},{:.1}",
                    x / x_max.max(1e-9) * w,
                    h - (y / y_max.max(1e-12)).min(1.0) * h
                )
            })
            .collect();
        html! { <polyline class={*class} points={points.join(" ")} /> }
    });
    html! {
        <svg class="skchart" viewBox={format!("0 0 {w} {h}")} preserveAspectRatio="none" aria-hidden="true">
            <rect class="frame" x="0" y="0" width={w.to_string()} height={h.to_string()} />
            { for lines }
        </svg>
    }
}

pub fn pct(x: f64) -> String {
    if x == 0.0 {
        "0%".into()
    } else if x < 0.001 {
        format!("{:.3}%", x * 100.0)
    } else {
        format!("{:.2}%", x * 100.0)
    }
}
