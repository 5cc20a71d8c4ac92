//! Help for people typing commands: inline hints, Tab completion and `HELP`, all read
//! from the engine's command table.

use crate::engine::table::{self, CommandSpec};

/// Splits a syntax line into top-level parts, keeping `[...]` groups whole.
fn syntax_parts(syntax: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    for c in syntax.chars() {
        match c {
            '[' => {
                depth += 1;
                cur.push(c);
            }
            ']' => {
                depth -= 1;
                cur.push(c);
            }
            ' ' if depth == 0 => {
                if !cur.is_empty() {
                    parts.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

/// Splits what has been typed so far into words, and whether a new word has started.
fn words(line: &str) -> (Vec<&str>, bool) {
    let w: Vec<&str> = line.split_whitespace().collect();
    (w, line.ends_with(' '))
}

/// The spec a partly typed line refers to, and how many words name it (1 or 2).
fn spec_for(words: &[&str]) -> Option<(&'static CommandSpec, usize)> {
    let top = table::find(words.first()?.as_bytes())?;
    if !top.subcommands.is_empty() {
        if let Some(sub) = words.get(1).and_then(|w| {
            top.subcommands
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(w))
        }) {
            return Some((sub, 2));
        }
    }
    Some((top, 1))
}

/// The grey text shown after the cursor: the arguments still to type, as redis-cli's
/// hints show them. Empty when there is nothing useful to say.
pub fn hint(line: &str) -> String {
    let (w, new_word) = words(line);
    if w.is_empty() {
        return String::new();
    }
    let Some((spec, name_words)) = spec_for(&w) else {
        return String::new();
    };
    if w.len() == name_words && !new_word {
        // Still typing the name: hint only once it is complete and unambiguous.
        let prefix = if line.ends_with(' ') { "" } else { " " };
        if !spec.subcommands.is_empty() {
            let subs: Vec<String> = spec
                .subcommands
                .iter()
                .map(|s| s.name.to_ascii_uppercase())
                .collect();
            return format!("{prefix}{}", subs.join("|"));
        }
        return if spec.syntax.is_empty() {
            String::new()
        } else {
            format!("{prefix}{}", spec.syntax)
        };
    }
    if !spec.subcommands.is_empty() && name_words == 1 {
        return String::new();
    }
    // Drop the required arguments already typed; optional ones stay visible.
    let typed = w.len() - name_words - usize::from(!new_word);
    let parts = syntax_parts(spec.syntax);
    let mut rest: &[String] = &parts;
    for _ in 0..typed {
        match rest.first() {
            Some(p) if !p.starts_with('[') => rest = &rest[1..],
            _ => break,
        }
    }
    if !new_word {
        return String::new();
    }
    rest.join(" ")
}

/// Names that complete the word under the cursor, in alphabetical order: command names
/// for the first word, subcommand names for the second word of a container command.
pub fn completions(line: &str) -> Vec<String> {
    let (w, new_word) = words(line);
    if w.is_empty() || (w.len() == 1 && !new_word) {
        let prefix = w.first().copied().unwrap_or("");
        let mut names: Vec<String> = table::commands()
            .filter(|c| c.name.starts_with(&prefix.to_ascii_lowercase()))
            .map(|c| c.name.to_ascii_uppercase())
            .collect();
        names.sort();
        return names;
    }
    if (w.len() == 2 && !new_word) || (w.len() == 1 && new_word) {
        let Some(top) = table::find(w[0].as_bytes()) else {
            return Vec::new();
        };
        let prefix = if new_word { "" } else { w[1] };
        let mut names: Vec<String> = top
            .subcommands
            .iter()
            .filter(|s| s.name.starts_with(&prefix.to_ascii_lowercase()))
            .map(|s| s.name.to_ascii_uppercase())
            .collect();
        names.sort();
        return names;
    }
    Vec::new()
}

/// The line with the word under the cursor replaced by the `n`-th completion (cycling),
/// or `None` when nothing completes.
pub fn complete(line: &str, n: usize) -> Option<String> {
    let options = completions(line);
    if options.is_empty() {
        return None;
    }
    let pick = &options[n % options.len()];
    let (w, new_word) = words(line);
    let mut kept: Vec<&str> = w.clone();
    if !new_word && !kept.is_empty() {
        kept.pop();
    }
    let mut out = kept.join(" ");
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(pick);
    out.push(' ');
    Some(out)
}

/// The console's own `HELP` (as redis-cli answers `help` locally): `HELP` lists the
/// groups, `HELP @group` its commands, `HELP <command>` the syntax and a summary.
pub fn help_text(args: &[String]) -> String {
    let mut groups: Vec<&str> = table::commands().map(|c| c.group).collect();
    groups.sort();
    groups.dedup();
    if args.is_empty() {
        let mut s = String::from(
            "KV Lab: a Redis 7.0 playground. Type a command and press Enter.\n\
             Tab completes command names; the grey hint shows what to type next.\n\
             \"HELP <command>\" explains a command, \"HELP @<group>\" lists a group.\n\
             Groups: ",
        );
        s.push_str(
            &groups
                .iter()
                .map(|g| format!("@{g}"))
                .collect::<Vec<_>>()
                .join(" "),
        );
        s.push('\n');
        return s;
    }
    let topic = args.join(" ");
    if let Some(group) = topic.strip_prefix('@') {
        let mut out = String::new();
        for c in table::commands().filter(|c| c.group.eq_ignore_ascii_case(group)) {
            out.push_str(&format!("\n  {}\n  summary: {}\n", c.usage(), c.summary));
        }
        if out.is_empty() {
            return format!("No such group: @{group}. Groups: {}\n", groups.join(" "));
        }
        return out;
    }
    let words: Vec<&str> = topic.split_whitespace().collect();
    match spec_for(&words) {
        Some((spec, _)) => {
            let arity = if spec.arity >= 0 {
                format!("exactly {} words, name included", spec.arity)
            } else {
                format!("at least {} words, name included", -spec.arity)
            };
            let mut s = format!(
                "\n  {}\n  summary: {}\n  since: {}\n  group: {}\n  complexity: {}\n  arity: {} ({arity})\n  flags: {}\n",
                spec.usage(),
                spec.summary,
                spec.since,
                spec.group,
                spec.complexity,
                spec.arity,
                spec.flags.shown().collect::<Vec<_>>().join(" ")
            );
            if !spec.subcommands.is_empty() {
                s.push_str("  subcommands:\n");
                for sub in spec.subcommands {
                    s.push_str(&format!("    {}: {}\n", sub.usage(), sub.summary));
                }
            }
            s
        }
        None => format!("No help for '{topic}': no such command.\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_follow_what_is_typed() {
        assert_eq!(hint("SET"), " key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]");
        assert_eq!(hint("set "), "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]");
        assert_eq!(hint("SET k "), "value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]");
        assert_eq!(hint("SET k v "), "[NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]");
        assert_eq!(hint("SET k v"), "");
        assert_eq!(hint("GET k "), "");
        assert_eq!(hint("OBJECT"), " ENCODING|FREQ|HELP|IDLETIME|REFCOUNT");
        assert_eq!(hint("OBJECT ENCODING "), "key");
        assert_eq!(hint("NOSUCH "), "");
        assert_eq!(hint(""), "");
    }

    #[test]
    fn tab_completes_names_and_cycles() {
        assert_eq!(complete("GETR", 0).as_deref(), Some("GETRANGE "));
        assert_eq!(complete("ge", 0).as_deref(), Some("GEOADD "));
        assert_eq!(complete("get", 0).as_deref(), Some("GET "));
        assert_eq!(complete("get", 1).as_deref(), Some("GETBIT "));
        assert_eq!(
            complete("object enc", 0).as_deref(),
            Some("object ENCODING ")
        );
        assert_eq!(complete("config ", 0).as_deref(), Some("config GET "));
        assert_eq!(complete("zzz", 0), None);
    }

    #[test]
    fn help_explains_commands() {
        let h = help_text(&["set".into()]);
        assert!(h.contains("SET key value [NX|XX]"));
        assert!(h.contains("group: string"));
        assert!(help_text(&["@generic".into()]).contains("EXPIRE key seconds"));
        assert!(help_text(&[]).contains("@string"));
        assert!(help_text(&["nosuch".into()]).contains("no such command"));
        assert!(help_text(&["config".into(), "get".into()]).contains("CONFIG GET parameter"));
    }
}
