//! The bitmap panel: the string's bits as a grid (bit 0 is the top-left cell, the most
//! significant bit of byte 0, as Redis counts). Up to 16384 bits every bit is a cell;
//! beyond that each cell is a block coloured by how many of its bits are set, and a click
//! zooms into the block. The last BITCOUNT/BITPOS range, BITFIELD fields and BITOP inputs
//! are drawn over it, and a "daily active users" demo shows the classic use.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::engine;
use super::exec::{is_command, use_model, Feed};
use super::i18n::{tr, trf, use_lang};
use super::session::{with_rng, PanelProps, Session};
use crate::engine::{bitmap, Reply};

/// Cells per grid row, and the grid's pixel width.
const COLS: u64 = 128;
const WIDTH: f64 = 512.0;
/// Most cells drawn: beyond this many bits, cells become blocks.
const MAX_CELLS: u64 = 16384;

/// What the last bit command did, to draw over the grid.
#[derive(Clone, PartialEq, Debug)]
pub enum BitMark {
    /// SETBIT/GETBIT: one bit.
    Bit(u64),
    /// BITCOUNT/BITPOS: the bits the range covered, and BITPOS's answer.
    Range(u64, u64, Option<i64>),
    /// BITFIELD: (offset, bits, type name) per field.
    Fields(Vec<(u64, u32, String)>),
    /// BITOP: the sources, drawn stacked above the destination.
    Op(Vec<Vec<u8>>),
}

/// The commands the panel follows.
const BIT_COMMANDS: &[&str] = &[
    "setbit",
    "getbit",
    "bitcount",
    "bitpos",
    "bitop",
    "bitfield",
    "bitfield_ro",
];

#[derive(Default)]
pub struct BitTrack {
    pub key: Option<Vec<u8>>,
    pub mark: Option<BitMark>,
    /// The window of bits shown, when zoomed in.
    pub zoom: Option<(u64, u64)>,
}

fn int(a: &[u8]) -> Option<i64> {
    crate::engine::util::parse_i64(a)
}

impl BitTrack {
    fn feed(&mut self, f: &Feed) -> bool {
        match f {
            Feed::Ran(o) if o.ok() => {
                let reply = o.reply.as_ref().unwrap_or(&Reply::Nil);
                self.observe(&o.argv, reply, o.db);
                // A write may have changed the string shown.
                o.is(BIT_COMMANDS) || (self.key.is_some() && o.wrote())
            }
            Feed::Replaced => {
                *self = BitTrack::default();
                true
            }
            Feed::Background(_) => self.key.is_some(),
            _ => false,
        }
    }

    /// Follows a successful bit command and its reply: which key to show and what to
    /// draw over it.
    pub fn observe(&mut self, argv: &[Vec<u8>], reply: &Reply, db: usize) {
        if !is_command(argv, BIT_COMMANDS) {
            return;
        }
        let Some(name) = argv.first().map(|a| a.to_ascii_lowercase()) else {
            return;
        };
        let key_len = |k: &[u8]| {
            engine()
                .borrow()
                .peek_string(db, k)
                .map_or(0, |s| s.len() as u64)
        };
        let mark = match name.as_slice() {
            b"setbit" | b"getbit" if argv.len() >= 3 => {
                int(&argv[2]).map(|o| BitMark::Bit(o as u64))
            }
            b"bitcount" | b"bitpos" => {
                let (range_at, unit_at) = if name == b"bitcount" { (2, 4) } else { (3, 5) };
                let len = key_len(&argv[1]);
                let bits = argv
                    .get(unit_at)
                    .is_some_and(|u| u.eq_ignore_ascii_case(b"bit"));
                let start = argv.get(range_at).and_then(|a| int(a)).unwrap_or(0);
                let end = argv
                    .get(range_at + 1)
                    .and_then(|a| int(a))
                    .unwrap_or(i64::MAX);
                let answer = match reply {
                    Reply::Int(n) if name == b"bitpos" => Some(*n),
                    _ => None,
                };
                bitmap::resolve_range(len, start, end, bits)
                    .map(|(a, b)| BitMark::Range(a, b, answer))
            }
            b"bitfield" | b"bitfield_ro" => {
                let mut fields = Vec::new();
                let mut j = 2;
                while j < argv.len() {
                    let sub = argv[j].to_ascii_lowercase();
                    if sub == b"overflow" {
                        j += 2;
                        continue;
                    }
                    let (Some(t), Some(o)) = (argv.get(j + 1), argv.get(j + 2)) else {
                        break;
                    };
                    let width = int(&t[1..]).unwrap_or(1).clamp(1, 64) as u32;
                    let offset = match o.strip_prefix(b"#") {
                        Some(n) => int(n).unwrap_or(0) as u64 * width as u64,
                        None => int(o).unwrap_or(0) as u64,
                    };
                    fields.push((offset, width, String::from_utf8_lossy(t).into_owned()));
                    j += if sub == b"get" { 3 } else { 4 };
                }
                Some(BitMark::Fields(fields))
            }
            b"bitop" if argv.len() >= 4 => {
                self.key = Some(argv[2].clone());
                self.zoom = None;
                self.mark = Some(BitMark::Op(argv[3..].to_vec()));
                return;
            }
            _ => return,
        };
        if self.key.as_deref() != Some(&argv[1][..]) {
            self.zoom = None;
        }
        self.key = Some(argv[1].clone());
        self.mark = mark;
    }
}

