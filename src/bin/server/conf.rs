//! kvlab-server's configuration as redis-server reads it: `kvlab-server [file] [--name
//! value ...]`, where the file (or `-` for stdin) is read first and the options are
//! appended to it as lines (Redis's main and loadServerConfig), lines tokenized as
//! sdssplitargs does, `include`, multi-word directives (`save 900 1`, `bind a b`,
//! `user ...`), and Redis's "*** FATAL CONFIG FILE ERROR ***" report on a bad line.
//!
//! Also the log: Redis's line format (`pid:M 02 Dec 2026 03:28:54.250 * message`) to
//! stdout or `logfile`, filtered by `loglevel`.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

use kvlab::engine::Config;

/// What the configuration says beyond the engine's parameters.
pub struct Loaded {
    pub config: Config,
    /// `user` lines, each split into its words.
    pub users: Vec<Vec<Vec<u8>>>,
    /// KV Lab's own `seed` directive (the engine's random seed).
    pub seed: Option<u64>,
    /// The absolute path of the configuration file, if one was given.
    pub configfile: Option<String>,
    /// `rename-command` directives.
    pub renames: kvlab::engine::table::Renames,
}

pub const VERBOSE: u8 = 1;
pub const NOTICE: u8 = 2;
pub const WARNING: u8 = 3;

static LEVEL: AtomicU8 = AtomicU8::new(NOTICE);
static LOGFILE: Mutex<String> = Mutex::new(String::new());

/// Follows `loglevel` (at start and after CONFIG SET).
pub fn set_level(name: &str) {
    let l = kvlab::engine::config::LOGLEVELS
        .iter()
        .position(|n| n.eq_ignore_ascii_case(name))
        .unwrap_or(NOTICE as usize);
    LEVEL.store(l as u8, Ordering::Relaxed);
}

/// Redis's serverLog: `pid:role date time.ms mark message`, role `C` before the server
/// starts (config loading) and `M` after, mark `. - * #` by level.
pub fn log_as(role: char, level: u8, msg: &str) {
    if level < LEVEL.load(Ordering::Relaxed) {
        return;
    }
    let mark = [b'.', b'-', b'*', b'#'][level.min(3) as usize] as char;
    let line = format!(
        "{}:{role} {} {mark} {msg}\n",
        std::process::id(),
        timestamp()
    );
    write_log(&line);
}

pub fn log(level: u8, msg: &str) {
    log_as('M', level, msg);
}

/// Text as is (the logo), to the same place as the log lines.
pub fn log_raw(text: &str) {
    write_log(text);
}

fn write_log(text: &str) {
    let file = LOGFILE.lock().map(|f| f.clone()).unwrap_or_default();
    if file.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    } else if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
    {
        let _ = f.write_all(text.as_bytes());
    }
}

/// `02 Dec 2026 03:28:54.250` in local time.
fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as libc::time_t;
    // SAFETY: localtime_r reads `secs` and writes the zeroed `tm` we own; no other
    // memory is touched.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&secs, &mut tm);
        tm
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        tm.tm_mday,
        MONTHS[tm.tm_mon.clamp(0, 11) as usize],
        tm.tm_year + 1900,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        now.subsec_millis()
    )
}

// sdscatrepr: a value quoted as Redis appends command-line values to the config.
use kvlab::engine::config::repr;

/// Redis's main: the options after the file name, as config lines.
fn options_text(args: &[String], first: usize) -> (String, bool) {
    let mut options = String::new();
    let mut from_stdin = false;
    let mut handled_last = true;
    let mut j = first;
    while j < args.len() {
        let a = &args[j];
        if a == "-" && (j == 0 || j == args.len() - 1) {
            from_stdin = true;
        } else if handled_last && a.starts_with("--") {
            if !options.is_empty() {
                options.push('\n');
            }
            options.push_str(&a[2..]);
            options.push(' ');
            let words = kvlab::console::split_args(a.as_bytes()).unwrap_or_default();
            if words.len() == 1 {
                handled_last = false;
                let next_is_option = args.get(j + 1).is_some_and(|n| n.starts_with("--"));
                if a.eq_ignore_ascii_case("--save") && (next_is_option || j == args.len() - 1) {
                    // `--save` with no value: `save ""` (no save points).
                    options.push_str("\"\"");
                    handled_last = true;
                }
            } else {
                handled_last = true;
            }
        } else {
            options.push_str(&repr(a));
            options.push(' ');
            handled_last = true;
        }
        j += 1;
    }
    (options, from_stdin)
}

