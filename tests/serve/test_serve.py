#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""TAP tests of `pvf serve` (docs/service.md) with the real workers.

usage: test_serve.py SCENARIO PVF BUILD_TESTS_DIR SHARED_DIR CLIENT_DIR

SCENARIO: concurrent | disconnect | backpressure | malformed | http | sigterm |
          client
PVF: the pvf binary; BUILD_TESTS_DIR: build/tests (pvfs/*.wasm, host/*.wasm);
SHARED_DIR: ../shared (runtime-blobs); CLIENT_DIR: contrib/clients.

Needs an adder PVF (the real one from SHARED_DIR/runtime-blobs, else the C
one from BUILD_TESTS_DIR/pvfs); exits 77 if there is none. Everything runs
on loopback and every wait is bounded.
"""
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

if len(sys.argv) != 6:
    sys.exit(__doc__)
SCENARIO, PVF, BTESTS, SHARED, CLIENT_DIR = sys.argv[1:]
sys.path.insert(0, CLIENT_DIR)
import pvf_client  # noqa: E402

GENESIS = bytes(8) + bytes(32) + bytes.fromhex(
    "011b4d03dd8c01f1049143cf9c4c817e4b167f1d1b83e5c6f0f10d89ba1e7bce")


def first_file(*paths):
    for p in paths:
        if os.path.isfile(p):
            return p
    return None


ADDER = first_file(os.path.join(SHARED, "runtime-blobs", "adder-kagome.compressed.bin"),
                   os.path.join(BTESTS, "pvfs", "adder.wasm"))
HALT = first_file(os.path.join(BTESTS, "pvfs", "halting.wasm"),
                  os.path.join(BTESTS, "host", "pvf_halt.wasm"))
SIGNEXT = first_file(os.path.join(BTESTS, "host", "pvf_signext.wasm"))
if not ADDER:
    print("1..0 # SKIP no adder PVF (neither ../shared/runtime-blobs/"
          "adder-kagome.compressed.bin nor build/tests/pvfs/adder.wasm)")
    sys.exit(77)

# ---- TAP --------------------------------------------------------------------------------
n_tests = 0
n_failed = 0


def ok(cond, name, detail=""):
    global n_tests, n_failed
    n_tests += 1
    if cond:
        print(f"ok {n_tests} - {name}")
    else:
        n_failed += 1
        print(f"not ok {n_tests} - {name}")
        for line in str(detail).splitlines()[:40]:
            print(f"# {line}")
    sys.stdout.flush()
    return cond


def eq(got, want, name):
    return ok(got == want, name, f"got {got!r}, wanted {want!r}")


def done():
    print(f"1..{n_tests}")
    sys.exit(1 if n_failed else 0)


def skip_rest(why):
    print(f"ok {n_tests + 1} # SKIP {why}")
    print(f"1..{n_tests + 1}")
    sys.exit(1 if n_failed else 0)


def params(head, state, add, relay_number):
    block = state.to_bytes(8, "little") + add.to_bytes(8, "little")
    return pvf_client.validation_params(head, block, relay_number)


def wait_until(pred, timeout=10.0, step=0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def read_lines(pipe, n, timeout):
    """Up to n lines from a pipe, waiting at most timeout seconds."""
    data = b""
    end = time.monotonic() + timeout
    fd = pipe.fileno()
    while data.count(b"\n") < n and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
    return [x.decode() for x in data.splitlines()[:n]]


# ---- a server under test ------------------------------------------------------------------
class Server:
    def __init__(self, *extra, metrics=True):
        self.dir = tempfile.mkdtemp(prefix="pvf-serve-")
        # workers running as nobody must reach their directories in the cache
        os.chmod(self.dir, 0o711)
        self.sock = os.path.join(self.dir, "pvf.sock")
        self.cache = os.path.join(self.dir, "cache")
        self.errpath = os.path.join(self.dir, "stderr")
        self.err = open(self.errpath, "wb")
        args = [PVF, "serve", "--socket", self.sock, "--cache", self.cache]
        if metrics:
            args += ["--metrics", "127.0.0.1:0"]
        self.p = subprocess.Popen(args + list(extra), stdout=subprocess.PIPE,
                                  stderr=self.err)
        self.port = None
        lines = read_lines(self.p.stdout, 2 if metrics else 1, 20)
        if not lines or not lines[0].startswith("listening on unix:"):
            self.stop()
            raise RuntimeError(f"pvf serve did not start: {lines} {self.stderr()}")
        if metrics:
            self.port = int(lines[1].rsplit(":", 1)[1])

    def stderr(self):
        with open(self.errpath, "rb") as f:
            return f.read().decode(errors="replace")

    def client(self, timeout=30):
        return pvf_client.Client(self.sock, timeout=timeout)

    def raw(self, timeout=10):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.sock)
        return s

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def fds(self):
        return len(os.listdir(f"/proc/{self.p.pid}/fd"))

    def stop(self, timeout=30):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.p.stdout.close()
        self.err.close()
        return rc

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def ask_raw(sock_file, line):
    """Sends one raw line on a file made from a raw socket; returns the
    parsed answer."""
    sock_file.write(line if isinstance(line, bytes) else line.encode())
    sock_file.flush()
    ans = sock_file.readline()
    return json.loads(ans) if ans else None


def chain(c, code, blocks, first_by="path"):
    """Validates `blocks` chained adder blocks; returns (ok, detail)."""
    head, state = GENESIS, 0
    code_hash = None
    for i in range(blocks):
        add = 3 + i
        spec = {"code_path": code} if code_hash is None and first_by == "path" else \
            {"code_hash": code_hash} if code_hash else {"code": open(code, "rb").read()}
        r = c.validate(params=params(head, state, add, 10 + i), **spec)
        if not r["valid"]:
            return False, r
        code_hash = r["code_hash"]
        new = bytes.fromhex(r["head_data"][2:])
        if int.from_bytes(new[:8], "little") != i + 1:
            return False, f"head number {int.from_bytes(new[:8], 'little')} != {i + 1}"
        head, state = new, state + add
    return True, ""


# ---- scenarios ------------------------------------------------------------------------------
def scenario_concurrent():
    srv = Server("--exec-workers", "2", "--prep-workers", "1")
    try:
        with srv.client() as c:
            r = c.precheck(code_path=ADDER)
            ok(r["accepted"], "the adder is accepted by a pre-check", r)
        n_clients, n_blocks = 16, 4
        results = [None] * n_clients

        def run(k):
            try:
                with srv.client() as c:
                    results[k] = chain(c, ADDER, n_blocks,
                                       first_by="path" if k % 2 else "bytes")
            except Exception as e:  # noqa: BLE001
                results[k] = (False, repr(e))
        threads = [threading.Thread(target=run, args=(k,)) for k in range(n_clients)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        bad = [(k, r) for k, r in enumerate(results) if not r or not r[0]]
        ok(not bad, f"{n_clients} clients at once each validate a chain of {n_blocks} adder "
           f"blocks ({time.monotonic() - t0:.1f} s)", bad[:3])

        # pipelining: 40 requests on one connection, every one answered once
        with srv.client() as c:
            ids = [c.validate(params=params(GENESIS, 0, k, k), code_path=ADDER,
                              send_only=True) for k in range(40)]
            answers = [c.receive() for _ in ids]
            eq(sorted(a["id"] for a in answers), ids,
               "40 pipelined validations: each id answered exactly once")
            ok(all(a["ok"] and a["valid"] for a in answers), "all 40 valid",
               [a for a in answers if not a.get("valid")][:2])
            st = c.status()
            eq(st["requests_in_flight"], 0, "nothing left in flight")
            ok(st["workers"]["execute"]["running"] <= 2,
               "at most --exec-workers execute workers", st["workers"])
            ok(st["workers"]["execute"]["spawned_total"] >= 1 and
               st["workers"]["prepare"]["spawned_total"] == 1,
               "one preparation for all (the artifact is shared)", st["workers"])
        st = wait_until(lambda: (lambda s: s if s["clients"] == 0 else None)(
            json.load(urllib.request.urlopen(srv.url("/health"), timeout=10))))
        ok(st and st["clients"] == 0, "every client connection was released", st)
    finally:
        eq(srv.stop(), 0, "pvf serve exits 0 on SIGTERM")
        srv.cleanup()


def scenario_disconnect():
    if not HALT:
        skip_rest("no halting PVF built")
    srv = Server("--exec-workers", "1")
    try:
        with srv.client() as c:
            ok(c.validate(code_path=ADDER, params=params(GENESIS, 0, 1, 1))["valid"],
               "warm-up validation")
            hr = c.precheck(code_path=HALT)
            ok(hr["accepted"], "the halting PVF passes pre-checking", hr)
        # a blocker keeps the only execute worker busy
        blocker = srv.client()
        bid = blocker.validate(code_hash=hr["code_hash"], params=params(GENESIS, 0, 1, 1),
                               exec_timeout_ms=1500, send_only=True)
        mon = srv.client()
        wait_until(lambda: mon.status()["requests_in_flight"] == 1, 5)
        time.sleep(0.2)     # the blocker's job is running now
        fds0 = srv.fds()
        st0 = mon.status()
        # 20 clients queue 5 validations each behind it, then vanish
        for k in range(20):
            s = srv.raw()
            f = s.makefile("rwb")
            f.write(b'{"op":"hello","version":1}\n')
            for j in range(5):
                req = {"id": j, "op": "validate", "code": {"path": ADDER},
                       "params": "0x" + params(GENESIS, 0, j, j).hex()}
                f.write((json.dumps(req) + "\n").encode())
            f.flush()
            f.readline()    # the hello answer: the requests are being read
            if k % 2:
                s.shutdown(socket.SHUT_RDWR)
            f.close()
            s.close()
        st = wait_until(lambda: (lambda s: s if s["clients"] == 2 and
                                 s["requests_in_flight"] == 1 else None)(mon.status()), 5)
        ok(st, "after 20 clients left with queued requests, only the blocker's request is "
           "in flight", mon.status())
        st = mon.status()
        eq(st["requests_cancelled_total"] - st0["requests_cancelled_total"], 100,
           "their 100 queued requests were cancelled in the host")
        eq(srv.fds(), fds0, "no descriptor leaked by the server")
        with srv.client() as other:
            r = other.heads_up([hr["code_hash"]])
            ok(r["ok"], "another client is served meanwhile")
        a = blocker.wait(bid)
        eq(a["outcome"], "invalid: hard timeout", "the blocker gets its own answer")
        blocker.close()

        # a client leaving while its request runs: the answer is dropped (an
        # idle execute worker first, so that the job starts at once)
        ok(mon.validate(code_path=ADDER, params=params(GENESIS, 0, 2, 1))["valid"],
           "an execute worker is up again")
        c = srv.client()
        c.validate(code_hash=hr["code_hash"], params=params(GENESIS, 0, 1, 1),
                   exec_timeout_ms=800, send_only=True)
        wait_until(lambda: mon.status()["requests_in_flight"] == 1, 5)
        time.sleep(0.3)
        st0 = mon.status()
        dropped0 = st0["answers_dropped_total"]
        c.close()
        st = wait_until(lambda: (lambda s: s if s["requests_in_flight"] == 0 else None)(
            mon.status()), 10)
        ok(st and st["answers_dropped_total"] == dropped0 + 1 and
           st["requests_cancelled_total"] == st0["requests_cancelled_total"],
           "a running request of a vanished client completes and its answer is dropped",
           st)
        ok(mon.validate(code_path=ADDER, params=params(GENESIS, 0, 9, 1))["valid"],
           "the server still validates")
        mon.close()
    finally:
        eq(srv.stop(), 0, "exit 0")
        srv.cleanup()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def scenario_backpressure():
    srv = Server("--max-pending", "8", metrics=False)
    try:
        mon = srv.client()
        mon.metrics()
        rss0 = rss_kib(srv.p.pid)
        # a client sends 2000 metrics requests (2 MB: long ids; the answers
        # are ~14 kB each, ~28 MB in all) and reads nothing for a while
        slow = srv.raw(timeout=60)
        sent = []

        def flood():
            f = slow.makefile("wb")
            f.write(b'{"id":0,"op":"hello","version":1}\n')
            for k in range(1, 2001):
                f.write(b'{"id":[%d,"%s"],"op":"metrics"}\n' % (k, b"x" * 1000))
            f.flush()
            sent.append(True)
        t = threading.Thread(target=flood)
        t.start()
        time.sleep(1.0)
        ok(not sent, "the flooding client is blocked: the server stopped reading it")
        st = mon.status()
        ok(st["status"] == "serving", "another client is served meanwhile")
        grown = rss_kib(srv.p.pid) - rss0
        if os.environ.get("PVF_SANITIZED") == "1":
            # ASan keeps freed memory in quarantine, so RSS says nothing here.
            ok(True, f"the server holds a bounded amount for it # SKIP RSS is not "
               f"meaningful under ASan (RSS +{grown} KiB)")
        else:
            ok(grown < 16 * 1024, f"the server holds a bounded amount for it (RSS +{grown} KiB, "
               "28 MB of answers unread)")
        f = slow.makefile("rb")
        ids = [json.loads(f.readline())["id"] for _ in range(2001)]
        t.join(30)
        eq([i if i == 0 else i[0] for i in ids], list(range(2001)),
           "when it reads, every answer arrives once, in order")
        f.close()
        slow.close()
        # max-pending: 30 pipelined validations with --max-pending 8 all complete
        ids = [mon.validate(code_path=ADDER, params=params(GENESIS, 0, k, 1), send_only=True)
               for k in range(30)]
        answers = [mon.receive() for _ in ids]
        ok(sorted(a["id"] for a in answers) == ids and all(a["valid"] for a in answers),
           "30 pipelined validations with --max-pending 8: all answered, all valid")
        mon.close()
    finally:
        eq(srv.stop(), 0, "exit 0")
        srv.cleanup()


def scenario_malformed():
    srv = Server("--max-request", "8192", metrics=False)
    try:
        s = srv.raw()
        f = s.makefile("rwb")

        def err(line, code, name):
            nl = b"\n" if isinstance(line, bytes) else "\n"
            a = ask_raw(f, line if line.endswith(nl) else line + nl)
            ok(a is not None and a.get("ok") is False and a["error"]["code"] == code,
               f"{name}: {code}", a)
            return a

        err('{"id":1,"op":"status"}', "handshake_required", "before the hello")
        err('{"id":2,"op":"hello","version":99}', "unsupported_version", "unknown version")
        err('{"id":3,"op":"hello"}', "bad_request", "hello without a version")
        a = ask_raw(f, '{"id":"h","op":"hello","versions":[7,1]}\n')
        ok(a["ok"] and a["version"] == 1 and a["id"] == "h", "hello with a version list", a)
        err("this is not json", "bad_json", "not JSON")
        err("[1,2,3]", "bad_request", "a list")
        err("42", "bad_json", "a number (not an object or a list)")
        err('{"id":4}', "bad_request", "no op")
        err('{"id":5,"op":7}', "bad_request", "op not a string")
        err('{"id":6,"op":"frobnicate"}', "unknown_op", "unknown op")
        err('{"id":7,"op":"precheck"}', "bad_request", "precheck without code")
        err('{"id":8,"op":"precheck","code":"x.wasm"}', "bad_request", "code not an object")
        err('{"id":9,"op":"precheck","code":{"path":"/a","hex":"00"}}', "bad_request",
            "two code sources")
        err('{"id":10,"op":"precheck","code":{"hex":"0x123"}}', "bad_request", "odd hex")
        err('{"id":11,"op":"precheck","code":{"hex":"zz"}}', "bad_request", "non-hex")
        err('{"id":12,"op":"precheck","code":{"hash":"0x1234"}}', "bad_request", "short hash")
        err('{"id":13,"op":"precheck","code":{"hash":"0x' + "ab" * 32 + '"}}', "unknown_code",
            "unknown code hash")
        err('{"id":14,"op":"precheck","code":{"path":"/nonexistent/x.wasm"}}', "io",
            "missing file")
        err('{"id":15,"op":"precheck","code":{"path":"/a"},"prep_timout_ms":5}', "bad_request",
            "misspelt field")
        code = '{"path":"%s"}' % ADDER
        err('{"id":16,"op":"precheck","code":%s,"prep_timeout_ms":0}' % code, "bad_request",
            "zero timeout")
        err('{"id":17,"op":"precheck","code":%s,"prep_timeout_ms":-5}' % code, "bad_request",
            "negative timeout")
        err('{"id":18,"op":"precheck","code":%s,"prep_timeout_ms":"5"}' % code, "bad_request",
            "timeout as a string")
        err('{"id":19,"op":"precheck","code":%s,"prep_timeout_ms":1e300}' % code,
            "bad_request", "huge timeout")
        err('{"id":20,"op":"precheck","code":%s,"executor_params":"0x0499"}' % code,
            "bad_request", "bad executor params")
        err('{"id":21,"op":"validate","code":%s}' % code, "bad_request", "validate without "
            "params")
        err('{"id":22,"op":"validate","code":%s,"params":"0x00"}' % code, "bad_request",
            "params not ValidationParams")
        p = "0x" + params(GENESIS, 0, 1, 1).hex()
        err('{"id":23,"op":"validate","code":%s,"params":"%s","pov":"0x"}' % (code, p),
            "bad_request", "params and pov")
        err('{"id":24,"op":"validate","code":%s,"params":"%s","kind":"backing"}' % (code, p),
            "bad_request", "backing without relay parent")
        err('{"id":25,"op":"validate","code":%s,"params":"%s","kind":"urgent"}' % (code, p),
            "bad_request", "unknown kind")
        err('{"id":26,"op":"validate","code":%s,"pvd":{"parent_head":"0x"},"pov":"0x"}' % code,
            "bad_request", "incomplete pvd")
        err('{"id":27,"op":"validate","code":%s,"pvd":"0x01","pov":"0x"}' % code,
            "bad_request", "pvd not SCALE")
        err('{"id":28,"op":"heads_up","pvfs":{}}', "bad_request", "heads_up not a list")
        err('{"id":29,"op":"update_active_leaves","activated":{"hash":"0x00"}}',
            "bad_request", "short leaf hash")
        err('{"id":30,"op":"update_active_leaves","deactivated":"0x"}', "bad_request",
            "deactivated not a list")
        err('{"id":31,"op":"status","id":32}', "bad_json", "duplicate key")
        err("[" * 5000 + "]" * 5000, "too_large", "5000 nested lists (over the limit)")
        err("[" * 3000 + "]" * 3000, "bad_json", "3000 nested lists (too deep)")
        err('{"id":33,"op":"st\u0000atus"}', "bad_json", "a NUL byte")
        err(b'{"id":34,"op":"\xff\xfe"}\n', "bad_json", "invalid UTF-8")
        a = err("x" * 100000, "too_large", "a 100000-byte line with --max-request 8192")
        a = ask_raw(f, '{"id":35,"op":"status"}\r\n')
        ok(a and a["ok"] and a["id"] == 35, "CRLF line ending; the connection recovered "
           "from the long line", a)
        f.write(b"\n\n\n")
        a = ask_raw(f, bytes(range(1, 10)) + b"\x0b\x0c\x0e" + os.urandom(200).replace(
            b"\n", b"") + b"\n")
        ok(a and a["error"]["code"] == "bad_json", "binary garbage", a)
        a = ask_raw(f, '{"id":36,"op":"precheck","code":{"path":"%s"}}\n' % ADDER)
        ok(a and a["ok"] and a["accepted"] and a["id"] == 36,
           "a valid request after all that (empty lines got no answer)", a)
        # a line that stops without a newline at EOF
        s.shutdown(socket.SHUT_WR)
        f.close()
        s.close()
        s = srv.raw()
        s.sendall(b'{"op":"hello","version":1}\n{"id":37,"op":"status"')
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        lines = [json.loads(x) for x in data.splitlines()]
        ok(len(lines) == 2 and lines[1]["error"]["code"] == "bad_request",
           "a half-closed client gets its answers, then EOF; an unterminated line is "
           "refused", lines)
        s.close()
        # many garbage clients at once
        socks = [srv.raw() for _ in range(30)]
        for k, x in enumerate(socks):
            x.sendall(os.urandom(3000).replace(b"\n", b" ") + b"\n")
        answers = 0
        for x in socks:
            f = x.makefile("rb")
            line = f.readline()
            answers += bool(line) and json.loads(line)["ok"] is False
            f.close()
            x.close()
        eq(answers, 30, "30 clients sending garbage at once each get an error")
        with srv.client() as c:
            st = c.status()
            eq(st["status"], "serving", "the server survived")
    finally:
        eq(srv.stop(), 0, "exit 0")
        srv.cleanup()


def http_get(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def scenario_http():
    srv = Server()
    try:
        with srv.client() as c:
            c.validate(code_path=ADDER, params=params(GENESIS, 0, 2, 1))
        code, hdr, body = http_get(srv.url("/metrics"))
        eq(code, 200, "GET /metrics: 200")
        ok(hdr.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
           "Prometheus text content type", hdr)
        text = body.decode()
        ok("polkadot_pvf_execute_finished 1" in text.splitlines(),
           "the host's metrics: one execution finished", text[:2000])
        ok('polkadot_pvf_worker_spawned{flavor="prepare"} 1' in text,
           "a prepare worker was spawned", text[:2000])
        code, hdr, body = http_get(srv.url("/health"))
        eq(code, 200, "GET /health: 200")
        eq(hdr.get("Content-Type"), "application/json", "health is JSON")
        h = json.loads(body)
        eq(h["status"], "serving", "health: serving")
        ok(set(h["security"]) == {"secure_validator_mode", "can_enable_landlock",
                                  "can_enable_seccomp",
                                  "can_unshare_user_namespace_and_change_root",
                                  "can_do_secure_clone"}, "health: the security status",
           h["security"])
        ok(h["workers"]["execute"]["running"] == 1 and h["workers"]["execute"]["max"] == 4 and
           h["workers"]["prepare"]["hard_max"] == 2, "health: worker counts", h["workers"])
        code, hdr, body = http_get(srv.url("/health"), "HEAD")
        ok(code == 200 and body == b"" and int(hdr["Content-Length"]) > 0,
           "HEAD /health: headers only", (code, hdr, body))
        eq(http_get(srv.url("/nope"))[0], 404, "unknown path: 404")
        code, hdr, _ = http_get(srv.url("/metrics"), "POST")
        ok(code == 405 and hdr.get("Allow") == "GET, HEAD", "POST: 405 with Allow", hdr)
        eq(http_get(srv.url("/metrics?x=1"))[0], 200, "a query string is ignored")
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
            s.sendall(b"GARBAGE\r\n\r\n")
            ok(s.recv(100).startswith(b"HTTP/1.1 400"), "garbage request: 400")
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
            try:
                s.sendall(b"GET /" + b"a" * 9000)
                got = s.recv(100)
            except OSError as e:
                got = repr(e).encode()
            ok(got.startswith(b"HTTP/1.1 431"), "oversized request head: 431", got)
        curl = shutil.which("curl")
        if curl:
            p = subprocess.run([curl, "-sf", srv.url("/metrics")], capture_output=True,
                               timeout=30)
            ok(p.returncode == 0 and b"polkadot_pvf_execute_enqueued" in p.stdout,
               "curl fetches /metrics", p.stderr)
        # only the address given is bound
        out = subprocess.run(["cat", "/proc/net/tcp"], capture_output=True, text=True).stdout
        port_hex = f":{srv.port:04X} "
        binds = [l.split()[1] for l in out.splitlines()[1:]
                 if port_hex in l.split()[1] + " " and l.split()[3] == "0A"]
        ok(binds == ["0100007F" + port_hex.strip()], "bound to 127.0.0.1 only", binds)
        # command-line errors
        p = subprocess.run([PVF, "serve", "--socket", srv.sock + "2", "--cache", srv.cache + "2",
                            "--metrics", f"127.0.0.1:{srv.port}"], capture_output=True,
                           text=True, timeout=30)
        ok(p.returncode == 3 and "Address already in use" in p.stderr,
           "a metrics port in use: exit 3", p.stderr)
        ok(not os.path.exists(srv.sock + "2"), "... and no socket left behind")
        p = subprocess.run([PVF, "serve", "--socket", srv.sock, "--cache", srv.cache + "3"],
                           capture_output=True, text=True, timeout=30)
        ok(p.returncode == 3 and "another server" in p.stderr,
           "the socket of a live server is not taken over", p.stderr)
        p = subprocess.run([PVF, "serve", "--socket", srv.sock], capture_output=True,
                           text=True, timeout=30)
        eq(p.returncode, 2, "--cache missing: usage error")
        p = subprocess.run([PVF, "serve", "--socket", srv.sock, "--cache", srv.cache,
                            "--metrics", "localhost:80"], capture_output=True, text=True,
                           timeout=30)
        eq(p.returncode, 3, "--metrics needs a numeric address")
    finally:
        eq(srv.stop(), 0, "exit 0")
        srv.cleanup()
    # a stale socket file is replaced
    d = tempfile.mkdtemp(prefix="pvf-serve-stale-")
    os.chmod(d, 0o711)
    try:
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(os.path.join(d, "pvf.sock"))
        stale.close()
        p = subprocess.Popen([PVF, "serve", "--socket", os.path.join(d, "pvf.sock"), "--cache",
                              os.path.join(d, "cache")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        line = (read_lines(p.stdout, 1, 20) or [""])[0]
        ok(line.startswith("listening on"), "a stale socket file is replaced", line)
        p.send_signal(signal.SIGINT)
        eq(p.wait(30), 0, "SIGINT: exit 0")
        ok(not os.path.exists(os.path.join(d, "pvf.sock")), "the socket file is removed")
        p.stdout.close()
        p.stderr.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def scenario_sigterm():
    if not HALT:
        skip_rest("no halting PVF built")
    srv = Server("--exec-workers", "2")
    try:
        c = srv.client()
        hr = c.precheck(code_path=HALT)
        ids = [c.validate(code_hash=hr["code_hash"], params=params(GENESIS, 0, 1, 1),
                          exec_timeout_ms=1200, send_only=True) for _ in range(2)]
        ids += [c.validate(code_path=ADDER, params=params(GENESIS, 0, k, 1), send_only=True)
                for k in range(3)]
        ids += [c.send("precheck", code={"path": ADDER}) for _ in range(2)]
        st = c.request("status")["status"]   # answered after the 7 were submitted
        ok(st["requests_in_flight"] >= 2, "requests in flight before SIGTERM", st)
        t0 = time.monotonic()
        srv.p.send_signal(signal.SIGTERM)
        ok(wait_until(lambda: not os.path.exists(srv.sock), 5),
           "the socket file goes away at once (no new connections)")
        late = c.send("precheck", code={"path": ADDER})
        answers = {}
        while True:
            try:
                a = c.receive()
            except pvf_client.PvfError:
                break
            ok(a["id"] not in answers, f"request {a['id']} answered once")
            answers[a["id"]] = a
        eq(sorted(answers), sorted(ids + [late]), "every request was answered before exit")
        ok(all(answers[i]["ok"] for i in ids), "the in-flight ones completed",
           [answers.get(i) for i in ids])
        eq([answers[i]["outcome"] for i in ids[:2]], ["invalid: hard timeout"] * 2,
           "the long ones ran to their end")
        eq(answers[late].get("error", {}).get("code"), "shutting_down",
           "a request after SIGTERM: shutting_down")
        eq(srv.p.wait(30), 0, f"exit 0 ({time.monotonic() - t0:.1f} s after SIGTERM)")
        ok("stopping; " in srv.stderr() and "stopped:" in srv.stderr(), "logged the stop",
           srv.stderr()[-2000:])
        c.close()
    finally:
        srv.cleanup()
    # --shutdown-timeout: what does not finish in time is answered "cancelled"
    srv = Server("--shutdown-timeout", "0.5", metrics=False)
    try:
        c = srv.client()
        hr = c.precheck(code_path=HALT)
        i = c.validate(code_hash=hr["code_hash"], params=params(GENESIS, 0, 1, 1),
                       exec_timeout_ms=20000, send_only=True)
        c.request("status")
        time.sleep(0.2)
        t0 = time.monotonic()
        srv.p.send_signal(signal.SIGTERM)
        a = c.wait(i)
        eq(a["status"], "cancelled", "past --shutdown-timeout a request is cancelled")
        eq(srv.p.wait(30), 0, "exit 0")
        ok(time.monotonic() - t0 < 5, f"within the timeout ({time.monotonic() - t0:.1f} s)")
        c.close()
    finally:
        srv.cleanup()


def scenario_client():
    srv = Server(metrics=False)
    cli = [sys.executable, os.path.join(CLIENT_DIR, "pvf_client.py"), "--socket", srv.sock]
    try:
        def run(*args):
            return subprocess.run(cli + list(args), capture_output=True, text=True, timeout=60)
        p = run("precheck", ADDER)
        ok(p.returncode == 0 and p.stdout.strip() == "accepted", "pvf_client.py precheck",
           p.stdout + p.stderr)
        pfile = os.path.join(srv.dir, "params.hex")
        with open(pfile, "w") as f:
            f.write(params(GENESIS, 0, 5, 1).hex())
        p = run("validate", ADDER, "--params", "@" + pfile)
        ok(p.returncode == 0 and p.stdout.startswith("valid (head 0x0100000000000000"),
           "pvf_client.py validate: valid, head number 1", p.stdout + p.stderr)
        p = run("--by-path", "--json", "validate", ADDER, "--params",
                params(GENESIS, 1, 5, 1).hex())
        ok(p.returncode == 1 and json.loads(p.stdout)["status"] == "invalid",
           "a block on the wrong state: invalid, exit 1", p.stdout + p.stderr)
        if SIGNEXT:
            p = run("precheck", SIGNEXT)
            ok(p.returncode == 1 and "prevalidation" in p.stdout,
               "a sign-ext module is rejected, exit 1", p.stdout + p.stderr)
        p = run("status")
        ok(p.returncode == 0 and json.loads(p.stdout)["status"] == "serving",
           "pvf_client.py status", p.stdout + p.stderr)
        p = run("metrics")
        ok(p.returncode == 0 and "polkadot_pvf_execute_finished 2" in p.stdout.splitlines(),
           "pvf_client.py metrics", p.stdout[-500:] + p.stderr)
        p = subprocess.run(cli[:2] + ["--socket", srv.sock + ".none", "status"],
                           capture_output=True, text=True, timeout=60)
        eq(p.returncode, 3, "no server: exit 3")
        # the module: pre-check, then validate by code hash, chained
        with pvf_client.Client(srv.sock, timeout=30) as c:
            code = open(ADDER, "rb").read()
            r = c.precheck(code=code)
            ok(r["accepted"], "Client.precheck(code=bytes)")
            head, state = GENESIS, 0
            for i in range(3):
                r = c.validate(code_hash=r["code_hash"], params=params(head, state, 2, i),
                               kind="backing", relay_parent=bytes(32))
                if not r["valid"]:
                    break
                head, state = bytes.fromhex(r["head_data"][2:]), state + 2
            ok(r["valid"] and int.from_bytes(head[:8], "little") == 3,
               "Client.validate by code hash: a chain of three backing validations", r)
            r = c.update_active_leaves(activated=b"\x01" * 32, ancestors=[bytes(32)])
            ok(r["ok"], "Client.update_active_leaves")
            try:
                c.validate(code_hash=b"\x02" * 32, params=params(head, state, 1, 1))
                ok(False, "an unknown code hash raises PvfError")
            except pvf_client.PvfError as e:
                eq(e.code, "unknown_code", "an unknown code hash raises PvfError")
    finally:
        eq(srv.stop(), 0, "exit 0")
        srv.cleanup()


SCENARIOS = {
    "concurrent": scenario_concurrent,
    "disconnect": scenario_disconnect,
    "backpressure": scenario_backpressure,
    "malformed": scenario_malformed,
    "http": scenario_http,
    "sigterm": scenario_sigterm,
    "client": scenario_client,
}
if SCENARIO not in SCENARIOS:
    sys.exit(f"unknown scenario {SCENARIO}; one of {', '.join(SCENARIOS)}")
try:
    SCENARIOS[SCENARIO]()
except Exception as e:  # noqa: BLE001
    import traceback
    ok(False, f"scenario {SCENARIO} raised {e!r}", traceback.format_exc())
done()
