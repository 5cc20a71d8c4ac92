//! AUTH and the ACL command family (acl.c's aclCommand and authCommand); the model and
//! the checks themselves are in `engine/acl.rs`.

use super::server::{client_line, help_reply};
use super::{eq, int_arg};
use crate::engine::acl::{
    self, registry, Context, Denied, LogEntry, Reason, User, CATEGORIES, SEL_ALLCHANNELS,
};
use crate::engine::table::{self, CommandSpec};
use crate::engine::{Core, Ctx, Reply};

/// `acl-pubsub-default` as a selector flag.
pub fn pubsub_default(core: &Core) -> u8 {
    if core.config.get("acl-pubsub-default").as_deref() == Some("allchannels") {
        SEL_ALLCHANNELS
    } else {
        0
    }
}

fn log_max(core: &Core) -> usize {
    core.config
        .get("acllog-max-len")
        .and_then(|v| v.parse().ok())
        .unwrap_or(128)
}

/// The user a client acts as (the default user if its own is gone).
pub fn user_of<'a>(core: &'a Core, name: &[u8]) -> &'a User {
    core.acl
        .users
        .get(name)
        .unwrap_or_else(|| core.acl.default_user())
}

/// Checks the running client's right to run a command (ACLCheckAllPerm).
pub fn check(ctx: &Ctx, spec: &CommandSpec, argv: &[Vec<u8>]) -> Result<(), Denied> {
    user_of(ctx.core, &ctx.client_ref().user).check(spec, argv)
}

/// Adds a refusal to the ACL log (addACLLogEntry). `object` overrides what the reason
/// names (the command, the key or channel at fault).
pub fn log(
    ctx: &mut Ctx,
    reason: Reason,
    context: Context,
    object: Vec<u8>,
    username: Option<&[u8]>,
) {
    let now = ctx.core.now;
    let c = ctx.client_ref();
    let entry = LogEntry {
        count: 1,
        reason,
        context,
        object,
        username: username.map_or_else(|| c.user.clone(), <[u8]>::to_vec),
        ctime: now,
        client_info: client_line(
            c,
            &ctx.core.pubsub,
            &ctx.core.tracking,
            now,
            ctx.core.admin.postponed.contains(&ctx.id),
        ),
    };
    let max = log_max(ctx.core);
    ctx.core.acl.add_log(entry, max);
}

/// Logs a refused command.
pub fn log_denied(
    ctx: &mut Ctx,
    denied: Denied,
    context: Context,
    spec: &CommandSpec,
    argv: &[Vec<u8>],
) {
    let object = match denied {
        Denied::Command => spec.full_name().into_bytes(),
        Denied::Key(i) | Denied::Channel(i) => argv.get(i).cloned().unwrap_or_default(),
    };
    log(ctx, denied.reason(), context, object, None);
}

/// ACLAuthenticateUser: on success the client acts as the user; on failure an `auth`
/// entry is logged (its object the command's name as sent).
pub fn authenticate(ctx: &mut Ctx, user: &[u8], pass: &[u8], cmd: &[u8]) -> bool {
    let ok = ctx
        .core
        .acl
        .users
        .get(user)
        .is_some_and(|u| u.password_ok(pass));
    if ok {
        let c = ctx.client();
        c.user = user.to_vec();
        c.authenticated = true;
    } else {
        let context = if ctx.client_ref().multi.is_some() {
            Context::Multi
        } else {
            Context::Toplevel
        };
        log(ctx, Reason::Auth, context, cmd.to_vec(), Some(user));
    }
    ok
}

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

pub fn auth(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() > 3 {
        return super::syntax();
    }
    let (user, pass): (&[u8], &[u8]) = if argv.len() == 2 {
        if ctx.core.acl.default_user().flags & acl::USER_NOPASS != 0 {
            return Reply::err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
        }
        (b"default", &argv[1])
    } else {
        (&argv[1], &argv[2])
    };
    if authenticate(ctx, user, pass, &argv[0]) {
        Reply::ok()
    } else {
        Reply::err(WRONGPASS)
    }
}