/// Redis's loadServerConfig error: to stderr, then exit 1.
fn fatal(line: Option<(usize, &str)>, err: &str) -> ! {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(
        e,
        "\n*** FATAL CONFIG FILE ERROR (Redis {}) ***",
        kvlab::engine::VERSION
    );
    if let Some((n, text)) = line {
        let _ = writeln!(e, "Reading the configuration file, at line {n}");
        let _ = writeln!(e, ">>> '{text}'");
    }
    let _ = writeln!(e, "{err}");
    std::process::exit(1)
}

struct Loader {
    loaded: Loaded,
    save_seen: bool,
    depth: usize,
}

impl Loader {
    fn read_file(&mut self, path: &str) -> String {
        match std::fs::read(path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                let why = e.to_string();
                let why = why.split(" (os error").next().unwrap_or_default();
                log_as(
                    'C',
                    WARNING,
                    &format!("Fatal error, can't open config file '{path}': {why}"),
                );
                std::process::exit(1)
            }
        }
    }

    /// loadServerConfigFromString.
    fn load_text(&mut self, text: &str) {
        for (i, raw) in text.split('\n').enumerate() {
            let line = raw.trim_matches([' ', '\t', '\r', '\n']);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = Some((i + 1, line));
            let words = match kvlab::console::split_args(line.as_bytes()) {
                Ok(w) => w,
                Err(_) => fatal(at, "Unbalanced quotes in configuration line"),
            };
            if words.is_empty() {
                continue;
            }
            let words: Vec<String> = words
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            if let Err(e) = self.directive(&words) {
                fatal(at, &e);
            }
        }
    }

    fn directive(&mut self, words: &[String]) -> Result<(), String> {
        let name = words[0].to_ascii_lowercase();
        let args = &words[1..];
        match name.as_str() {
            "include" if args.len() == 1 => {
                if self.depth > 16 {
                    return Err("Too many nested includes".into());
                }
                let text = self.read_file(&args[0]);
                self.depth += 1;
                self.load_text(&text);
                self.depth -= 1;
                return Ok(());
            }
            "user" if !args.is_empty() => {
                let name = args[0].as_bytes();
                if self
                    .loaded
                    .users
                    .iter()
                    .any(|u| u.first().map(|n| &n[..]) == Some(name))
                {
                    return Err(format!(
                        "Error in user declaration '{}': Duplicate user found. A user can only be defined once in config files",
                        args[0]
                    ));
                }
                self.loaded
                    .users
                    .push(args.iter().map(|w| w.as_bytes().to_vec()).collect());
                return Ok(());
            }
            "seed" if args.len() == 1 => {
                self.loaded.seed = Some(
                    args[0]
                        .parse()
                        .map_err(|_| "argument couldn't be parsed into an integer")?,
                );
                return Ok(());
            }
            "rename-command" if args.len() == 2 => {
                return self
                    .loaded
                    .renames
                    .add(args[0].as_bytes(), args[1].as_bytes());
            }
            "loadmodule" | "sentinel" => {
                return Err(format!("'{name}' is not supported by kvlab-server"));
            }
            _ => {}
        }
        let Some(param) = Config::param(&name) else {
            return Err("Bad directive or wrong number of arguments".into());
        };
        let multi = param.flags & kvlab::engine::config::MULTI_ARG != 0;
        if !multi && args.len() != 1 {
            return Err("wrong number of arguments".into());
        }
        // A multi-word parameter with no words: its own check decides (`save` and
        // `bind` take none; an enum list does not).
        let mut value = args.join(" ");
        if param.name == "save" {
            // The first `save` line replaces the default points; later ones add to them.
            if self.save_seen && !value.is_empty() {
                let cur = self.loaded.config.get("save").unwrap_or_default();
                if !cur.is_empty() {
                    value = format!("{cur} {value}");
                }
            }
            self.save_seen = true;
        }
        if param.name == "dir" {
            // Redis changes directory as it reads `dir`: later relative paths follow.
            value = chdir(&value)?;
        }
        self.loaded.config.set_startup(&name, &value)
    }
}

