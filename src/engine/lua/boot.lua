-- KV Lab: the Lua side of Redis's scripting environment. Runs once per VM, with the
-- stock 5.1 globals, before any user code. `I` holds the Rust helpers; `mode` is
-- "eval" (EVAL/EVALSHA globals) or "function" (FUNCTION LOAD/FCALL globals).
-- Everything a script reaches goes through read-only proxies, as Redis 7.0's
-- readonly tables do.
local I, mode = ...

local type, error, tostring, tonumber, select, rawget, rawset, rawequal, next, unpack =
  type, error, tostring, tonumber, select, rawget, rawset, rawequal, next, unpack
local setmetatable, getmetatable, pcall, xpcall, setfenv, loadstring, load =
  setmetatable, getmetatable, pcall, xpcall, setfenv, loadstring, load
local sfind, ssub, sbyte, slower = string.find, string.sub, string.byte, string.lower
local getinfo = debug.getinfo
local INTERNAL = '=[kvlab]'

local READONLY = 'Attempt to modify a readonly table'
-- proxy -> real table. Weak in keys and values: Lua 5.1's weak-key tables are not
-- ephemerons, so an entry whose value reaches its key (a metatable holds its
-- `__metatable` proxy) would keep both alive for ever, and with them every library
-- FUNCTION LOAD ever made (its loader's proxy). A value is always reachable from its
-- key (a proxy's metatable indexes it), so no entry goes while its proxy lives.
local real_of = setmetatable({}, { __mode = 'kv' })

local function deny() error(READONLY, 2) end

-- A read-only view of `t`: reads go to `t` (or to `index` when given), writes fail.
local function proxy(t, index)
  local p = {}
  local mt = { __index = index or t, __newindex = deny }
  mt.__metatable = setmetatable({}, { __index = mt, __newindex = deny })
  real_of[mt.__metatable] = mt
  setmetatable(p, mt)
  real_of[p] = t
  return p
end

local MARK, COUNTED = I.mark, I.mark_counted
local function unmark(e)
  if type(e) == 'string' then
    if ssub(e, 1, #MARK) == MARK then return { err = ssub(e, #MARK + 1) } end
    -- A command's error, counted in INFO errorstats when the command failed: the
    -- table says so, as Redis's does, so that a script ending with it does not count
    -- it again.
    if ssub(e, 1, #COUNTED) == COUNTED then
      return { err = ssub(e, #COUNTED + 1), ignore_error_stats_update = true }
    end
  end
  return e
end

-- luaL_where(1) for a Rust helper calling this: "user_script:1: " or "".
local function where()
  local i = getinfo(3, 'Sl')
  if i and i.currentline > 0 then return i.short_src .. ':' .. i.currentline .. ': ' end
  return ''
end

-- What luaL_argerror calls the Rust helper calling this: the name the caller used
-- for it and how ("global", "local", "method", "field" ...), or nil.
local function callee()
  local i = getinfo(2, 'n')
  if i then return i.name, i.namewhat end
end

-- For a message handler, given the error it got: Lua 5.1 gives an error the VM raises
-- in a Lua function that function's position (luaG_runerror); omnilua's table code
-- raises "table index is nil" and "table index is NaN" without it. An error raised in
-- a C function (error, rawset) has none. (What pcall catches keeps omnilua's text.)
local function positioned(err)
  if type(err) == 'string' then
    local f = getinfo(3, 'Sl')
    if f and f.what ~= 'C' and f.source ~= INTERNAL and f.currentline > 0 then
      local pre = f.short_src .. ':' .. f.currentline .. ': '
      if ssub(err, 1, #pre) ~= pre then return pre .. err end
    end
  end
  return err
end

-- Redis's error handler: tag the error with the user code's source and line.
local function handler(err)
  local level, i = 2, nil
  while true do
    i = getinfo(level, 'Sl')
    if not i then break end
    if i.what ~= 'C' and i.what ~= 'tail' and i.source ~= INTERNAL then break end
    level = level + 1
  end
  err = positioned(unmark(err))
  if type(err) ~= 'table' then err = { err = 'ERR ' .. tostring(err) } end
  if i then
    err.source = i.source
    err.line = i.currentline
  end
  return err
end

-- ---------------------------------------------------------------- the redis table
local redis = {}
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.REDIS_VERSION = I.version
redis.REDIS_VERSION_NUM = I.version_num

-- call, pcall, log, setresp, set_repl, sha1hex and acl_check_cmd are Rust functions:
-- like Redis's C ones they keep the caller's frame (even in `return redis.call(...)`), so errors
-- name the user's line. They raise Redis's error tables as MARK .. msg strings
-- (COUNTED .. msg for a command's error), which the handler and pcall turn back into
-- {err = msg}.
redis.call, redis.pcall, redis.log = I.call, I.pcall, I.log
redis.setresp, redis.set_repl, redis.sha1hex = I.setresp, I.set_repl, I.sha1hex
redis.acl_check_cmd = I.acl_check_cmd

local function push_error(s)
  -- luaPushErrorBuff: "-CODE msg" keeps CODE, anything else gets ERR.
  local code, msg
  if ssub(s, 1, 1) == '-' then
    local sp = sfind(s, ' ', 1, true)
    if sp then code, msg = ssub(s, 2, sp - 1), ssub(s, sp + 1) else code, msg = 'ERR', ssub(s, 2) end
  else
    code, msg = 'ERR', s
  end
  local a, b = 1, #msg
  while a <= b and (sbyte(msg, a) == 10 or sbyte(msg, a) == 13) do a = a + 1 end
  while b >= a and (sbyte(msg, b) == 10 or sbyte(msg, b) == 13) do b = b - 1 end
  return { err = code .. ' ' .. ssub(msg, a, b) }
end

function redis.error_reply(...)
  local s = ...
  if select('#', ...) ~= 1 or type(s) ~= 'string' then
    return { err = 'ERR wrong number or type of arguments' }
  end
  if ssub(s, 1, 1) ~= '-' then s = '-' .. s end
  return push_error(s)
end
function redis.status_reply(...)
  local s = ...
  if select('#', ...) ~= 1 or type(s) ~= 'string' then
    return { err = 'ERR wrong number or type of arguments' }
  end
  return { ok = s }
end

-- EVAL's extras: FUNCTION's redis table has none of these (Redis 7.0).
if mode == 'eval' then
  function redis.replicate_commands() return true end
  redis.breakpoint, redis.debug = I.breakpoint, I.debug
end

-- ---------------------------------------------------------------- libraries
local libs = {
  string = string, table = table, math = math, coroutine = coroutine,
  bit = I.bit, cjson = I.cjson, struct = I.struct, cmsgpack = I.cmsgpack,
}
libs.cjson.null = I.null
math.random = I.random
math.randomseed = I.randomseed

-- The base functions Redis keeps; print, getfenv, setfenv, dofile, loadfile,
-- module, require and newproxy are gone.
local G = {}
for _, k in pairs({ 'assert', 'collectgarbage', 'error', 'gcinfo', 'getmetatable', 'ipairs',
  'next', 'pairs', 'rawequal', 'select', 'tonumber', 'tostring', 'type', 'unpack', 'xpcall' }) do
  G[k] = _G[k]
end
G._VERSION = _VERSION
for name, lib in pairs(libs) do G[name] = proxy(lib) end
G.redis = proxy(redis)

-- pcall as Redis 7.0 overrides it: an error table becomes its err string.
local function pcall_result(ok, ...)
  if ok then return true, ... end
  local e = unmark((...))
  if type(e) == 'table' then
    local s = e.err
    if type(s) == 'string' or type(s) == 'number' then e = s end
  end
  return false, e
end
G.pcall = function(...) return pcall_result(pcall(...)) end
-- xpcall's handler gets the error object Redis's would: the error table a redis.call
-- (or another Redis-style error) raised, not its marked string. A handler that is not
-- a function fails when called, as Lua 5.1's does ("error in error handling").
G.xpcall = function(f, h)
  return xpcall(f, function(e) return h(positioned(unmark(e))) end)
end

function G.rawset(t, k, v)
  if real_of[t] then error(READONLY, 0) end
  return rawset(t, k, v)
end
function G.rawget(t, k)
  local r = real_of[t]
  if r then return rawget(r, k) end
  return rawget(t, k)
end
function G.setmetatable(t, m)
  if real_of[t] then error(READONLY, 0) end
  return setmetatable(t, m)
end
local function pnext(t, k)
  return next(real_of[t] or t, k)
end
G.next = pnext
G.pairs = function(t)
  if real_of[t] then return pnext, t, nil end
  return pairs(t)
end

-- The environment every user function runs in: reads of unknown names fail.
-- A read goes env (empty) -> G (a table: the VM follows it without a call) -> G's
-- own __index, which runs only for a name G lacks.
local function strict(t)
  return setmetatable(t, { __index = function(_, k)
    error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
  end })
end
local env = proxy(strict(G))
local env_mt = real_of[getmetatable(env)]
-- What env reads from: G, or FUNCTION LOAD's own API while a library loads.
local function use_api(t) env_mt.__index = t end
G._G = env

local function inenv(f, e)
  if f then setfenv(f, env) end
  return f, e
end
-- Redis's Lua parses every chunk as text, so precompiled (binary) chunks do not load:
-- loadstring answers nil and the text parser's error, named as luaO_chunkid names the
-- chunk (the source up to its first NUL or newline, at most 43 bytes).
local function chunkid(name)
  local c = name:sub(1, 1)
  if c == '=' or c == '@' then return name:sub(2) end
  name = name:match('^[^%z]*')
  local len = (name:find('[\n\r]') or (#name + 1)) - 1
  if len > 43 then len = 43 end
  if len < #name then
    return '[string "' .. name:sub(1, len) .. '..."]'
  end
  return '[string "' .. name .. '"]'
end
G.loadstring = function(s, name, ...)
  if type(s) == 'string' and s:byte(1) == 27 then
    return nil, chunkid(type(name) == 'string' and name or s) .. ":1: unexpected symbol near 'char(27)'"
  end
  return inenv(loadstring(s, name, ...))
end
G.load = function(...) return inenv(load(...)) end
if mode == 'eval' then G.__redis__err__handler = handler end

-- Strings index the read-only string table; their metatable is hidden.
local smt = getmetatable('')
smt.__index = G.string
smt.__metatable = proxy(smt)

-- ---------------------------------------------------------------- entry points
local K = {}

-- Compiles user code into a function of the user environment.
function K.compile(code, chunkname)
  local f, e = loadstring(code, chunkname)
  if not f then return nil, e end
  setfenv(f, env)
  return f
end

-- Runs a script (by its number in FUNCS, which `begin` returns) or a function under the error handler and
-- hands the outcome to Rust (`finish`, which converts it to the reply). `begin` arms
-- the run's limits (on a server, a count hook that lets other clients hear BUSY and
-- SCRIPT KILL stop the run) and makes its KEYS and ARGV from the Rust side's slices.
local begin, finish = I.begin, I.finish
-- EVAL's compiled scripts, by number (Rust keeps SHA-1 -> number).
local FUNCS = {}
K.funcs = FUNCS
if mode == 'eval' then
  -- (The script's number comes back from `begin`, not as an argument: a call from
  -- Rust without arguments costs less.)
  function K.run()
    local ok, v = xpcall(FUNCS[begin(G)], handler)
    finish(ok, v)
  end
else
  function K.run(f)
    local keys, argv = begin()
    local ok, v = xpcall(function() return f(keys, argv) end, handler)
    finish(ok, v)
  end
end

-- The Lua debugger's `eval`: the code as an expression (`return ...`), or else as a
-- statement, run in the scripts' environment; ok and the value, or false and the
-- error (Redis's ldbEval).
function K.ldb_eval(expr, code)
  local f, e = loadstring(expr, '@ldb_eval')
  if not f then f, e = loadstring(code, '@ldb_eval') end
  if not f then return false, e end
  setfenv(f, env)
  return pcall(f)
end

-- FUNCTION LOAD: runs the library's top level with only redis.register_function,
-- redis.log and the constants; returns true, {name = {callback, flags, desc}} or
-- false, error table.
function K.load_library(f)
  local registered, order = {}, {}
  local loading = true
  local function register(...)
    if not loading then
      error({ err = 'ERR redis.register_function can only be called on FUNCTION LOAD command' }, 0)
    end
    local n = select('#', ...)
    local name, callback, flags, desc
    local function str(v) -- lua_isstring: strings and numbers
      if type(v) == 'number' then return tostring(v) end
      if type(v) == 'string' then return v end
      return nil
    end
    if n == 1 then
      local t = ...
      if type(t) ~= 'table' then
        error({ err = 'ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).' }, 0)
      end
      for k, v in next, t do
        local key = str(k)
        if not key then
          error({ err = 'ERR named argument key given to redis.register_function is not a string' }, 0)
        end
        key = slower(key)
        if key == 'function_name' then
          name = str(v)
          if not name then error({ err = 'ERR function_name argument given to redis.register_function must be a string' }, 0) end
        elseif key == 'description' then
          desc = str(v)
          if not desc then error({ err = 'ERR description argument given to redis.register_function must be a string' }, 0) end
        elseif key == 'callback' then
          if type(v) ~= 'function' then
            error({ err = 'ERR callback argument given to redis.register_function must be a function' }, 0)
          end
          callback = v
        elseif key == 'flags' then
          if type(v) ~= 'table' then
            error({ err = 'ERR flags argument to redis.register_function must be a table representing function flags' }, 0)
          end
          flags = v
          for _, fl in next, flags do
            if type(fl) ~= 'string' or not I.valid_flag(fl) then error({ err = 'ERR unknown flag given' }, 0) end
          end
        else error({ err = 'ERR unknown argument given to redis.register_function' }, 0) end
      end
      if name == nil then error({ err = 'ERR redis.register_function must get a function name argument' }, 0) end
      if callback == nil then error({ err = 'ERR redis.register_function must get a callback argument' }, 0) end
    elseif n == 2 then
      local a, b = ...
      name = str(a)
      if not name then error({ err = 'ERR first argument to redis.register_function must be a string' }, 0) end
      if type(b) ~= 'function' then
        error({ err = 'ERR second argument to redis.register_function must be a function' }, 0)
      end
      callback = b
    else
      error({ err = 'ERR wrong number of arguments to redis.register_function' }, 0)
    end
    if not I.valid_name(name) then
      error({ err = 'ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long' }, 0)
    end
    local flist = {}
    if flags ~= nil then
      for _, fl in next, flags do flist[#flist + 1] = fl end
    end
    if registered[name] then error({ err = 'ERR Function already exists in the library' }, 0) end
    registered[name] = { callback, flist, desc }
    order[#order + 1] = name
  end
  local loadredis = {
    register_function = register,
    log = redis.log,
    LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
    REDIS_VERSION = redis.REDIS_VERSION, REDIS_VERSION_NUM = redis.REDIS_VERSION_NUM,
  }
  local loadapi = strict({
    redis = proxy(loadredis, function(_, k)
      local v = loadredis[k]
      if v == nil then
        error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
      end
      return v
    end),
  })
  use_api(loadapi)
  local ok, e = xpcall(f, handler)
  loading = false
  use_api(G)
  if not ok then return false, e end
  return true, registered, order
end

-- Resets the API a function VM sees (after an aborted FUNCTION LOAD).
function K.reset_api() use_api(G) end

K.env = env
K.where = where
K.callee = callee
K.G = G
K.INTERNAL = INTERNAL
return K
