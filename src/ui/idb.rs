//! The page's files in IndexedDB: one database (`kvlab`) with one object store (`files`)
//! whose records are named as the files redis-server would write: `dump.rdb` (the RDB
//! image, bytes), `dump.rdb.extra` (the configuration sidecar, JSON text), and the
//! in-memory AOF's `appendonly.aof.base.rdb` and `appendonly.aof.incr.aof` (bytes).
//! IndexedDB holds binary values and far more than localStorage's ~5 MB (a share of the
//! disk), so a big keyspace survives a reload; [`super::persist`] falls back to
//! localStorage when IndexedDB is missing (some private modes) or fails.
//!
//! IndexedDB answers through events; each request or transaction here becomes a
//! `Promise` awaited with `wasm_bindgen_futures`.

use std::cell::RefCell;

use js_sys::{Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbRequestReadyState, IdbTransaction, IdbTransactionMode};

const DB_NAME: &str = "kvlab";
const STORE: &str = "files";

thread_local! {
    /// The database opened at start (none: IndexedDB is not available).
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// A value to store: bytes or text.
pub enum Value {
    Bytes(Vec<u8>),
    Text(String),
}

fn error_text(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| "IndexedDB error".into())
}

fn request_error(req: &IdbRequest) -> JsValue {
    req.error()
        .ok()
        .flatten()
        .map(|e| JsValue::from(format!("{}: {}", e.name(), e.message())))
        .unwrap_or_else(|| "IndexedDB request failed".into())
}

type Handler = Closure<dyn FnMut(web_sys::Event)>;

/// A promise and its resolve and reject functions (the executor runs at once).
fn settle() -> (Promise, Function, Function) {
    let mut fns = None;
    let promise = Promise::new(&mut |resolve, reject| fns = Some((resolve, reject)));
    let (resolve, reject) =
        fns.unwrap_or_else(|| (Function::new_no_args(""), Function::new_no_args("")));
    (promise, resolve, reject)
}

/// The request's result, once it succeeded. The handlers live until it settles.
async fn finished(req: &IdbRequest) -> Result<JsValue, String> {
    if req.ready_state() == IdbRequestReadyState::Done {
        return match req.error() {
            Ok(Some(_)) => Err(error_text(request_error(req))),
            _ => req.result().map_err(error_text),
        };
    }
    let (promise, resolve, reject) = settle();
    let ok_req = req.clone();
    let ok = Handler::new(move |_| {
        let _ = resolve.call1(
            &JsValue::NULL,
            &ok_req.result().unwrap_or(JsValue::UNDEFINED),
        );
    });
    let err_req = req.clone();
    let err = Handler::new(move |_| {
        let _ = reject.call1(&JsValue::NULL, &request_error(&err_req));
    });
    req.set_onsuccess(Some(ok.as_ref().unchecked_ref()));
    req.set_onerror(Some(err.as_ref().unchecked_ref()));
    let r = JsFuture::from(promise).await.map_err(error_text);
    req.set_onsuccess(None);
    req.set_onerror(None);
    r
}

/// Waits for a transaction to commit (a failed request or a full quota aborts it).
async fn committed(tx: &IdbTransaction) -> Result<(), String> {
    let (promise, resolve, reject) = settle();
    let ok = Handler::new(move |_| {
        let _ = resolve.call0(&JsValue::NULL);
    });
    let why = tx.clone();
    let fail = Handler::new(move |_| {
        let e = why
            .error()
            .map(|e| JsValue::from(format!("{}: {}", e.name(), e.message())))
            .unwrap_or_else(|| "the IndexedDB transaction was aborted".into());
        let _ = reject.call1(&JsValue::NULL, &e);
    });
    tx.set_oncomplete(Some(ok.as_ref().unchecked_ref()));
    tx.set_onabort(Some(fail.as_ref().unchecked_ref()));
    let r = JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(error_text);
    tx.set_oncomplete(None);
    tx.set_onabort(None);
    r
}

/// Opens (creating on the first visit) the page's database; called once at start.
pub async fn open() -> Result<(), String> {
    let factory = web_sys::window()
        .ok_or("no window")?
        .indexed_db()
        .map_err(error_text)?
        .ok_or("IndexedDB is not available")?;
    let req = factory.open_with_u32(DB_NAME, 1).map_err(error_text)?;
    let upgrading = req.clone();
    let upgrade = Handler::new(move |_| {
        if let Some(db) = upgrading
            .result()
            .ok()
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
        {
            if !db.object_store_names().contains(STORE) {
                let _ = db.create_object_store(STORE);
            }
        }
    });
    req.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let opened = finished(&req).await;
    req.set_onupgradeneeded(None);
    let db: IdbDatabase = opened?
        .dyn_into()
        .map_err(|_| "IndexedDB opened no database".to_string())?;
    DB.with(|d| *d.borrow_mut() = Some(db));
    Ok(())
}

/// Whether the database is open.
pub fn available() -> bool {
    DB.with(|d| d.borrow().is_some())
}

fn db() -> Result<IdbDatabase, String> {
    DB.with(|d| d.borrow().clone())
        .ok_or_else(|| "IndexedDB is not available".into())
}

/// Reads records by name (`None` for a missing one; bytes as bytes, text as text).
pub async fn get(names: &[&str]) -> Result<Vec<Option<Value>>, String> {
    let tx = db()?.transaction_with_str(STORE).map_err(error_text)?;
    let store = tx.object_store(STORE).map_err(error_text)?;
    // Every request first, then their results: the transaction stays alive while it
    // has requests pending.
    let reqs = names
        .iter()
        .map(|name| store.get(&JsValue::from_str(name)).map_err(error_text))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(names.len());
    for req in &reqs {
        let v = finished(req).await?;
        out.push(if let Some(s) = v.as_string() {
            Some(Value::Text(s))
        } else if v.is_instance_of::<Uint8Array>() {
            Some(Value::Bytes(Uint8Array::from(v).to_vec()))
        } else {
            None
        });
    }
    Ok(out)
}

/// Writes and deletes records in one transaction: all of it is stored, or none.
pub async fn write(puts: Vec<(&str, Value)>, deletes: &[&str]) -> Result<(), String> {
    let tx = db()?
        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
        .map_err(error_text)?;
    let store = tx.object_store(STORE).map_err(error_text)?;
    for (name, value) in puts {
        let v: JsValue = match value {
            Value::Bytes(b) => Uint8Array::from(b.as_slice()).into(),
            Value::Text(t) => t.into(),
        };
        store
            .put_with_key(&v, &JsValue::from_str(name))
            .map_err(error_text)?;
    }
    for name in deletes {
        store.delete(&JsValue::from_str(name)).map_err(error_text)?;
    }
    committed(&tx).await
}