/// Reads the command line (and the file it names) into a configuration, or exits with
/// Redis's messages.
/// `dir`: changes the working directory as Redis does, and gives the absolute path (or
/// the system's error without its "(os error N)" tail, as strerror words it).
pub fn chdir(dir: &str) -> Result<String, String> {
    std::env::set_current_dir(dir).map_err(|e| {
        let why = e.to_string();
        why.split(" (os error")
            .next()
            .unwrap_or_default()
            .to_string()
    })?;
    Ok(std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| dir.to_string()))
}

pub fn load(args: &[String]) -> Loaded {
    let mut loader = Loader {
        loaded: Loaded {
            config: Config::default(),
            users: Vec::new(),
            seed: None,
            configfile: None,
            renames: Default::default(),
        },
        save_seen: false,
        depth: 0,
    };
    let mut first = 0;
    if let Some(a) = args.first() {
        if !a.starts_with('-') {
            let abs = std::fs::canonicalize(a)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| a.clone());
            loader.loaded.configfile = Some(abs);
            first = 1;
        }
    }
    let (options, from_stdin) = options_text(args, first);
    let mut text = String::new();
    if let Some(file) = loader.loaded.configfile.clone() {
        text = loader.read_file(&file);
    }
    if from_stdin {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s);
        text.push_str(&s);
    }
    text.push('\n');
    text.push_str(&options);
    loader.load_text(&text);
    if loader.loaded.config.get("dir").is_none_or(|d| d.is_empty()) {
        if let Ok(p) = std::env::current_dir() {
            let _ = loader
                .loaded
                .config
                .set_startup("dir", &p.to_string_lossy());
        }
    }
    if let Ok(mut f) = LOGFILE.lock() {
        *f = loader.loaded.config.get("logfile").unwrap_or_default();
    }
    set_level(&loader.loaded.config.get("loglevel").unwrap_or_default());
    loader.loaded
}

/// The banner of `always-show-logo yes` (the harness of Redis's test suite waits for its
/// ` PID: <pid>` line).
pub fn logo(port: &str, pid: u32) -> String {
    format!(
        "\n\
         \x20  _  ____   __  _          _\n\
         \x20 | |/ /\\ \\ / / | |    __ _| |__      KV Lab ({} compatible) 64 bit\n\
         \x20 | ' /  \\ V /  | |   / _` | '_ \\\n\
         \x20 | . \\   \\_/   | |__| (_| | |_) |    Running in standalone mode\n\
         \x20 |_|\\_\\         |_____\\__,_|_.__/     Port: {port}\n\
         \x20                                     PID: {pid}\n\n",
        format_args!("Redis {}", kvlab::engine::VERSION)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_lines_as_redis_appends_them() {
        let a: Vec<String> = ["--port", "7000", "--save", "900", "1", "--save"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (t, stdin) = options_text(&a, 0);
        assert!(!stdin);
        assert_eq!(t, "port \"7000\" \nsave \"900\" \"1\" \nsave \"\"");
        let a: Vec<String> = ["--save", "--port", "1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(options_text(&a, 0).0, "save \"\"\nport \"1\" ");
    }

    #[test]
    fn proc_repr_escapes() {
        assert_eq!(repr("a\"b\n\x01"), "\"a\\\"b\\n\\x01\"");
    }
}
