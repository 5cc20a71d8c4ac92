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
import re
import sys

ANSI = re.compile(r'\x1b\[[0-9;]*m')
NAME = re.compile(r'^(test_\w+:[\w.]+):$')
STATUS = re.compile(r'^\[(PASS|FAIL|ERROR|SKIP)\]$')

# Tests that cannot apply to kvlab-server: what they exercise is not there.
NOT_APPLICABLE = {
    'test_cuckoo:testCuckoo.test_num_deletes':
        'SAVE and DEBUG RELOAD (RLTest\'s dumpAndReload): kvlab-server has no RDB to save or reload',
    'test_tdigest:testTDigest.test_save_load':
        'SAVE and a restart that reloads the RDB: kvlab-server has no RDB to save or reload',
}

# Differences found and left (too costly to fix, or not differences of the engine).
KNOWN = {
    'test_overall:testRedisBloom.test_issue178':
        'BF.RESERVE bf 0.000001 300000000 asks for a 1,132,420,136-byte filter; KV Lab refuses '
        'one structure over 1 GiB (`sketch_cap` in src/engine/cmd/bloom.rs) with a clear error, '
        'the reference allocates it',
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
    rows, lines_na, lines_diff, lines_new = [], [], [], []
    totals = {'ref': [0, 0, 0], 'kv': [0, 0, 0], 'na': 0}
    for f in files:
        ref = parse(f'{log_dir}/ref-{f}.log')
        kv = parse(f'{log_dir}/kvlab-{f}.log')
        rc, kc = count(ref), count(kv)
        vacuous += [f'`{f[:-3]}:{g}`' for g in generators(f'{flow}/{f}')]
        ref_status = {name: status for name, status, _ in ref}
        na = 0
        for name, status, detail in kv:
            if status in ('PASS', 'SKIP') or ref_status.get(name) != 'PASS':
                continue
            if name in NOT_APPLICABLE:
                na += 1
                lines_na.append(f'- `{name}`: {NOT_APPLICABLE[name]}')
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
        'tree and run all of it).',
        '',
        '"Failed" counts failed assertions and exceptions alike; "n/a" are the failures of',
        'tests that exercise what kvlab-server does not have (listed below).',
        '',
        '| test file | reference passed | failed | skipped | kvlab-server passed | failed | skipped |',
        '|---|---|---|---|---|---|---|',
        *rows,
        '',
    ]
    if vacuous:
        doc += ['## Tests with a `yield`', '',
                'These test bodies hold a `yield`: RLTest 0.7.5 would call them, get a generator '
                'and run none of the body (a pass on any server); the runner runs them to the '
                'end: ' + ', '.join(vacuous) + '.', '']
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
