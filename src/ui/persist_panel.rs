//! The persistence panel: what INFO persistence says (read from the engine's own
//! counters, the ones INFO prints), the `save` points with how close each is to firing,
//! the append-only file as the engine keeps it in the browser (the last commands in the
//! RESP form they were appended in, which of them are fsynced under the `appendfsync`
//! in force), and side by side what a crash would leave of each.
//!
//! Nothing here is made up for show: the RDB is the image the last SAVE, BGSAVE or save
//! point kept, the AOF is [`crate::engine::memaof`]'s base and incremental part, and the
//! two crash buttons restart the engine from them (`DEBUG CRASH-AND-RECOVER`, run in the
//! console, is a process crash; the power-loss button also drops what was not fsynced).

use gloo::timers::callback::Interval;
use yew::prelude::*;

use super::engine;
use super::exec::{self, use_model, Feed};
use super::i18n::{tr, trf, use_lang, Lang};
use super::session::PanelProps;
use crate::engine::memaof::{Crash, CrashReport, Fsync, KERNEL_WRITEBACK_MS};
use crate::engine::util::bytes_human;

/// Appended commands shown.
const SHOWN: usize = 12;

/// The panel's own state: the last crash's report.
#[derive(Default)]
struct Model {
    report: Option<CrashReport>,
    power: bool,
    error: Option<String>,
}

/// Commands that bring the panel forward.
pub const PERSIST_COMMANDS: &[&str] = &["save", "bgsave", "lastsave", "bgrewriteaof", "shutdown"];

/// A config parameter shown or changed here (`save`, `appendonly`, `appendfsync` …).
pub fn is_persist_config(name: &str) -> bool {
    name == "save"
        || name.starts_with("append")
        || name.starts_with("aof")
        || name.starts_with("auto-aof")
        || name.starts_with("rdb")
        || name == "dbfilename"
}

/// Bytes as a file shows them: printable ASCII as is, the rest as `\xNN`, one RESP
/// line per line with its `\r\n` written out.
fn resp_text(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(rest.len(), |p| p + 2);
        for &b in &rest[..end] {
            match b {
                b'\r' => out.push_str("\\r"),
                b'\n' => out.push_str("\\n"),
                0x20..=0x7e => out.push(b as char),
                _ => out.push_str(&format!("\\x{b:02x}")),
            }
        }
        out.push('\n');
        rest = &rest[end..];
    }
    out
}

fn ago(lang: Lang, ms: i64) -> String {
    let s = ms.max(0) / 1000;
    trf!(lang, "{s} s ago", "{s}초 전")
}

/// One save point's progress.
struct Point {
    secs: i64,
    changes: u64,
}

fn save_points(v: &str) -> Vec<Point> {
    let nums: Vec<i64> = v
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    nums.chunks_exact(2)
        .map(|p| Point {
            secs: p[0],
            changes: p[1].max(0) as u64,
        })
        .collect()
}

fn bar(frac: f64, class: &'static str) -> Html {
    let pct = (frac.clamp(0.0, 1.0) * 100.0).round();
    html! {
        <span class={classes!("pp-bar", class)} style="display:inline-block;width:6em;height:0.6em;background:var(--muted-bg,#ddd);vertical-align:middle">
            <span style={format!("display:block;height:100%;width:{pct}%;background:var(--accent,#c33)")}></span>
        </span>
    }
}