/// How the grid maps bits to cells for a window of `len` bits.
#[derive(Clone, Copy, PartialEq)]
struct Layout {
    start: u64,
    /// Bits per cell (1 when every bit is its own cell).
    block: u64,
    cells: u64,
    cell_px: f64,
}

impl Layout {
    fn new(start: u64, len: u64) -> Layout {
        let block = len.div_ceil(MAX_CELLS).max(1);
        let cells = len.div_ceil(block).max(1);
        // Bigger cells while there are few of them, so 8 bits are still easy to see.
        let cols = if cells <= 256 {
            32
        } else if cells <= 4096 {
            64
        } else {
            COLS
        };
        Layout {
            start,
            block,
            cells,
            cell_px: WIDTH / cols as f64,
        }
    }
    fn cols(&self) -> u64 {
        (WIDTH / self.cell_px) as u64
    }
    fn rows(&self) -> u64 {
        self.cells.div_ceil(self.cols())
    }
    fn height(&self) -> f64 {
        self.rows() as f64 * self.cell_px
    }
    fn cell_of(&self, bit: u64) -> Option<u64> {
        (bit >= self.start)
            .then(|| (bit - self.start) / self.block)
            .filter(|&c| c < self.cells)
    }
    fn xy(&self, cell: u64) -> (f64, f64) {
        (
            (cell % self.cols()) as f64 * self.cell_px,
            (cell / self.cols()) as f64 * self.cell_px,
        )
    }
}

fn ctx2d(canvas: &NodeRef) -> Option<web_sys::CanvasRenderingContext2d> {
    canvas
        .cast::<web_sys::HtmlCanvasElement>()?
        .get_context("2d")
        .ok()
        .flatten()?
        .dyn_into()
        .ok()
}

fn paint(canvas: &NodeRef, bytes: &[u8], lay: Layout, mark: Option<&BitMark>) {
    let Some(ctx) = ctx2d(canvas) else {
        return;
    };
    let total = bytes.len() as u64 * 8;
    ctx.clear_rect(0.0, 0.0, WIDTH, lay.height());
    let gap = if lay.cell_px >= 6.0 { 1.0 } else { 0.0 };
    for cell in 0..lay.cells {
        let first = lay.start + cell * lay.block;
        let last = (first + lay.block - 1).min(total.saturating_sub(1));
        let density = if first >= total {
            0.0
        } else {
            bitmap::count_bits(bytes, first, last) as f64 / (last - first + 1) as f64
        };
        let (x, y) = lay.xy(cell);
        let fill = if density == 0.0 {
            "rgba(128,128,128,0.18)".to_string()
        } else {
            format!("rgba(57,186,230,{:.2})", 0.25 + 0.75 * density)
        };
        ctx.set_fill_style_str(&fill);
        ctx.fill_rect(x, y, lay.cell_px - gap, lay.cell_px - gap);
    }
    // Byte boundaries when bits are cells.
    if lay.block == 1 && lay.cell_px >= 6.0 {
        ctx.set_stroke_style_str("rgba(128,128,128,0.5)");
        for col in (0..=lay.cols()).step_by(8) {
            let x = col as f64 * lay.cell_px - 0.5;
            ctx.begin_path();
            ctx.move_to(x, 0.0);
            ctx.line_to(x, lay.height());
            ctx.stroke();
        }
    }
    // A span of bits: its cells shaded, its first and last cells outlined (outlining
    // every cell of a long range would hide the bits themselves).
    let outline = |a: u64, b: u64, colour: &str| {
        let (Some(c0), Some(c1)) = (
            lay.cell_of(a.max(lay.start)),
            lay.cell_of(b).or(Some(lay.cells - 1)),
        ) else {
            return;
        };
        let c1 = c1.min(lay.cells - 1);
        ctx.set_global_alpha(0.25);
        ctx.set_fill_style_str(colour);
        for c in c0..=c1 {
            let (x, y) = lay.xy(c);
            ctx.fill_rect(x, y, lay.cell_px, lay.cell_px);
        }
        ctx.set_global_alpha(1.0);
        ctx.set_stroke_style_str(colour);
        ctx.set_line_width(2.0);
        for c in [c0, c1] {
            let (x, y) = lay.xy(c);
            ctx.stroke_rect(x + 1.0, y + 1.0, lay.cell_px - 2.0, lay.cell_px - 2.0);
        }
    };
    match mark {
        Some(BitMark::Bit(o)) => outline(*o, *o, "#ff4d4d"),
        Some(BitMark::Range(a, b, answer)) => {
            outline(*a, *b, "#e6b450");
            if let Some(p) = answer.filter(|&p| p >= 0) {
                outline(p as u64, p as u64, "#ff4d4d");
            }
        }
        Some(BitMark::Fields(fields)) => {
            let colours = ["#ff4d4d", "#aad94c", "#e6b450", "#d2a6ff", "#59c2ff"];
            for (i, (o, w, _)) in fields.iter().enumerate() {
                outline(*o, o + *w as u64 - 1, colours[i % colours.len()]);
            }
        }
        _ => {}
    }
}