/// A client whose user went away (ACL DELUSER, ACL LOAD) or lost a channel it listens
/// on: closed after this reply when it is the one running, else as soon as the host can.
fn kill_client(ctx: &mut Ctx, id: u64) {
    if let Some(c) = ctx.clients.get_mut(&id) {
        c.close_after_reply = true;
    }
    if id != ctx.id {
        ctx.core.pubsub.schedule_close(id);
    }
}

/// ACLFreeUserAndKillClients for every client of a user that is gone.
fn kill_users_clients(ctx: &mut Ctx, name: &[u8]) {
    let ids: Vec<u64> = ctx
        .clients
        .values()
        .filter(|c| c.user == name)
        .map(|c| c.id)
        .collect();
    for id in ids {
        if let Some(c) = ctx.clients.get_mut(&id) {
            c.user = b"default".to_vec();
            c.authenticated = false;
        }
        kill_client(ctx, id);
    }
}

/// ACLKillPubsubClientsIfNeeded: subscribers of a changed user that now listen where
/// the user may not.
fn kill_pubsub_clients(ctx: &mut Ctx, name: &[u8]) {
    let Some(user) = ctx.core.acl.users.get(name) else {
        return;
    };
    if user
        .selectors
        .iter()
        .any(|s| s.flags & SEL_ALLCHANNELS != 0)
    {
        return;
    }
    let upcoming: Vec<Vec<u8>> = user
        .selectors
        .iter()
        .flat_map(|s| s.channels.iter().cloned())
        .collect();
    let allowed = |ch: &[u8], pattern: bool| {
        upcoming.iter().any(|p| {
            if pattern {
                p == ch
            } else {
                crate::engine::util::glob_match(p, ch, false)
            }
        })
    };
    let mut doomed = Vec::new();
    for c in ctx.clients.values().filter(|c| c.user == name) {
        let Some(subs) = ctx.core.pubsub.of(c.id) else {
            continue;
        };
        let kill = subs.patterns.iter().any(|p| !allowed(p, true))
            || subs.channels.iter().any(|ch| !allowed(ch, false))
            || subs.shard.iter().any(|ch| !allowed(ch, false));
        if kill {
            doomed.push(c.id);
        }
    }
    for id in doomed {
        kill_client(ctx, id);
    }
}

fn has_spaces(s: &[u8]) -> bool {
    s.iter()
        .any(|&c| c == 0 || c.is_ascii_whitespace() || c == 0x0b)
}

pub fn setuser(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let name = &argv[2];
    if has_spaces(name) {
        return Reply::err("ERR Usernames can't contain spaces or null characters");
    }
    let existed = ctx.core.acl.users.contains_key(&name[..]);
    let pd = pubsub_default(ctx.core);
    match ctx.core.acl.set_user(name, &argv[3..], pd) {
        Ok(()) => {
            if existed {
                kill_pubsub_clients(ctx, name);
            }
            Reply::ok()
        }
        Err(e) => Reply::Error(format!("ERR {}", e.replace(['\r', '\n'], " "))),
    }
}

pub fn deluser(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv[2..].iter().any(|n| n == b"default") {
        return Reply::err("ERR The 'default' user cannot be removed");
    }
    let mut deleted = 0;
    for name in &argv[2..] {
        if ctx.core.acl.users.remove(&name[..]).is_some() {
            kill_users_clients(ctx, name);
            deleted += 1;
        }
    }
    Reply::Int(deleted)
}

fn bulk(s: &str) -> Reply {
    Reply::Bulk(s.as_bytes().to_vec())
}

fn selector_fields(s: &acl::Selector) -> Vec<(Reply, Reply)> {
    vec![
        (bulk("commands"), bulk(&s.describe_commands())),
        (bulk("keys"), bulk(&s.describe_keys())),
        (bulk("channels"), bulk(&s.describe_channels())),
    ]
}

pub fn getuser(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let Some(u) = ctx.core.acl.users.get(&argv[2][..]) else {
        return Reply::Nil;
    };
    let mut fields = vec![
        (
            bulk("flags"),
            Reply::Set(u.flag_names().into_iter().map(bulk).collect()),
        ),
        (
            bulk("passwords"),
            Reply::Array(u.passwords.iter().map(|p| bulk(p)).collect()),
        ),
    ];
    fields.extend(selector_fields(u.root()));
    fields.push((
        bulk("selectors"),
        Reply::Array(
            u.selectors[1..]
                .iter()
                .map(|s| Reply::Map(selector_fields(s)))
                .collect(),
        ),
    ));
    Reply::Map(fields)
}

