#!/usr/bin/env python3
"""Randomised differential check of TDIGEST.* between two servers (no dependencies):
redis-server with RedisBloom loaded on port A, kvlab-server on port B. Every reply is
compared as raw RESP. Usage: scripts/compare-tdigest.py A B [seed]. Both servers are
FLUSHALLed first."""
import socket, random, sys
def conn(p):
    s=socket.create_connection(("127.0.0.1",p)); return s
def enc(args):
    out=b'*%d\r\n'%len(args)
    for a in args:
        a=a if isinstance(a,bytes) else str(a).encode()
        out+=b'$%d\r\n%s\r\n'%(len(a),a)
    return out
class R:
    def __init__(s,p): s.s=conn(p); s.buf=b''
    def line(s):
        while b'\r\n' not in s.buf: s.buf+=s.s.recv(1<<20)
        l,s.buf=s.buf.split(b'\r\n',1); return l
    def exact(s,n):
        while len(s.buf)<n+2: s.buf+=s.s.recv(1<<20)
        d=s.buf[:n]; s.buf=s.buf[n+2:]; return d
    def read(s):
        l=s.line(); t=l[:1]
        if t in b'+-:,': return l
        if t==b'$':
            n=int(l[1:]); return None if n<0 else s.exact(n)
        if t in b'*%':
            n=int(l[1:]); m=2 if t==b'%' else 1
            return [s.read() for _ in range(n*m)]
        return l
    def cmd(s,*a): s.s.sendall(enc(a)); return s.read()
a=R(int(sys.argv[1])); b=R(int(sys.argv[2]))
seed=int(sys.argv[3]) if len(sys.argv)>3 else 1
rnd=random.Random(seed)
a.cmd('FLUSHALL'); b.cmd('FLUSHALL')
diffs=0; n=0
def both(*args):
    global diffs,n
    n+=1
    x=a.cmd(*args); y=b.cmd(*args)
    if x!=y:
        diffs+=1
        if diffs<10: print('DIFF',args[:6],'\n ref',str(x)[:300],'\n kv ',str(y)[:300])
def val():
    k=rnd.random()
    if k<0.3: return str(rnd.randint(-5,5))
    if k<0.6: return repr(rnd.gauss(0,100))
    if k<0.8: return repr(rnd.expovariate(0.01))
    return repr(rnd.uniform(-1e6,1e6))
for i in range(4):
    c=rnd.choice([1,2,5,10,50,100,200,500])
    both('TDIGEST.CREATE','k%d'%i,'COMPRESSION',c)
for step in range(3000):
    k='k%d'%rnd.randint(0,3)
    r=rnd.random()
    if r<0.5:
        both('TDIGEST.ADD',k,*[val() for _ in range(rnd.randint(1,60))])
    elif r<0.6:
        qs=[repr(rnd.random()) for _ in range(rnd.randint(1,8))]
        if rnd.random()<0.5: qs.sort()
        both('TDIGEST.QUANTILE',k,*qs)
    elif r<0.68: both('TDIGEST.CDF',k,*[val() for _ in range(5)])
    elif r<0.74: both('TDIGEST.RANK',k,*[val() for _ in range(5)])
    elif r<0.8: both('TDIGEST.REVRANK',k,*[val() for _ in range(5)])
    elif r<0.85: both('TDIGEST.BYRANK',k,*[rnd.randint(0,3000) for _ in range(5)])
    elif r<0.9: both('TDIGEST.BYREVRANK',k,*[rnd.randint(0,3000) for _ in range(5)])
    elif r<0.94:
        lo=rnd.random(); hi=rnd.random()
        both('TDIGEST.TRIMMED_MEAN',k,repr(min(lo,hi)),repr(max(lo,hi)+1e-9))
    elif r<0.97:
        srcs=['k%d'%rnd.randint(0,3) for _ in range(rnd.randint(1,3))]
        extra=rnd.choice([[],['OVERRIDE'],['COMPRESSION',str(rnd.choice([10,100,300]))],['COMPRESSION','50','OVERRIDE']])
        both('TDIGEST.MERGE',rnd.choice(['k0','k1','k2','k3','m']),len(srcs),*srcs,*extra)
    elif r<0.975: both('TDIGEST.RESET',k)
    else: both('TDIGEST.INFO',k)
    if step%50==0:
        for kk in ['k0','k1','k2','k3','m']: both('TDIGEST.INFO',kk); both('TDIGEST.MIN',kk); both('TDIGEST.MAX',kk)
print('seed',seed,'commands',n,'diffs',diffs)
