#!/usr/bin/env python3
"""Reads the RLTest logs scripts/bloom-flow.sh wrote and writes docs/BLOOM-FLOW.md.

    bloom-flow-report.py LOG_DIR OUT.md test_file.py ...

LOG_DIR holds ref-<file>.log (redis-server with RedisBloom) and kvlab-<file>.log
(kvlab-server). A test is PASS, FAIL (an assertion failed: RLTest prints the failed
assertions before the test's name), ERROR (an exception) or SKIP. Every test that fails on
kvlab-server and passes on the reference gets a line: the reason written in NOT_APPLICABLE
or KNOWN below when there is one, else the first failed assertion or exception RLTest
printed.
"""
import ast
import os
import re
import sys

ANSI = re.compile(r'\x1b\[[0-9;]*m')
NAME = re.compile(r'^(test_\w+:[\w.]+):$')
STATUS = re.compile(r'^\[(PASS|FAIL|ERROR|SKIP)\]$')

# Tests that cannot apply to kvlab-server: what they exercise is not there (none since
# kvlab-server has SAVE and DEBUG RELOAD).
NOT_APPLICABLE = {}
# A test that stops at SAVE or DEBUG RELOAD (RLTest's dumpAndReload) on a server without them.
RELOAD = re.compile(r"unknown command 'SAVE'|DEBUG RELOAD")
RELOAD_REASON = ('SAVE and DEBUG RELOAD (RLTest\'s dumpAndReload): the server has no RDB '
                 'to save or reload')

# Differences found and left (too costly to fix, or not differences of the engine).
KNOWN = {
    # Made as the reference makes it since the 1 GiB cap went; it still fails where the
    # machine has less memory than that, or under a smaller maxmemory (`sketch_cap`).
    'test_overall:testRedisBloom.test_issue178':
        'BF.RESERVE bf 0.000001 300000000 asks for a 1,132,420,136-byte filter; KV Lab refuses '
        'a structure bigger than the machine\'s memory or maxmemory (`sketch_cap` in '
        'src/engine/cmd/bloom.rs) with a clear error, the reference allocates it',
}

# Why a test fails on the reference itself.
REF_KNOWN = {
    'test_cms:testCMS.test_simple':
        'expects the MEMORY USAGE a later Redis reports (it takes any 7.x for it): redis-server '
        '7.0.15 with the module reports 840 bytes, 16 fewer, and so does kvlab-server after the '
        'same commands',
    'test_overall:testRedisBloom.test_mem_usage':
        'expects 1104 bytes of MEMORY USAGE (a later Redis): redis-server 7.0.15 with the module '
        'reports 1088, and so does kvlab-server after the same commands',
}


def parse(path):
    """[(name, status, detail)] in the order RLTest ran them."""
    try:
        text = open(path, encoding='utf-8', errors='replace').read()
    except FileNotFoundError:
        return []
    results, pending, last = [], [], None
    lines = [ANSI.sub('', l).strip() for l in text.splitlines()]
    for i, line in enumerate(lines):
        m = NAME.match(line)
        if m:
            last = m.group(1)
            continue
        s = STATUS.match(line)
        if s and last:
            status, detail = s.group(1), ''
            if status == 'FAIL':
                detail = next((p for p in pending if '(FAIL):' in p), '')
                detail = detail.split('(FAIL):', 1)[-1].strip()
            elif status == 'ERROR':
                for follow in lines[i + 1:i + 40]:
                    if follow.startswith('Unhandled exception:'):
                        detail = follow[len('Unhandled exception:'):].strip()
                        break
                # An exception with no message: the assertion line of the traceback.
                if not detail:
                    for follow in lines[i + 1:i + 40]:
                        if follow.startswith('assert ') or follow.startswith('Assertion'):
                            detail = follow
                            break
            if status == 'ERROR' and any('(FAIL):' in p for p in pending):
                detail += ' (after failed assertions)'
            results.append((last, status, detail))
            pending, last = [], None
            continue
        if '(FAIL):' in line:
            pending.append(line)
    return results


def generators(path):
    """Test methods whose body holds a `yield` (the runner iterates them to the end)."""
    try:
        tree = ast.parse(open(path, encoding='utf-8').read())
    except (OSError, SyntaxError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for f in node.body:
                if (isinstance(f, ast.FunctionDef) and f.name.startswith('test')
                        and any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(f))):
                    found.append(f'{node.name}.{f.name}')
    return found


def count(results):
    c = {'PASS': 0, 'FAIL': 0, 'ERROR': 0, 'SKIP': 0}
    for _, status, _ in results:
        c[status] += 1
    return c


def short(text, n=160):
    text = ' '.join(text.split())
    return text if len(text) <= n else text[:n - 1] + '…'