/// A one-row strip of a bitmap, for BITOP's stacked view.
fn paint_strip(canvas: &NodeRef, bytes: &[u8], total_bits: u64) {
    let Some(ctx) = ctx2d(canvas) else {
        return;
    };
    ctx.clear_rect(0.0, 0.0, WIDTH, 14.0);
    let cells = 256u64;
    let block = total_bits.div_ceil(cells).max(1);
    let w = WIDTH / cells as f64;
    let have = bytes.len() as u64 * 8;
    for c in 0..cells {
        let a = c * block;
        if a >= total_bits {
            break;
        }
        let d = if a >= have {
            0.0
        } else {
            let b = (a + block - 1).min(have - 1);
            bitmap::count_bits(bytes, a, b) as f64 / (b - a + 1) as f64
        };
        ctx.set_fill_style_str(&if d == 0.0 {
            "rgba(128,128,128,0.18)".to_string()
        } else {
            format!("rgba(57,186,230,{:.2})", 0.25 + 0.75 * d)
        });
        ctx.fill_rect(c as f64 * w, 0.0, w, 14.0);
    }
}

#[function_component(BitsPanel)]
pub fn bits_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(BitTrack::default, BitTrack::feed, props.visible);
    let db = props.session.db;
    let grid = use_node_ref();
    let hover = use_state(|| None::<u64>);
    let strip_refs: Vec<NodeRef> = (0..6).map(|_| NodeRef::default()).collect();
    let strips = use_mut_ref(|| strip_refs);
    let painted = use_mut_ref(|| 0u64);
    *painted.borrow_mut() += 1;
    let track = model.get();

    // Read in place, only for the panel in front (a hidden panel draws nothing): a
    // bitmap may be megabytes, so it is never copied, here or for the painting.
    let eng = engine();
    let eng_ref = eng.borrow();
    let bytes: Option<&[u8]> = track
        .key
        .as_ref()
        .filter(|_| props.visible)
        .and_then(|k| eng_ref.peek_string(db, k));
    let total = bytes.map_or(0, |b| b.len() as u64 * 8);
    let (w0, w1) = track.zoom.unwrap_or((0, total));
    let lay = Layout::new(w0, (w1 - w0).max(1));

    {
        let grid = grid.clone();
        let key = track.key.clone().filter(|_| props.visible);
        let mark = track.mark.clone();
        let strips = strips.clone();
        let paint_no = *painted.borrow();
        use_effect_with(paint_no, move |_| {
            let eng = engine();
            let eng = eng.borrow();
            if let Some(b) = key.as_ref().and_then(|k| eng.peek_string(db, k)) {
                paint(&grid, b, lay, mark.as_ref());
                let sources: Vec<&[u8]> = match &mark {
                    Some(BitMark::Op(srcs)) => srcs
                        .iter()
                        .take(5)
                        .map(|k| eng.peek_string(db, k).unwrap_or_default())
                        .collect(),
                    _ => Vec::new(),
                };
                let strips = strips.borrow();
                let longest = sources
                    .iter()
                    .map(|s| s.len())
                    .chain(std::iter::once(b.len()))
                    .max()
                    .unwrap_or(0) as u64
                    * 8;
                for (i, s) in sources.iter().enumerate() {
                    paint_strip(&strips[i], s, longest);
                }
                if !sources.is_empty() {
                    paint_strip(&strips[5], b, longest);
                }
            }
        });
    }

    let demo = {
        let session = props.session.clone();
        Callback::from(move |_| daily_active_users(&session))
    };
    if !props.visible {
        return html! {};
    }
    let Some(bytes) = bytes else {
        return html! {
            <div class="bits">
                <p>{ tr(lang, "No bitmap yet. Try ", "아직 비트맵이 없습니다. ") }<code>{ "SETBIT visits 7 1" }</code>{ tr(lang, " then ", " 다음에 ") }<code>{ "GET visits" }</code>{ tr(lang, ", or:", "을(를) 실행하거나:") }</p>
                <button onclick={demo}>{ tr(lang, "Demo: daily active users", "데모: 일일 활성 사용자") }</button>
            </div>
        };
    };

    let onmove = {
        let hover = hover.clone();
        Callback::from(move |e: MouseEvent| {
            // The canvas may be drawn narrower than its 512 pixels: scale back.
            let el: web_sys::Element = e.target_unchecked_into();
            let scale = WIDTH / (el.client_width().max(1) as f64);
            let (x, y) = (e.offset_x() as f64 * scale, e.offset_y() as f64 * scale);
            let cell = (y / lay.cell_px) as u64 * lay.cols() + (x / lay.cell_px) as u64;
            hover.set((cell < lay.cells).then_some(lay.start + cell * lay.block));
        })
    };
    let onleave = {
        let hover = hover.clone();
        Callback::from(move |_| hover.set(None))
    };
    let onclick = {
        let model = model.clone();
        let hover = hover.clone();
        Callback::from(move |_| {
            if let Some(b) = *hover {
                if lay.block > 1 {
                    // Zoom so that the clicked block fills the grid, bit by bit if it fits.
                    let span = (lay.block * 64).max(MAX_CELLS.min(w1 - w0));
                    let start = b.saturating_sub(span / 2) / 8 * 8;
                    model.update(|m| m.zoom = Some((start, (start + span).min(total))));
                }
            }
        })
    };
    let zoom_out = {
        let model = model.clone();
        Callback::from(move |_| model.update(|m| m.zoom = None))
    };
    let hover_text = hover.map(|b| {
        if lay.block == 1 {
            let v = bitmap::get_unsigned(bytes, b, 1);
            let (byte, bit) = (b / 8, b % 8);
            trf!(
                lang,
                "bit {b} (byte {byte}, bit {bit} from its MSB) = {v}",
                "비트 {b} (바이트 {byte}, MSB부터 {bit}번째 비트) = {v}"
            )
        } else {
            let last = (b + lay.block - 1).min(total - 1);
            let set = bitmap::count_bits(bytes, b, last);
            trf!(
                lang,
                "bits {b}..{last}: {set} set — click to zoom in",
                "비트 {b}..{last}: {set}개 켜짐 — 누르면 확대합니다"
            )
        }
    });
    let mark_text = match &track.mark {
        Some(BitMark::Bit(o)) => trf!(lang, "last bit touched: {o}", "마지막으로 건드린 비트: {o}"),
        Some(BitMark::Range(a, b, None)) => {
            let set = bitmap::count_bits(bytes, *a, (*b).min(total - 1));
            trf!(
                lang,
                "BITCOUNT covered bits {a}..{b}: {set} set",
                "BITCOUNT 범위 비트 {a}..{b}: {set}개 켜짐"
            )
        }
        Some(BitMark::Range(a, b, Some(p))) => {
            trf!(
                lang,
                "BITPOS searched bits {a}..{b} and answered {p}",
                "BITPOS가 비트 {a}..{b}를 찾아 {p}를 답했습니다"
            )
        }
        Some(BitMark::Fields(f)) => f
            .iter()
            .map(|(o, w, t)| {
                let end = o + *w as u64 - 1;
                trf!(
                    lang,
                    "{t} at bit {o}: bits {o}..{end}",
                    "비트 {o}의 {t}: 비트 {o}..{end}"
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(BitMark::Op(_)) => tr(
            lang,
            "BITOP: the sources (above) and the result (below)",
            "BITOP: 입력 (위)과 결과 (아래)",
        )
        .into(),
        None => String::new(),
    };
    let strips = strips.borrow();
    let op_view = match &track.mark {
        Some(BitMark::Op(srcs)) => html! {
            <div class="bitop">
                { for srcs.iter().take(5).enumerate().map(|(i, k)| html! {
                    <div class="strip"><span>{ String::from_utf8_lossy(k).into_owned() }</span>
                        <canvas ref={strips[i].clone()} width={WIDTH.to_string()} height="14"></canvas></div>
                }) }
                <div class="strip result"><span>{ format!("= {}", String::from_utf8_lossy(track.key.as_deref().unwrap_or_default())) }</span>
                    <canvas ref={strips[5].clone()} width={WIDTH.to_string()} height="14"></canvas></div>
            </div>
        },
        _ => html! {},
    };
    html! {
        <div class="bits">
            <div class="toolbar">
                <span><b>{ String::from_utf8_lossy(track.key.as_deref().unwrap_or_default()).into_owned() }</b>
                    { { let (n, set) = (bytes.len(), bitmap::popcount(bytes)); trf!(lang, " — {n} bytes, {total} bits, {set} set", " — {n}바이트, {total}비트, {set}개 켜짐") } }</span>
                { if track.zoom.is_some() {
                    html! { <button onclick={zoom_out}>{ tr(lang, "zoom out", "축소") }</button> }
                } else { html! {} } }
            </div>
            <div class="muted small">{
                if lay.block == 1 { let last = w1.saturating_sub(1); trf!(lang, "bits {w0}..{last}, one cell per bit (bit 0 = most significant bit of byte 0)", "비트 {w0}..{last}, 칸 하나에 비트 하나 (비트 0 = 바이트 0의 최상위 비트)") }
                else { let (last, block) = (w1.saturating_sub(1), lay.block); trf!(lang, "bits {w0}..{last}, {block} bits per cell, shaded by how many are set", "비트 {w0}..{last}, 칸 하나에 {block}비트, 켜진 비트 수만큼 진하게") }
            }</div>
            <canvas ref={grid} class="bitgrid" width={WIDTH.to_string()} height={lay.height().to_string()}
                onmousemove={onmove} onmouseleave={onleave} {onclick} aria-label={tr(lang, "bit grid", "비트 격자")}></canvas>
            <div class="hover small">{ hover_text.unwrap_or_else(|| tr(lang, "hover a cell to see its offset", "칸에 마우스를 올리면 오프셋이 보입니다").into()) }</div>
            <div class="mark small">{ mark_text }</div>
            { op_view }
            <div class="demo">
                <button onclick={demo}>{ tr(lang, "Demo: daily active users", "데모: 일일 활성 사용자") }</button>
                <p class="muted small">{ tr(lang, "One bitmap per day, bit N = user N was active. BITCOUNT gives each day's active users; BITOP AND of the days gives the users who came back every day (retention).", "하루에 비트맵 하나, 비트 N = 사용자 N이 활동함. BITCOUNT는 그날의 활성 사용자 수를, 날짜들의 BITOP AND는 매일 돌아온 사용자(리텐션)를 줍니다.") }</p>
            </div>
        </div>
    }
}

/// The "daily active users" demo: three days of 1000 users, about 30% active each day,
/// most of a day's users back the next day; then each day's count and the users active
/// on all three (BITOP AND).
fn daily_active_users(session: &Session) {
    use rand::RngExt;
    let days = ["dau:2024-06-01", "dau:2024-06-02", "dau:2024-06-03"];
    let mut active: Vec<bool> = vec![false; 1000];
    for (d, day) in days.iter().enumerate() {
        with_rng(|r| {
            for a in active.iter_mut() {
                *a = if d == 0 || !*a {
                    r.random_bool(0.3)
                } else {
                    r.random_bool(0.7)
                };
            }
        });
        let mut argv = vec![b"BITFIELD".to_vec(), day.as_bytes().to_vec()];
        let mut users = 0;
        for (uid, _) in active.iter().enumerate().filter(|(_, a)| **a) {
            argv.extend([
                b"SET".to_vec(),
                b"u1".to_vec(),
                uid.to_string().into_bytes(),
                b"1".to_vec(),
            ]);
            users += 1;
        }
        session.run_argv(
            format!("BITFIELD {day} SET u1 <user id> 1 … ({users} users)"),
            argv,
        );
    }
    let mut lines: Vec<String> = days.iter().map(|d| format!("BITCOUNT {d}")).collect();
    lines.push(format!("BITOP AND dau:retained {}", days.join(" ")));
    lines.push("BITCOUNT dau:retained".into());
    session.run_lines(&lines);
}