pub fn list(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    Reply::Array(
        ctx.core
            .acl
            .users
            .values()
            .map(|u| {
                let mut line = b"user ".to_vec();
                line.extend_from_slice(&u.name);
                line.push(b' ');
                line.extend_from_slice(u.describe().as_bytes());
                Reply::Bulk(line)
            })
            .collect(),
    )
}

pub fn users(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    Reply::Array(
        ctx.core
            .acl
            .users
            .keys()
            .map(|n| Reply::Bulk(n.clone()))
            .collect(),
    )
}

pub fn whoami(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    Reply::Bulk(ctx.client_ref().user.clone())
}

pub fn cat(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match argv.len() {
        2 => Reply::Array(CATEGORIES.iter().map(|c| bulk(c)).collect()),
        3 => {
            let name = String::from_utf8_lossy(&argv[2]);
            let Some(j) = CATEGORIES
                .iter()
                .position(|c| c.eq_ignore_ascii_case(&name))
            else {
                let shown: String = name.chars().take(128).collect();
                return Reply::Error(format!("ERR Unknown category '{shown}'"));
            };
            let reg = registry();
            let mut out = Vec::new();
            fn walk(reg: &acl::Registry, ids: &[usize], cat: u32, out: &mut Vec<Reply>) {
                for &id in ids {
                    let c = &reg.cmds[id];
                    if c.module {
                        continue;
                    }
                    if c.cats & cat != 0 {
                        out.push(Reply::Bulk(c.full.as_bytes().to_vec()));
                    }
                    walk(reg, &c.children, cat, out);
                }
            }
            walk(reg, &reg.top, 1 << j, &mut out);
            Reply::Array(out)
        }
        _ => subcommand_error(argv),
    }
}

fn subcommand_error(argv: &[Vec<u8>]) -> Reply {
    Reply::Error(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try ACL HELP.",
        String::from_utf8_lossy(&argv[1])
    ))
}

pub fn genpass(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() > 3 {
        return subcommand_error(argv);
    }
    let bits = match argv.get(2) {
        Some(a) => match int_arg(a) {
            Ok(b) => b,
            Err(e) => return e,
        },
        None => 256,
    };
    if bits <= 0 || bits > 4096 {
        return Reply::err("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096");
    }
    use rand::RngExt;
    let chars = (bits + 3) / 4;
    let text: Vec<u8> = (0..chars)
        .map(|_| b"0123456789abcdef"[ctx.core.rng.random_range(0..16)])
        .collect();
    Reply::Bulk(text)
}

pub fn log_cmd(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() > 3 {
        return subcommand_error(argv);
    }
    let mut count: i64 = 10;
    if let Some(a) = argv.get(2) {
        if eq(a, "reset") {
            ctx.core.acl.log.clear();
            return Reply::ok();
        }
        count = match int_arg(a) {
            Ok(n) => n.max(0),
            Err(e) => return e,
        };
    }
    let now = ctx.core.now;
    Reply::Array(
        ctx.core
            .acl
            .log
            .iter()
            .take(count as usize)
            .map(|e| {
                Reply::Map(vec![
                    (bulk("count"), Reply::Int(e.count as i64)),
                    (bulk("reason"), bulk(e.reason.name())),
                    (bulk("context"), bulk(e.context.name())),
                    (bulk("object"), Reply::Bulk(e.object.clone())),
                    (bulk("username"), Reply::Bulk(e.username.clone())),
                    (
                        bulk("age-seconds"),
                        Reply::Double((now - e.ctime) as f64 / 1000.0),
                    ),
                    (bulk("client-info"), bulk(&e.client_info)),
                ])
            })
            .collect(),
    )
}

