#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A small client of `pvf serve` (protocol version 1, docs/service.md).

Standard library only. As a module:

    from pvf_client import Client, validation_params
    with Client("/run/pvf/pvf.sock") as c:
        r = c.precheck(code_path="/path/to/code.wasm")
        print(r["accepted"], r["code_hash"])
        r = c.validate(code_hash=r["code_hash"],
                       params=validation_params(head, block, 7, bytes(32)))
        print(r["valid"], r["outcome"])

As a command:

    pvf_client.py --socket S precheck CODE
    pvf_client.py --socket S validate CODE --params HEX|@FILE [--kind K] ...
    pvf_client.py --socket S status | metrics

Exit status: 0 accepted/valid; 1 rejected (deterministic error, timeout,
runtime construction) or invalid/possibly invalid; 2 usage; 3 error
(connection, error answer, other preparation failures, internal errors).
"""
import argparse
import itertools
import json
import os
import socket
import sys

PROTOCOL_VERSION = 1


class PvfError(Exception):
    """An error answer ({"ok": false}) or a broken connection."""

    def __init__(self, code, message, answer=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.answer = answer


def compact(n):
    """SCALE compact encoding of a non-negative integer."""
    if n < 1 << 6:
        return bytes([n << 2])
    if n < 1 << 14:
        return ((n << 2) | 1).to_bytes(2, "little")
    if n < 1 << 30:
        return ((n << 2) | 2).to_bytes(4, "little")
    b = n.to_bytes((n.bit_length() + 7) // 8, "little")
    return bytes([((len(b) - 4) << 2) | 3]) + b


def validation_params(parent_head, block_data, relay_parent_number, storage_root=bytes(32)):
    """SCALE ValidationParams: the input of validate_block."""
    if len(storage_root) != 32:
        raise ValueError("storage_root must be 32 bytes")
    return (compact(len(parent_head)) + bytes(parent_head) + compact(len(block_data)) +
            bytes(block_data) + relay_parent_number.to_bytes(4, "little") + bytes(storage_root))


def _hex(b):
    return "0x" + bytes(b).hex()


class Client:
    """One connection. Requests may be pipelined with send()/receive();
    request() sends one and waits for its answer, keeping others that
    arrive first for later receive() calls."""

    def __init__(self, path, timeout=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.rfile = self.sock.makefile("rb")
        self.ids = itertools.count(1)
        self.early = {}
        self.version = self.request("hello", versions=[PROTOCOL_VERSION])["version"]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.rfile.close()
        self.sock.close()

    def send(self, op, **fields):
        """Sends a request; returns its id."""
        rid = next(self.ids)
        req = {"id": rid, "op": op}
        req.update({k: v for k, v in fields.items() if v is not None})
        self.sock.sendall((json.dumps(req, separators=(",", ":")) + "\n").encode())
        return rid

    def receive(self):
        """The next answer, in completion order."""
        if self.early:
            return self.early.pop(next(iter(self.early)))
        line = self.rfile.readline()
        if not line:
            raise PvfError("closed", "the server closed the connection")
        return json.loads(line)

    def wait(self, rid):
        """The answer to request rid (raises PvfError for an error answer)."""
        ans = self.early.pop(rid, None)
        while ans is None:
            line = self.rfile.readline()
            if not line:
                raise PvfError("closed", "the server closed the connection")
            a = json.loads(line)
            if a.get("id") == rid:
                ans = a
            else:
                self.early[a.get("id")] = a
        if not ans.get("ok"):
            err = ans.get("error", {})
            raise PvfError(err.get("code", "?"), err.get("message", ""), ans)
        return ans

    def request(self, op, **fields):
        return self.wait(self.send(op, **fields))

    @staticmethod
    def code_spec(code=None, code_path=None, code_hash=None):
        """Exactly one of: the code bytes, a path the server can read, or the
        hash of code the server has seen."""
        given = [x is not None for x in (code, code_path, code_hash)]
        if sum(given) != 1:
            raise ValueError("give exactly one of code, code_path and code_hash")
        if code is not None:
            return {"hex": _hex(code)}
        if code_path is not None:
            return {"path": os.path.abspath(code_path)}
        return {"hash": code_hash if isinstance(code_hash, str) else _hex(code_hash)}

    def precheck(self, code=None, code_path=None, code_hash=None, executor_params=None,
                 prep_timeout_ms=None):
        return self.request("precheck", code=self.code_spec(code, code_path, code_hash),
                            executor_params=None if executor_params is None
                            else _hex(executor_params),
                            prep_timeout_ms=prep_timeout_ms)

    def validate(self, code=None, code_path=None, code_hash=None, params=None, pvd=None,
                 pov=None, kind=None, relay_parent=None, exec_timeout_ms=None,
                 executor_params=None, send_only=False):
        """params: SCALE ValidationParams (bytes), or pvd (a dict with bytes
        values, or SCALE bytes) and pov (bytes). kind: "backing",
        "backing-system-parachain", "approval" (default) or "dispute"."""
        if isinstance(pvd, dict):
            pvd = {k: _hex(v) if isinstance(v, (bytes, bytearray)) else v
                   for k, v in pvd.items()}
        elif pvd is not None:
            pvd = _hex(pvd)
        fields = dict(code=self.code_spec(code, code_path, code_hash),
                      params=None if params is None else _hex(params), pvd=pvd,
                      pov=None if pov is None else _hex(pov), kind=kind,
                      relay_parent=None if relay_parent is None else _hex(relay_parent),
                      exec_timeout_ms=exec_timeout_ms,
                      executor_params=None if executor_params is None
                      else _hex(executor_params))
        if send_only:
            return self.send("validate", **fields)
        return self.request("validate", **fields)

    def heads_up(self, code_hashes):
        return self.request("heads_up", pvfs=[{"code": self.code_spec(code_hash=h)}
                                              for h in code_hashes])

    def update_active_leaves(self, activated=None, ancestors=(), deactivated=()):
        act = None
        if activated is not None:
            act = {"hash": _hex(activated), "ancestors": [_hex(a) for a in ancestors]}
        return self.request("update_active_leaves", activated=act,
                            deactivated=[_hex(d) for d in deactivated])

    def status(self):
        return self.request("status")["status"]

    def metrics(self):
        return self.request("metrics")["metrics"]


def _bytes_arg(s):
    """HEX, 0xHEX or @FILE (raw bytes, or hex text)."""
    if s.startswith("@"):
        with open(s[1:], "rb") as f:
            data = f.read()
        try:
            txt = data.decode().strip()
            return bytes.fromhex(txt[2:] if txt.startswith("0x") else txt)
        except ValueError:
            return data
    return bytes.fromhex(s[2:] if s.startswith("0x") else s)


def main(argv=None):
    ap = argparse.ArgumentParser(description="client of pvf serve")
    ap.add_argument("--socket", required=True, help="the server's Unix socket")
    ap.add_argument("--by-path", action="store_true",
                    help="send the code's path instead of its bytes")
    ap.add_argument("--json", action="store_true", help="print the whole answer")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("precheck")
    p.add_argument("code")
    p.add_argument("--prep-timeout-ms", type=int)
    v = sub.add_parser("validate")
    v.add_argument("code")
    v.add_argument("--params", required=True, type=_bytes_arg,
                   help="SCALE ValidationParams: HEX or @FILE")
    v.add_argument("--kind", default="approval",
                   choices=["backing", "backing-system-parachain", "approval", "dispute"])
    v.add_argument("--relay-parent", type=_bytes_arg)
    v.add_argument("--exec-timeout-ms", type=int)
    sub.add_parser("status")
    sub.add_parser("metrics")
    try:
        a = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        with Client(a.socket) as c:
            code = {}
            if a.cmd in ("precheck", "validate"):
                if a.by_path:
                    code["code_path"] = a.code
                else:
                    with open(a.code, "rb") as f:
                        code["code"] = f.read()
            if a.cmd == "precheck":
                r = c.precheck(prep_timeout_ms=a.prep_timeout_ms, **code)
                rc = 0 if r["accepted"] else 1 if (
                    r.get("deterministic") or r.get("kind") in ("timeout",
                                                                "runtime_construction")) else 3
                text = "accepted" if rc == 0 else "rejected: " + r.get("error", "")
            elif a.cmd == "validate":
                r = c.validate(params=a.params, kind=a.kind, relay_parent=a.relay_parent,
                               exec_timeout_ms=a.exec_timeout_ms, **code)
                rc = {"valid": 0, "invalid": 1, "possibly_invalid": 1}.get(r["status"], 3)
                text = r["outcome"] + (f" (head {r['head_data']})" if rc == 0 else "")
            elif a.cmd == "status":
                r, rc = c.status(), 0
                text = json.dumps(r, indent=2)
            else:
                r, rc = c.metrics(), 0
                text = r.rstrip("\n")
    except (OSError, PvfError, ValueError) as e:
        print(f"pvf_client: {e}", file=sys.stderr)
        return 3
    print(json.dumps(r) if a.json else text)
    return rc


if __name__ == "__main__":
    sys.exit(main())