def main():
    log_dir, out, flow, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    vacuous = []
    both_fail = 0
    rows, lines_na, lines_diff, lines_new, lines_ref = [], [], [], [], []
    totals = {'ref': [0, 0, 0], 'kv': [0, 0, 0], 'na': 0}
    for f in files:
        ref = parse(f'{log_dir}/ref-{f}.log')
        kv = parse(f'{log_dir}/kvlab-{f}.log')
        rc, kc = count(ref), count(kv)
        vacuous += [f'`{f[:-3]}:{g}`' for g in generators(f'{flow}/{f}')]
        ref_status = {name: status for name, status, _ in ref}
        kv_status = {name: (status, detail) for name, status, detail in kv}
        for name, status, detail in ref:
            if status in ('FAIL', 'ERROR'):
                ks, kd = kv_status.get(name, ('not run', ''))
                both_fail += ks in ('FAIL', 'ERROR')
                why = f'; {REF_KNOWN[name]}' if name in REF_KNOWN else ''
                lines_ref.append(f'- `{name}` ({status}): `{short(detail)}`{why}. On kvlab-server: '
                                 f'{ks}' + (f' (`{short(kd, 90)}`)' if kd else ''))
        na = 0
        for name, status, detail in kv:
            if status in ('PASS', 'SKIP') or ref_status.get(name) != 'PASS':
                continue
            if name in NOT_APPLICABLE or (status == 'ERROR' and RELOAD.search(detail)):
                na += 1
                reason = NOT_APPLICABLE.get(name, RELOAD_REASON)
                if 'after failed assertions' not in detail:
                    reason += '; every assertion before it passed'
                lines_na.append(f'- `{name}`: {reason}')
            elif name in KNOWN:
                lines_diff.append(f'- `{name}`: {KNOWN[name]}')
            else:
                lines_new.append(f'- `{name}` ({status}): `{short(detail)}`')
        rf = rc['FAIL'] + rc['ERROR']
        kf = kc['FAIL'] + kc['ERROR']
        rows.append(f'| {f} | {rc["PASS"]} | {rf} | {rc["SKIP"]} | {kc["PASS"]} | {kf} '
                    f'({na} n/a) | {kc["SKIP"]} |')
        for acc, c, fails in ((totals['ref'], rc, rf), (totals['kv'], kc, kf)):
            acc[0] += c['PASS']
            acc[1] += fails
            acc[2] += c['SKIP']
        totals['na'] += na
    r, k = totals['ref'], totals['kv']
    rows.append(f'| **total** | **{r[0]}** | **{r[1]}** | **{r[2]}** | **{k[0]}** | '
                f'**{k[1]}** ({totals["na"]} n/a) | **{k[2]}** |')

    doc = [
        '# RedisBloom\'s flow tests against kvlab-server',
        '',
        'RedisBloom\'s own Python flow tests (`tests/flow` at tag v2.6.12, run by RLTest 0.7.5)',
        'against redis-server 7.0.15 with the module loaded (built by',
        '`scripts/build-redisbloom.sh`) and against kvlab-server, each an RLTest "existing env"',
        'started fresh for every test file. Written by',
        '`bash scripts/bloom-flow.sh FLOW_DIR MODULE_SO [KVLAB_SERVER]` (see its header for the',
        'four shims, the same for both servers, that let the suite run outside RedisBloom\'s',
        'tree and run all of it). Last run with ' + os.environ.get('BLOOM_FLOW_VERSIONS', '?') + '.',
        '',
        '"Failed" counts failed assertions and exceptions alike; "n/a" are the failures of',
        'tests that exercise what kvlab-server does not have (listed below).',
        '',
        '| test file | reference passed | failed | skipped | kvlab-server passed | failed | skipped |',
        '|---|---|---|---|---|---|---|',
        *rows,
        '',
        f'Of kvlab-server\'s {k[1]} failures, {both_fail} are tests that fail on the reference '
        f'too, {totals["na"]} need an RDB to save and reload, {len(lines_diff)} '
        f'{"is a difference" if len(lines_diff) == 1 else "are differences"} left and '
        f'{len(lines_new)} {"is" if len(lines_new) == 1 else "are"} not yet explained.',
        '',
    ]
    if vacuous:
        doc += ['## Tests with a `yield`', '',
                'These test bodies hold a `yield`: RLTest 0.7.5 would call them, get a generator '
                'and run none of the body (a pass on any server); the runner runs them to the '
                'end: ' + ', '.join(vacuous) + '.', '']
    if lines_ref:
        doc += ['## Failing on the reference', '',
                'A failed assertion is printed `expected == got`.', '',
                *lines_ref, '']
    if lines_na:
        doc += ['## Not applicable', '',
                'Tests that pass on the reference and exercise what kvlab-server does not have:',
                '', *lines_na, '']
    if lines_diff:
        doc += ['## Differences left', '',
                'Tests that pass on the reference and fail on kvlab-server, with the reason:',
                '', *lines_diff, '']
    if lines_new:
        doc += ['## Not yet explained', '',
                'Failures on kvlab-server (passing on the reference) with the first failed',
                'assertion or exception RLTest printed:', '', *lines_new, '']
    open(out, 'w', encoding='utf-8').write('\n'.join(doc))


if __name__ == '__main__':
    main()