#[function_component(PersistPanel)]
pub fn persist_panel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let model = use_model(
        Model::default,
        |_, f| matches!(f, Feed::Ran(_) | Feed::Replaced | Feed::Background(_)),
        props.visible,
    );
    // Countdowns and the everysec fsync move with time: redraw once a second while shown.
    {
        let model = model.clone();
        use_effect_with(props.visible, move |&visible| {
            let iv = visible.then(|| Interval::new(1000, move || model.redraw()));
            move || drop(iv)
        });
    }
    if !props.visible {
        return html! {};
    }
    let eng = engine();
    let eng = eng.borrow();
    let core = &eng.core;
    let now = eng.now_ms();
    let p = &core.persist;
    let a = &core.aof;
    let m = &core.mem_aof;
    let cfg = |n: &str| core.config.get(n).unwrap_or_default();
    let dirty = core.stats.dirty;
    let since_ms = now - p.lastsave * 1000;
    let aof_on = cfg("appendonly") == "yes";
    let policy = Fsync::parse(&cfg("appendfsync"));
    let policy_name = cfg("appendfsync");
    let keys: usize = core.dbs.iter().map(|d| d.keys.len()).sum();

    // INFO persistence, the fields that matter here, as INFO reports them.
    let info_rows: Vec<(&str, String)> = vec![
        ("rdb_changes_since_last_save", dirty.to_string()),
        (
            "rdb_last_save_time",
            format!("{} ({})", p.lastsave, ago(lang, since_ms)),
        ),
        (
            "rdb_bgsave_in_progress",
            u8::from(p.bgsave_in_progress).to_string(),
        ),
        (
            "rdb_last_bgsave_status",
            if p.last_bgsave_ok { "ok" } else { "err" }.into(),
        ),
        ("rdb_saves", p.saves.to_string()),
        ("aof_enabled", u8::from(aof_on).to_string()),
        (
            "aof_rewrite_in_progress",
            u8::from(a.rewrite_in_progress).to_string(),
        ),
        ("aof_rewrites", a.rewrites.to_string()),
        (
            "aof_last_write_status",
            if a.last_write_ok { "ok" } else { "err" }.into(),
        ),
    ];
    let mut info_rows = info_rows;
    if aof_on {
        info_rows.push(("aof_current_size", a.current_size.to_string()));
        info_rows.push(("aof_base_size", a.base_size.to_string()));
    }
    let info = info_rows.into_iter().map(|(k, v)| {
        html! { <tr class="pp-field" data-field={k}><td><code>{ k }</code></td><td class="num">{ v }</td></tr> }
    });

    // The save points.
    let points = save_points(&cfg("save"));
    let point_rows = points.iter().map(|pt| {
        let (secs, changes) = (pt.secs, pt.changes);
        let elapsed = since_ms / 1000;
        let enough_changes = dirty >= changes;
        let enough_time = elapsed > secs;
        let state = if enough_changes && enough_time {
            tr(lang, "due: a BGSAVE starts now", "도달: 지금 BGSAVE 시작").to_string()
        } else if enough_changes {
            let left = secs + 1 - elapsed;
            trf!(lang, "fires in {left} s", "{left}초 뒤 동작")
        } else {
            let more = changes - dirty;
            trf!(
                lang,
                "waits for {more} more changes",
                "변경 {more}개 더 필요"
            )
        };
        let cf = if changes == 0 {
            1.0
        } else {
            dirty as f64 / changes as f64
        };
        let tf = if secs <= 0 {
            1.0
        } else {
            elapsed as f64 / secs as f64
        };
        html! {
            <tr class="pp-savepoint" data-point={format!("{secs} {changes}")}>
                <td><code>{ format!("save {secs} {changes}") }</code></td>
                <td>{ bar(cf, "changes") }{ format!(" {dirty} / {changes}") }</td>
                <td>{ bar(tf, "time") }{ format!(" {} / {secs} s", elapsed.max(0)) }</td>
                <td class="pp-state">{ state }</td>
            </tr>
        }
    });
    let no_points = points.is_empty();

    // The AOF.
    let session = props.session.clone();
    let on_policy = Callback::from(move |e: Event| {
        let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
        session.run_free(&[format!("CONFIG SET appendfsync {}", el.value())]);
    });
    let policies = ["always", "everysec", "no"].map(|v| {
        html! { <option value={v} selected={policy_name == v}>{ v }</option> }
    });
    let sync_note = match policy {
        Fsync::Always => tr(
            lang,
            "always: each command is fsynced before its reply goes out.",
            "always: 명령마다 응답이 나가기 전에 fsync합니다.",
        )
        .to_string(),
        Fsync::Everysec => {
            let ms = (now - m.last_sync_ms).max(0);
            trf!(
                lang,
                "everysec: a background fsync once a second (last one {ms} ms ago).",
                "everysec: 1초에 한 번 백그라운드 fsync (마지막은 {ms} ms 전)."
            )
        }
        Fsync::No => {
            let s = KERNEL_WRITEBACK_MS / 1000;
            trf!(
                lang,
                "no: Redis never fsyncs; the kernel writes dirty pages back after about {s} s.",
                "no: Redis는 fsync하지 않습니다. 커널이 약 {s}초 뒤에 더러운 페이지를 씁니다."
            )
        }
    };
    let unsynced = m.unsynced_commands();
    let aof_body = if aof_on && m.on {
        let cmds = m.recent.iter().rev().take(SHOWN).map(|c| {
            let synced = c.end <= m.synced;
            let age = ago(lang, now - c.at_ms);
            html! {
                <li class={classes!("pp-aof-cmd", if synced { "synced" } else { "unsynced" })}>
                    <span class="pp-sync">{ if synced { tr(lang, "fsynced", "fsync됨") } else { tr(lang, "not fsynced", "fsync 안 됨") } }{ format!(" · {age}") }</span>
                    <pre class="resp">{ resp_text(&c.resp) }</pre>
                </li>
            }
        });
        let (n, base, incr) = (
            m.appended,
            bytes_human(m.base.len() as u64),
            bytes_human(m.incr.len() as u64),
        );
        // serverCron's automatic rewrite (Core::aof_rewrite_due): the size it waits for.
        let num = |n: &str| cfg(n).parse::<u64>().unwrap_or(0);
        let (perc, min) = (
            num("auto-aof-rewrite-percentage"),
            num("auto-aof-rewrite-min-size"),
        );
        let auto = if perc == 0 {
            tr(lang, "No automatic rewrite (auto-aof-rewrite-percentage 0): only BGREWRITEAOF compacts it.", "자동 재작성 없음(auto-aof-rewrite-percentage 0): BGREWRITEAOF만 압축합니다.").to_string()
        } else {
            let from = a.rewrite_base_size.max(1);
            let grown = from.saturating_mul(100 + perc).div_ceil(100);
            let (at, now_size, from, min) = (
                bytes_human(grown.max(min + 1)),
                bytes_human(a.current_size),
                bytes_human(from),
                bytes_human(min),
            );
            trf!(lang,
                "It rewrites itself at {at} (now {now_size}): grown auto-aof-rewrite-percentage {perc}% past {from}, its size after the last rewrite, and over auto-aof-rewrite-min-size ({min}).",
                "{at}에 이르면 스스로 재작성합니다 (지금 {now_size}): 지난 재작성 뒤의 크기 {from}보다 auto-aof-rewrite-percentage {perc}% 커지고, auto-aof-rewrite-min-size({min})를 넘을 때.")
        };
        html! {
            <>
                <p class="pp-aof-summary">{ trf!(lang,
                    "Base: an RDB image of {base}; then {n} commands appended ({incr}), {unsynced} of them not fsynced yet.",
                    "베이스: {base}의 RDB 이미지. 그 뒤 명령 {n}개 추가({incr}), 그중 {unsynced}개는 아직 fsync 안 됨.") }</p>
                <p class="muted small">{ tr(lang, "What Redis appends is what it propagates, not what was typed: EX becomes PXAT with an absolute time, INCRBYFLOAT a SET of the result, SPOP an SREM. The newest first:", "Redis가 추가하는 것은 입력한 명령이 아니라 전파하는 명령입니다: EX는 절대 시각의 PXAT, INCRBYFLOAT는 결과의 SET, SPOP은 SREM이 됩니다. 최신 것부터:") }</p>
                <ol class="pp-aof">{ for cmds }</ol>
                <p class="pp-aof-auto small">{ auto }</p>
                <button class="pp-rewrite" onclick={props.session.runs(&["BGREWRITEAOF"])}>{ tr(lang, "Compact it (BGREWRITEAOF)", "압축하기 (BGREWRITEAOF)") }</button>
            </>
        }
    } else {
        html! {
            <>
                <p class="pp-aof-off">{ tr(lang, "The AOF is off (appendonly no): only snapshots protect the data.", "AOF가 꺼져 있습니다(appendonly no): 스냅샷만 데이터를 지킵니다.") }</p>
                <button class="pp-aof-on" onclick={props.session.runs(&["CONFIG SET appendonly yes"])}>{ tr(lang, "Turn it on (CONFIG SET appendonly yes)", "켜기 (CONFIG SET appendonly yes)") }</button>
            </>
        }
    };

    // What survives.
    let has_image = p.last_image.is_some();
    let rdb_process = if has_image {
        trf!(
            lang,
            "dump.rdb as the last save left it: the {dirty} changes since are lost.",
            "마지막 저장 때의 dump.rdb: 그 뒤의 변경 {dirty}개를 잃습니다."
        )
    } else {
        tr(
            lang,
            "No snapshot was made yet: the server starts empty.",
            "아직 스냅샷이 없습니다: 서버가 빈 상태로 시작합니다.",
        )
        .to_string()
    };
    let aof_process = if aof_on {
        tr(lang, "Everything: each command was written to the file (the kernel's page cache) before its reply went out.", "전부: 명령마다 응답이 나가기 전에 파일(커널의 페이지 캐시)에 썼습니다.").to_string()
    } else {
        tr(lang, "The AOF is off.", "AOF가 꺼져 있습니다.").to_string()
    };
    let aof_power = if aof_on {
        trf!(lang, "The base and what was fsynced: the {unsynced} commands not fsynced yet are lost ({policy_name}).", "베이스와 fsync된 것: 아직 fsync 안 된 명령 {unsynced}개를 잃습니다 ({policy_name}).")
    } else {
        tr(lang, "The AOF is off.", "AOF가 꺼져 있습니다.").to_string()
    };
    let source = if aof_on {
        tr(
            lang,
            "With appendonly yes a restart loads the AOF (not dump.rdb).",
            "appendonly yes이면 재시작 때 (dump.rdb가 아니라) AOF를 읽습니다.",
        )
    } else {
        tr(
            lang,
            "With appendonly no a restart loads dump.rdb.",
            "appendonly no이면 재시작 때 dump.rdb를 읽습니다.",
        )
    };
    let confirm = move |text: &str| {
        web_sys::window()
            .and_then(|w| w.confirm_with_message(text).ok())
            .unwrap_or(false)
    };
    let crash_process = {
        let session = props.session.clone();
        let model = model.clone();
        Callback::from(move |_: MouseEvent| {
            if confirm(tr(lang, "Crash the server and restart it from its files (DEBUG CRASH-AND-RECOVER)? What they do not hold is lost.", "서버를 죽이고 파일로 다시 시작할까요(DEBUG CRASH-AND-RECOVER)? 파일에 없는 것은 사라집니다.")) {
                let before: usize = engine().borrow().core.dbs.iter().map(|d| d.keys.len()).sum();
                let (dirty, from_aof, had) = {
                    let e = engine();
                    let e = e.borrow();
                    (e.core.stats.dirty, e.core.mem_aof.on, e.core.persist.last_image.is_some() || e.core.mem_aof.on)
                };
                session.run_free(&["DEBUG CRASH-AND-RECOVER"]);
                let after: usize = engine().borrow().core.dbs.iter().map(|d| d.keys.len()).sum();
                model.update(|m| {
                    m.power = false;
                    m.error = None;
                    m.report = Some(CrashReport {
                        from_aof,
                        had_file: had,
                        keys_before: before,
                        keys_after: after,
                        changes_lost: if from_aof { 0 } else { dirty },
                        commands_lost: 0,
                    });
                });
            }
        })
    };
    let crash_power = {
        let model = model.clone();
        Callback::from(move |_: MouseEvent| {
            if confirm(tr(lang, "Cut the power: the server restarts from what reached the disk (fsynced). Everything else is lost. Go on?", "전원을 끊습니다: 서버가 디스크에 닿은(fsync된) 것으로 다시 시작합니다. 나머지는 사라집니다. 계속할까요?")) {
                let r = engine().borrow_mut().crash_restart(Crash::Power);
                exec::publish(&Feed::Replaced);
                model.update(|m| {
                    m.power = true;
                    match r {
                        Ok(r) => {
                            m.report = Some(r);
                            m.error = None;
                        }
                        Err(e) => m.error = Some(e),
                    }
                });
            }
        })
    };
    let md = model.get();
    let report = md.report.as_ref().map(|r| {
        let (before, after) = (r.keys_before, r.keys_after);
        let what = if md.power { tr(lang, "Power loss", "정전") } else { tr(lang, "Process crash", "프로세스 장애") };
        let from = match (r.from_aof, r.had_file) {
            (true, _) => tr(lang, "the AOF", "AOF"),
            (false, true) => tr(lang, "dump.rdb", "dump.rdb"),
            (false, false) => tr(lang, "nothing (no snapshot yet)", "없음 (아직 스냅샷 없음)"),
        };
        let lost = if r.from_aof {
            let n = r.commands_lost;
            trf!(lang, "{n} commands not fsynced were lost.", "fsync 안 된 명령 {n}개를 잃었습니다.")
        } else {
            let n = r.changes_lost;
            trf!(lang, "{n} changes since the last save were lost.", "마지막 저장 뒤의 변경 {n}개를 잃었습니다.")
        };
        html! {
            <p class="pp-report" role="status">{ trf!(lang,
                "{what}: restarted from {from}. Keys: {before} before, {after} after. {lost}",
                "{what}: {from}에서 다시 시작했습니다. 키: 전 {before}개, 후 {after}개. {lost}") }</p>
        }
    });
    let err = md
        .error
        .clone()
        .map(|e| html! { <p class="error" role="alert">{ e }</p> });

    html! {
        <div class="persistp">
            <p class="explain">{ tr(lang,
                "Redis keeps the data in memory and writes it to disk two ways: RDB snapshots (SAVE, BGSAVE, the save points) and the append-only file, a log of every write. Here the files are kept in the page's memory, and the crash buttons really restart the engine from them.",
                "Redis는 데이터를 메모리에 두고 두 가지 방법으로 디스크에 씁니다: RDB 스냅샷(SAVE, BGSAVE, save 지점)과 모든 쓰기의 로그인 append-only 파일. 여기서는 파일을 페이지 메모리에 두며, 장애 버튼은 정말로 그 파일에서 엔진을 다시 시작합니다.") }</p>
            <h3>{ "INFO persistence" }</h3>
            <table class="pp-info" aria-label="INFO persistence"><tbody>{ for info }</tbody></table>
            <p class="muted small">{ trf!(lang, "{keys} keys in memory.", "메모리에 키 {keys}개.") }</p>
            <h3>{ tr(lang, "Save points", "save 지점") }</h3>
            if no_points {
                <p class="pp-nopoints">{ tr(lang, "No save points (save \"\"): snapshots only when asked for.", "save 지점 없음(save \"\"): 요청할 때만 스냅샷을 만듭니다.") }</p>
            } else {
                <table class="pp-points" aria-label={tr(lang, "Save points", "save 지점")}>
                    <thead><tr><th>{ tr(lang, "point", "지점") }</th><th>{ tr(lang, "changes", "변경") }</th><th>{ tr(lang, "seconds since the last save", "마지막 저장 뒤 초") }</th><th></th></tr></thead>
                    <tbody>{ for point_rows }</tbody>
                </table>
            }
            <div class="toolbar">
                <button class="pp-bgsave" onclick={props.session.runs(&["BGSAVE"])}>{ "BGSAVE" }</button>
                <button class="pp-info-run" onclick={props.session.runs(&["INFO persistence"])}>{ "INFO persistence" }</button>
            </div>
            <h3>{ tr(lang, "Append-only file", "append-only 파일") }</h3>
            <label class="pp-policy">{ "appendfsync " }
                <select onchange={on_policy} aria-label="appendfsync">{ for policies }</select>
            </label>
            <p class="muted small pp-sync-note">{ sync_note }</p>
            { aof_body }
            <h3>{ tr(lang, "What survives a crash", "장애 뒤에 남는 것") }</h3>
            <table class="pp-survive" aria-label={tr(lang, "What survives a crash", "장애 뒤에 남는 것")}>
                <thead><tr><th></th><th>{ "RDB (dump.rdb)" }</th><th>{ "AOF" }</th></tr></thead>
                <tbody>
                    <tr class="pp-process"><th>{ tr(lang, "process crash (kill -9)", "프로세스 장애 (kill -9)") }</th><td>{ rdb_process.clone() }</td><td>{ aof_process }</td></tr>
                    <tr class="pp-power"><th>{ tr(lang, "power loss", "정전") }</th><td>{ rdb_process }</td><td>{ aof_power }</td></tr>
                </tbody>
            </table>
            <p class="muted small">{ source }{ " " }{ tr(lang, "The configuration stays, as if CONFIG REWRITE had saved it; a redis-server started without a config file would come back with its defaults.", "설정은 CONFIG REWRITE로 저장한 것처럼 유지됩니다. 설정 파일 없이 띄운 redis-server라면 기본값으로 돌아옵니다.") }</p>
            <div class="toolbar">
                <button class="pp-crash-process" onclick={crash_process}>{ tr(lang, "Crash the process (DEBUG CRASH-AND-RECOVER)", "프로세스 죽이기 (DEBUG CRASH-AND-RECOVER)") }</button>
                <button class="pp-crash-power" onclick={crash_power}>{ tr(lang, "Cut the power", "전원 끊기") }</button>
            </div>
            { for report }
            { for err }
        </div>
    }
}