pub fn dryrun(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let Some(user) = ctx.core.acl.users.get(&argv[2][..]) else {
        return Reply::Error(format!(
            "ERR User '{}' not found",
            String::from_utf8_lossy(&argv[2])
        ));
    };
    let args = &argv[3..];
    let Ok(spec) = table::lookup(args) else {
        return Reply::Error(format!(
            "ERR Command '{}' not found",
            String::from_utf8_lossy(&argv[3])
        ));
    };
    if !table::arity_ok(spec, args.len()) {
        return Reply::Error(format!(
            "ERR wrong number of arguments for '{}' command",
            spec.full_name()
        ));
    }
    match user.check(spec, args) {
        Ok(()) => Reply::ok(),
        Err(Denied::Command) => Reply::Bulk(
            format!(
                "This user has no permissions to run the '{}' command",
                spec.full_name()
            )
            .into_bytes(),
        ),
        Err(Denied::Key(i)) => {
            let mut t = b"This user has no permissions to access the '".to_vec();
            t.extend_from_slice(&args[i]);
            t.extend_from_slice(b"' key");
            Reply::Bulk(t)
        }
        Err(Denied::Channel(i)) => {
            let mut t = b"This user has no permissions to access the '".to_vec();
            t.extend_from_slice(&args[i]);
            t.extend_from_slice(b"' channel");
            Reply::Bulk(t)
        }
    }
}

const NO_ACLFILE: &str = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";

fn aclfile(ctx: &Ctx) -> String {
    ctx.core.config.get("aclfile").unwrap_or_default()
}

pub fn load(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let path = aclfile(ctx);
    if path.is_empty() {
        return Reply::err(NO_ACLFILE);
    }
    match load_file(ctx, &path) {
        Ok(()) => Reply::ok(),
        Err(e) => Reply::Error(format!("ERR {}", e.replace(['\r', '\n'], " "))),
    }
}

/// Loads the ACL file through the host's store (ACLLoadFromFile); the clients of every
/// user but `default` are closed, as Redis frees the old users.
pub fn load_file(ctx: &mut Ctx, path: &str) -> Result<(), String> {
    let text = match ctx.core.acl.store.as_mut() {
        Some(store) => store.read(path)?,
        None => {
            return Err(format!(
                "Error loading ACLs, opening file '{path}': No such file or directory"
            ))
        }
    };
    let pd = pubsub_default(ctx.core);
    let before: Vec<Vec<u8>> = ctx.core.acl.users.keys().cloned().collect();
    ctx.core.acl.load_text(&text, path, pd)?;
    // Redis frees every old user but the default one, closing their clients.
    for name in before.iter().filter(|n| n.as_slice() != b"default") {
        kill_users_clients(ctx, name);
    }
    Ok(())
}

pub fn save(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let path = aclfile(ctx);
    if path.is_empty() {
        return Reply::err(NO_ACLFILE);
    }
    let text = ctx.core.acl.save_text();
    match ctx.core.acl.store.as_mut().map(|s| s.write(&path, &text)) {
        Some(Ok(())) => Reply::ok(),
        _ => Reply::err("ERR There was an error trying to save the ACLs. Please check the server logs for more information"),
    }
}

pub fn help(_ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    help_reply(
        &argv[0],
        &[
            "CAT [<category>]",
            "    List all commands that belong to <category>, or all command categories",
            "    when no category is specified.",
            "DELUSER <username> [<username> ...]",
            "    Delete a list of users.",
            "DRYRUN <username> <command> [<arg> ...]",
            "    Returns whether the user can execute the given command without executing the command.",
            "GETUSER <username>",
            "    Get the user's details.",
            "GENPASS [<bits>]",
            "    Generate a secure 256-bit user password. The optional `bits` argument can",
            "    be used to specify a different size.",
            "LIST",
            "    Show users details in config file format.",
            "LOAD",
            "    Reload users from the ACL file.",
            "LOG [<count> | RESET]",
            "    Show the ACL log entries.",
            "SAVE",
            "    Save the current config to the ACL file.",
            "SETUSER <username> <attribute> [<attribute> ...]",
            "    Create or modify a user with the specified attributes.",
            "USERS",
            "    List all the registered usernames.",
            "WHOAMI",
            "    Return the current connection username.",
        ],
    )
}
