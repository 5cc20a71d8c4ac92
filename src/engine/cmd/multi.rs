//! MULTI, EXEC, DISCARD, WATCH and UNWATCH (Redis's `multi.c`).
//!
//! After MULTI, `Engine::execute` queues every command but these (answering `QUEUED`)
//! once it has passed the unknown-command and arity checks; a command that fails them is
//! answered with its error and makes EXEC abort with EXECABORT. EXEC runs the queue in
//! one go, each command's error in its place in the array (no rollback), unless a WATCHed
//! key changed since WATCH: then it runs nothing and answers with a null array.

use crate::engine::table::{self, CommandSpec};
use crate::engine::{Ctx, Reply};

pub fn multi(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let c = ctx.client();
    if c.multi.is_some() {
        return Reply::err("ERR MULTI calls can not be nested");
    }
    c.multi = Some(c.multi_spare.queue());
    c.multi_specs.0.clear();
    Reply::ok()
}

/// Ends the transaction state: the queue, the abort flag, the watches.
pub(crate) fn discard_transaction(ctx: &mut Ctx) {
    let id = ctx.id;
    let c = ctx.client();
    if let Some(queue) = c.multi.take() {
        c.multi_spare.keep(queue);
    }
    c.multi_specs.0.clear();
    c.multi_error = false;
    ctx.core.watches.unwatch_all(id);
    ctx.core.watches.clear_dirty(id);
}

pub fn discard(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    if ctx.client().multi.is_none() {
        return Reply::err("ERR DISCARD without MULTI");
    }
    discard_transaction(ctx);
    Reply::ok()
}

/// Whether `key` is in `db` with its TTL passed (Redis's `keyIsExpired`: the value is
/// still there until somebody looks it up or the active cycle finds it).
fn key_is_expired(ctx: &Ctx, db: usize, key: &[u8]) -> bool {
    ctx.core.dbs[db]
        .expires
        .get(key)
        .is_some_and(|&when| when <= ctx.core.now)
}

pub fn exec(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let id = ctx.id;
    let c = ctx.client();
    let Some(queue) = c.multi.take() else {
        return Reply::err("ERR EXEC without MULTI");
    };
    let specs = std::mem::take(&mut c.multi_specs.0);
    let aborted = c.multi_error;
    // A watched key that expired since WATCH counts as changed.
    let expired = ctx
        .core
        .watches
        .watched_by(id)
        .iter()
        .any(|w| !w.expired && key_is_expired(ctx, w.db, &w.key));
    let dirty = expired || ctx.core.watches.is_dirty(id);
    discard_transaction(ctx);
    if aborted {
        return Reply::err("EXECABORT Transaction discarded because of previous errors.");
    }
    if dirty {
        return Reply::NilArray;
    }
    let mut replies = Vec::with_capacity(queue.len());
    // One clock reading ends a queued command and starts the next; the first starts
    // when EXEC did.
    let mut started = ctx.core.cmd_started;
    for (i, argv) in queue.iter().enumerate() {
        // The command looked up when it was queued (every queued command has one).
        let spec = match specs.get(i) {
            Some(&s) => Ok(s),
            None => table::lookup(argv),
        };
        replies.push(match spec {
            // ACLs are checked again: the rules may have changed since queueing.
            Ok(spec) => match super::acl::check(ctx, spec, argv) {
                Ok(()) => {
                    let (reply, ended) = ctx.call_from(spec, argv, started);
                    started = ended;
                    reply
                }
                Err(denied) => {
                    super::acl::log_denied(ctx, denied, crate::engine::acl::Context::Multi, spec, argv);
                    let e = format!("NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: {}", denied.exec_reason());
                    ctx.core.count_error(&e);
                    Reply::Error(e)
                }
            },
            Err(e) => Reply::Error(e),
        });
    }
    // Its argument buffers serve the client's next transaction.
    ctx.client().multi_spare.keep(queue);
    Reply::Array(replies)
}

pub fn watch(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let id = ctx.id;
    if ctx.client().multi.is_some() {
        return Reply::err("ERR WATCH inside MULTI is not allowed");
    }
    // No point in watching once a watch has broken: EXEC will fail anyway.
    if ctx.core.watches.is_dirty(id) {
        return Reply::ok();
    }
    let db = ctx.db();
    for key in &argv[1..] {
        let expired = key_is_expired(ctx, db, key);
        ctx.core.watches.watch(id, db, key, expired);
    }
    Reply::ok()
}

pub fn unwatch(ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let id = ctx.id;
    ctx.core.watches.unwatch_all(id);
    ctx.core.watches.clear_dirty(id);
    Reply::ok()
}

/// Whether a command runs at once inside MULTI; every other one is queued.
pub(crate) fn runs_in_multi(spec: &CommandSpec) -> bool {
    spec.container.is_none()
        && matches!(
            spec.name,
            "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
        )
}

/// Redis's `queueMultiCommand`: the command (`spec`, as looked up) waits for EXEC.
pub(crate) fn queue(ctx: &mut Ctx, spec: &'static CommandSpec, argv: &[Vec<u8>]) -> Reply {
    let c = ctx.client();
    if let Some(q) = c.multi.as_mut() {
        q.push(c.multi_spare.copy(argv));
        c.multi_specs.0.push(spec);
    }
    Reply::status("QUEUED")
}

/// Inside MULTI, a command that could not be queued makes EXEC abort
/// (Redis's `flagTransaction`).
pub(crate) fn flag(ctx: &mut Ctx) {
    let c = ctx.client();
    if c.multi.is_some() {
        c.multi_error = true;
    }
}

/// The transaction side of Redis's `rejectCommand`: the transaction is flagged, and a
/// refused EXEC ends it, in or out of MULTI, naming the reason (without the `ERR ` an
/// error built without a code gets).
pub(crate) fn reject(ctx: &mut Ctx, spec: &CommandSpec, error: String) -> Reply {
    flag(ctx);
    if spec.container.is_none() && spec.name == "exec" {
        discard_transaction(ctx);
        let why = error.strip_prefix("ERR ").unwrap_or(&error);
        return Reply::Error(format!("EXECABORT Transaction discarded because of: {why}"));
    }
    Reply::Error(error)
}
