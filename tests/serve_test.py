"""tests/serve_test.py - `fakejob serve` end to end: each endpoint and error code over real
sockets on an ephemeral port, results byte-identical to `fakejob score` / `fakejob signals`,
feedback written durably, API keys, CORS, limits (413, 415, 405, connection cap 503, idle
timeout against a slow client), connections spread over the worker threads, the access log's
privacy and its queue (a log reader that stops reading stalls no request), reload under load (SIGHUP, a bad
bundle keeping the old model) and draining on SIGTERM.

Run by tests/serve.sh (make check) with FAKEJOB_CLI and FAKEJOB_SRCDIR set; the standard library
only (urllib, http.client, socket).
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

CLI = os.environ.get("FAKEJOB_CLI", "./fakejob")
SRC = os.environ.get("FAKEJOB_SRCDIR", ".")
TMP = tempfile.mkdtemp(prefix="fj-serve-test-")
OBSERVED = "2026-01-01T00:00:00Z"  # fixed, so that both sides see the same posting ages
MARKER = "PRIVATE-MARKER-7f3a"  # posting text that must never reach the log


class Server:
    """A `fakejob serve` process on 127.0.0.1:0; its address is read from the first log line."""

    def __init__(self, *args):
        self.log_path = os.path.join(TMP, "serve-%d.log" % id(self))
        self.log = open(self.log_path, "w+b")
        self.proc = subprocess.Popen([CLI, "serve", "--listen", "127.0.0.1:0"] + list(args),
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 60
        self.addr = None
        while time.time() < deadline and self.addr is None:
            if self.proc.poll() is not None:
                raise AssertionError("serve exited with %d: %s" % (self.proc.returncode,
                                                                   self.log_text()))
            m = re.search(r'"event":"listening","address":"([^"]+)"', self.log_text())
            if m:
                self.addr = m.group(1)
            else:
                time.sleep(0.05)
        assert self.addr, "no listening line: " + self.log_text()
        self.host, port = self.addr.rsplit(":", 1)
        self.port = int(port)
        self.url = "http://%s" % self.addr

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout)
        self.log.close()
        return rc


def request(srv, method, path, body=None, headers=None, timeout=30):
    """(status, headers dict with lower-case names, body bytes)."""
    h = dict(headers or {})
    data = body if body is None or isinstance(body, bytes) else body.encode("utf-8")
    if data is not None and "Content-Type" not in h:
        h["Content-Type"] = "application/json"
    req = urllib.request.Request(srv.url + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def cli(*args, stdin=None):
    return subprocess.run([CLI] + list(args), input=stdin, capture_output=True, check=True).stdout


def postings():
    """The project's corpus postings with a fixed observed_at, as JSONL lines (bytes)."""
    out = []
    for name in sorted(os.listdir(os.path.join(SRC, "corpus"))):
        if name.endswith(".jsonl"):
            with open(os.path.join(SRC, "corpus", name), encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        p = json.loads(line)
                        p.setdefault("observed_at", OBSERVED)
                        out.append(json.dumps(p, ensure_ascii=False).encode("utf-8"))
    return out


def write_lines(name, lines):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(b"".join(l + b"\n" for l in lines))
    return path


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def wait_for(cond, what, timeout=30):
    deadline = time.time() + timeout
    while not cond():
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


def error_of(body):
    j = json.loads(body)
    expect(isinstance(j, dict) and "error" in j and "id" in j, "not an error object: %r" % body)
    return j["error"]


# ---------------------------------------------------------------------------------------------

def test_health_model_page(s):
    st, h, b = request(s, "GET", "/healthz")
    expect(st == 200 and json.loads(b)["status"] == "ok", "healthz %d %r" % (st, b))
    st, h, b = request(s, "GET", "/readyz")
    expect(st == 200 and json.loads(b)["status"] == "ready", "readyz %d" % st)
    st, h, b = request(s, "GET", "/v1/model")
    m = json.loads(b)
    expect(st == 200, "model %d" % st)
    for k in ("name", "version", "model", "languages", "thresholds", "prior"):
        expect(k in m, "GET /v1/model lacks %s: %r" % (k, m))
    expect(set(m["languages"]) == {"zh", "en"}, m["languages"])
    # the library's labels of every red flag, for the page's flags list
    labels = m.get("signal_labels", {})
    expect(set(labels) == set(cli("signals", "--list").decode().split()),
           "signal_labels do not name every signal: %r" % sorted(labels))
    expect(labels.get("upfront_fee") == {"zh": "要求求职者付费", "en": "Asks the applicant to pay"},
           labels.get("upfront_fee"))
    for lang in m["languages"]:
        t = m["thresholds"][lang]
        expect(0 <= t["suspicious"] <= t["fraud"] <= 1, t)
    expect(cli("score", stdin=b'{"title":"x"}\n').decode().rstrip().endswith('"model":"%s"}' % m["model"]),
           "the model name differs from the CLI's")
    st, h, b = request(s, "GET", "/")
    expect(st == 200 and h["content-type"].startswith("text/html"), "page %d" % st)
    expect("script-src 'self'" in h.get("content-security-policy", ""), "no CSP on the page")
    expect(b'<script src="/page.js">' in b, "the page loads its own script")
    st, h, b = request(s, "GET", "/page.js")
    expect(st == 200 and b"textContent" in b and b"innerHTML" not in b, "page.js")


def test_score_identical_to_cli(s):
    lines = postings()
    path = write_lines("corpus.jsonl", lines)
    want = cli("score", path)
    # the whole corpus as one JSONL body
    st, h, got = request(s, "POST", "/v1/score", b"".join(l + b"\n" for l in lines),
                         {"Content-Type": "application/x-ndjson"})
    expect(st == 200 and h["content-type"] == "application/x-ndjson", "jsonl %d" % st)
    expect(got == want, "JSONL results differ from fakejob score")
    want_lines = want.decode("utf-8").splitlines()
    # single postings, one request each
    for i in range(0, len(lines), 37):
        st, h, got = request(s, "POST", "/v1/score", lines[i])
        expect(st == 200, "single %d: %r" % (st, got))
        expect(got.decode("utf-8") == want_lines[i], "posting %d differs from fakejob score" % i)
    # a JSON array: one array of the same result objects
    st, h, got = request(s, "POST", "/v1/score", b"[" + b",".join(lines[:20]) + b"]")
    expect(st == 200, "array %d" % st)
    expect(got.decode("utf-8") == "[" + ",".join(want_lines[:20]) + "]", "array results differ")
    # evidence spans point at the posting's own bytes
    spans = 0
    for line, res in zip(lines, want_lines):
        p, r = json.loads(line), json.loads(res)
        for rs in r.get("reasons", []):
            if "field" in rs:
                text = p[rs["field"]].encode("utf-8")
                expect(text[rs["start"]:rs["end"]].decode("utf-8") == rs["evidence"],
                       "span of %s in %s" % (rs["signal"], r["id"]))
                spans += 1
        expect(isinstance(r.get("flags"), list), "no flags in %s" % r["id"])
        # every reason says what it means in both languages, no fact twice
        for rs in r.get("reasons", []) + [x for rs in r.get("reasons", []) for x in rs.get("missing", [])]:
            zh_en = rs.get("label", "").split(" / ")
            expect(len(zh_en) == 2 and all(zh_en), "label of %s in %s" % (rs["signal"], r["id"]))
        names = [rs["signal"] for rs in r.get("reasons", [])]
        expect(len(names) == len(set(names)), "a reason twice in %s: %r" % (r["id"], names))
    expect(spans > 100, "only %d evidence spans" % spans)


def test_score_errors(s):
    bad = b'{"id":"b1","title":"x","posted_at":"yesterday"}'
    good = b'{"id":"g1","title":"Data entry clerk","description":"Pay the training fee first."}'
    # request headers are bounded by the connection's memory (16 KiB): 10 KB pass, 20 KB do not
    st, h, b = request(s, "GET", "/healthz", headers={"X-Pad": "a" * 10000})
    expect(st == 200, "10 KB of headers: %d" % st)
    st, h, b = request(s, "GET", "/healthz", headers={"X-Pad": "a" * 20000})
    expect(st == 431, "20 KB of headers: %d" % st)
    st, h, b = request(s, "POST", "/v1/score", b'{"title":')
    e = error_of(b)
    expect(st == 400 and e["code"] == "input" and "offset" in e, "malformed JSON: %d %r" % (st, b))
    st, h, b = request(s, "POST", "/v1/score", bad)
    e = json.loads(b)
    expect(st == 400 and e["id"] == "b1" and e["error"]["field"] == "posted_at", b)
    # the CLI's error result for the same line
    want = json.loads(cli("score", stdin=bad + b"\n"))
    expect(want["error"]["code"] == e["error"]["code"] and want["error"]["field"] == "posted_at",
           "error object differs from the CLI's")
    # in a batch: an error result in its place, the others scored
    st, h, b = request(s, "POST", "/v1/score", good + b"\n\n" + bad + b"\n" + good + b"\n",
                       {"Content-Type": "application/x-ndjson"})
    out = [json.loads(l) for l in b.decode().splitlines()]
    expect(st == 200 and len(out) == 3, "batch with an error: %d %r" % (st, b))
    expect("verdict" in out[0] and "verdict" in out[2] and out[1]["error"]["line"] == 3, out)
    st, h, b = request(s, "POST", "/v1/score", b"[" + good + b"," + bad + b"]")
    out = json.loads(b)
    expect(st == 200 and "verdict" in out[0] and out[1]["error"]["field"] == "posted_at", out)
    for body in (b"[", b'[{"title":"x"},]', b'[{"title":"x"}] x'):
        st, h, b = request(s, "POST", "/v1/score", body)
        expect(st == 400 and error_of(b)["code"] == "input", "bad array %r: %d" % (body, st))
    st, h, b = request(s, "POST", "/v1/score", b"  \n ")
    expect(st == 400 and error_of(b)["code"] == "input", "empty body: %d" % st)
    st, h, b = request(s, "GET", "/v1/nothing")
    expect(st == 404 and error_of(b), "404: %d" % st)
    st, h, b = request(s, "GET", "/v1/score")
    expect(st == 405 and "POST" in h.get("allow", "") and error_of(b), "405: %d %r" % (st, h))
    st, h, b = request(s, "POST", "/v1/model", b"{}")
    expect(st == 405 and "GET" in h.get("allow", ""), "405 on model: %d" % st)
    st, h, b = request(s, "POST", "/v1/score", good, {"Content-Type": "text/plain"})
    expect(st == 415 and error_of(b)["code"] == "input", "415: %d" % st)
    st, h, b = request(s, "POST", "/v1/score", good, {"Content-Type": "application/json; charset=utf-8"})
    expect(st == 200, "charset parameter refused: %d" % st)
    # the body limit (--max-body 65536): with a Content-Length, and chunked
    big = b'{"title":"x","description":"' + b"a" * 70000 + b'"}'
    st, h, b = request(s, "POST", "/v1/score", big)
    expect(st == 413 and error_of(b)["code"] == "limit", "413: %d" % st)
    c = http.client.HTTPConnection(s.host, s.port, timeout=30)
    c.putrequest("POST", "/v1/score")
    c.putheader("Content-Type", "application/json")
    c.putheader("Transfer-Encoding", "chunked")
    c.endheaders()
    for i in range(0, len(big), 8192):
        chunk = big[i:i + 8192]
        c.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    c.send(b"0\r\n\r\n")
    r = c.getresponse()
    expect(r.status == 413, "chunked 413: %d" % r.status)
    c.close()
    # too many postings (--max-postings 50)
    st, h, b = request(s, "POST", "/v1/score", b"\n".join([good] * 51),
                       {"Content-Type": "application/x-ndjson"})
    expect(st == 413 and error_of(b)["code"] == "limit", "too many postings: %d" % st)
    # the service is still fine
    st, h, b = request(s, "POST", "/v1/score", good)
    expect(st == 200 and json.loads(b)["id"] == "g1", "after the errors: %d" % st)


def test_signals_identical_to_cli(s):
    lines = postings()[:60]
    path = write_lines("signals.jsonl", lines)
    want = cli("signals", path)
    st, h, got = request(s, "POST", "/v1/signals", b"\n".join(lines),
                         {"Content-Type": "application/x-ndjson"})
    expect(st == 200 and got == want, "signals differ from fakejob signals")
    st, h, got = request(s, "POST", "/v1/signals", lines[0])
    expect(st == 200 and got.decode() == want.decode().splitlines()[0], "single signals")
    st, h, got = request(s, "POST", "/v1/signals", b'{"title":1}')
    expect(st == 400 and error_of(got)["field"] == "title", "signals error: %d %r" % (st, got))


def test_feedback(s, path):
    p = {"id": "fb-1", "title": "打字员", "description": "日结300，入职前需缴纳培训费198元", "label": "fraud"}
    st, h, b = request(s, "POST", "/v1/feedback", json.dumps(p, ensure_ascii=False))
    expect(st == 201 and json.loads(b)["stored"] is True, "feedback %d %r" % (st, b))
    with open(path, encoding="utf-8") as f:
        stored = [json.loads(l) for l in f]
    expect(len(stored) == 1 and stored[0]["label"] == "fraud" and stored[0]["id"] == "fb-1", stored)
    expect(stored[0]["description"] == p["description"], "the posting text is kept verbatim")
    # the file is a corpus that the CLI reads
    cli("signals", "--strict", path)
    st, h, b = request(s, "POST", "/v1/feedback", '{"title":"x"}')
    expect(st == 400 and error_of(b)["field"] == "label", "feedback without label: %d" % st)
    st, h, b = request(s, "POST", "/v1/feedback", '{"title":"x","label":"maybe"}')
    expect(st == 400 and error_of(b)["field"] == "label", "bad label: %d %r" % (st, b))
    with open(path, encoding="utf-8") as f:
        expect(len(f.readlines()) == 1, "a refused label was written")


def test_cors_and_request_id(s):
    o = "chrome-extension://abcdefghijklmnop"
    st, h, b = request(s, "OPTIONS", "/v1/score", headers={
        "Origin": o, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization"})
    expect(st == 204, "preflight %d" % st)
    expect(h.get("access-control-allow-origin") == o, h)
    expect("POST" in h.get("access-control-allow-methods", ""), h)
    expect("authorization" in h.get("access-control-allow-headers", "").lower(), h)
    st, h, b = request(s, "OPTIONS", "/v1/score", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    expect(st == 403 and "access-control-allow-origin" not in h, "foreign preflight: %d" % st)
    st, h, b = request(s, "OPTIONS", "/v1/score", headers={
        "Origin": o, "Access-Control-Request-Method": "DELETE"})
    expect(st == 403, "preflight of a wrong method: %d" % st)
    st, h, b = request(s, "POST", "/v1/score", '{"title":"x"}', {"Origin": o})
    expect(st == 200 and h.get("access-control-allow-origin") == o, "CORS on POST")
    st, h, b = request(s, "POST", "/v1/score", '{"title":"x"}', {"Origin": "https://evil.example"})
    expect(st == 200 and "access-control-allow-origin" not in h, "CORS for a foreign origin")
    st, h, b = request(s, "GET", "/healthz", headers={"X-Request-Id": "abc-123"})
    expect(h.get("x-request-id") == "abc-123", "request id not echoed: %r" % h)
    st, h, b = request(s, "GET", "/healthz", headers={"X-Request-Id": "bad id\x7f"})
    rid = h.get("x-request-id", "")
    expect(rid and rid != "bad id\x7f" and re.match(r"^[0-9a-f]{8}-\d+$", rid), rid)


def test_metrics_and_log(s):
    marker = {"id": "m1", "title": "Clerk", "description": "Call %s for details." % MARKER}
    st, h, b = request(s, "POST", "/v1/score", json.dumps(marker))
    expect(st == 200, "marker posting %d" % st)
    st, h, b = request(s, "GET", "/metrics")
    t = b.decode()
    expect(st == 200 and h["content-type"].startswith("text/plain"), "metrics %d" % st)
    for want in ('fakejob_http_requests_total{endpoint="/v1/score",code="200"}',
                 'fakejob_http_request_errors_total{endpoint="/v1/signals",code="400"}',
                 'fakejob_http_request_duration_seconds_bucket{le="+Inf"}',
                 "fakejob_http_request_duration_seconds_count", 'fakejob_verdicts_total{verdict="fraud"}',
                 "fakejob_postings_scored_total", "fakejob_model_load_seconds",
                 "fakejob_feedback_total 1"):
        expect(want in t, "metrics lack %s" % want)
    # this request is in flight; the one before it may still be finishing on its worker (the
    # service counts a request out after its response is sent, the client may already be here)
    flying = re.search(r"^fakejob_http_requests_in_flight (\d+)$", t, re.M)
    expect(flying and 1 <= int(flying.group(1)) <= 2, "requests in flight: %r" % (flying and flying.group(0)))
    scored = int(re.search(r"^fakejob_postings_scored_total (\d+)$", t, re.M).group(1))
    expect(scored >= 540, "postings scored: %d" % scored)
    log = s.log_text()
    expect(MARKER not in log, "posting text in the access log")
    expect("入职前" not in log and "training fee" not in log, "posting text in the access log")
    lines = [json.loads(l) for l in log.splitlines() if l.startswith("{")]
    access = [l for l in lines if "status" in l]
    expect(len(access) > 20, "access log lines: %d" % len(access))
    for k in ("ts", "id", "method", "endpoint", "status", "ms"):
        expect(k in access[-1], "access log lacks %s" % k)
    expect(all("nothing" not in json.dumps(l) for l in access), "unknown paths are logged")


def test_api_keys():
    keyfile = os.path.join(TMP, "keys")
    digest = subprocess.run([CLI, "serve", "--hash-key"], input=b"s3cret-key\n",
                            capture_output=True, check=True).stdout.decode().strip()
    expect(re.match(r"^[0-9a-f]{64}$", digest), digest)
    expect("s3cret" not in digest, "the key itself is not stored")
    with open(keyfile, "w") as f:
        f.write("# service keys\n%s\n%s\n" % ("0" * 64, digest))
    s = Server("--api-keys", keyfile, "--threads", "1")
    try:
        st, h, b = request(s, "POST", "/v1/score", '{"title":"x"}')
        expect(st == 401 and h.get("www-authenticate") == "Bearer" and error_of(b), "no key: %d" % st)
        st, h, b = request(s, "POST", "/v1/score", '{"title":"x"}', {"Authorization": "Bearer wrong"})
        expect(st == 401, "wrong key: %d" % st)
        st, h, b = request(s, "POST", "/v1/score", '{"title":"x"}',
                           {"Authorization": "Bearer s3cret-key"})
        expect(st == 200, "right key: %d" % st)
        st, h, b = request(s, "GET", "/metrics")
        expect(st == 401, "metrics without a key: %d" % st)
        st, h, b = request(s, "GET", "/healthz")
        expect(st == 200, "healthz needs no key: %d" % st)
        st, h, b = request(s, "POST", "/v1/feedback", '{"title":"x","label":"fraud"}',
                           {"Authorization": "Bearer s3cret-key"})
        expect(st == 404, "feedback is off without --feedback: %d" % st)
        st, h, b = request(s, "OPTIONS", "/v1/score", headers={
            "Origin": "chrome-extension://x", "Access-Control-Request-Method": "POST"})
        expect(st == 403 and "access-control-allow-origin" not in h, "CORS is off by default")
    finally:
        expect(s.stop() == 0, "exit status")
    r = subprocess.run([CLI, "serve", "--listen", "0.0.0.0:0"], capture_output=True, timeout=60)
    expect(r.returncode == 2 and b"--api-keys" in r.stderr, "beyond loopback without keys: %r" % (r,))
    with open(keyfile, "w") as f:
        f.write("not-a-digest\n")
    r = subprocess.run([CLI, "serve", "--listen", "127.0.0.1:0", "--api-keys", keyfile],
                       capture_output=True, timeout=60)
    expect(r.returncode == 3 and b":1:" in r.stderr, "bad key file: %r" % (r,))


def test_connection_cap_and_slow_clients():
    s = Server("--threads", "1", "--max-connections", "4", "--timeout", "2")
    held = []
    try:
        # a slow client that sent half a request line and stops: it holds no worker thread
        slow = socket.create_connection((s.host, s.port))
        slow.sendall(b"POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Le")
        t0 = time.time()
        st, h, b = request(s, "POST", "/v1/score", '{"title":"x"}', timeout=5)
        expect(st == 200 and time.time() - t0 < 3, "served beside a slow client")
        # the idle timeout closes it
        slow.settimeout(10)
        t0 = time.time()
        data = slow.recv(100)
        expect(data == b"" or data.startswith(b"HTTP/1.1 4"), "slow client got %r" % data)
        expect(time.time() - t0 < 8, "the slow client was not cut off")
        slow.close()
        # the cap: idle connections up to it, then 503 with Retry-After
        for _ in range(5):
            held.append(socket.create_connection((s.host, s.port)))
        time.sleep(0.3)
        st, h, b = request(s, "GET", "/healthz")
        expect(st == 503 and h.get("retry-after") == "1" and error_of(b), "cap: %d %r" % (st, h))
        for c in held:
            c.close()
        held = []
        time.sleep(0.3)
        st, h, b = request(s, "GET", "/healthz")
        expect(st == 200, "after the cap: %d" % st)
        st, h, b = request(s, "GET", "/metrics")
        expect(re.search(r"^fakejob_http_connections_refused_total [1-9]", b.decode(), re.M),
               "refused connections are counted")
    finally:
        for c in held:
            c.close()
        expect(s.stop() == 0, "exit status")


def test_reload_under_load():
    model = os.path.join(TMP, "model")
    shutil.copytree(os.path.join(SRC, "models", "default"), model)
    s = Server("--model", model, "--threads", "2")
    lines = postings()[:40]
    want = cli("score", "--model", model, write_lines("reload.jsonl", lines)).decode().splitlines()
    stop = threading.Event()
    failures, done = [], [0]

    def load():
        c = http.client.HTTPConnection(s.host, s.port, timeout=30)
        i = 0
        while not stop.is_set():
            c.request("POST", "/v1/score", lines[i % len(lines)], {"Content-Type": "application/json"})
            r = c.getresponse()
            body = r.read().decode("utf-8")
            if r.status != 200 or body != want[i % len(lines)]:
                failures.append((r.status, body[:200]))
            done[0] += 1
            i += 1
        c.close()

    workers = [threading.Thread(target=load) for _ in range(3)]
    try:
        for w in workers:
            w.start()
        for k in range(1, 4):
            time.sleep(0.3)
            s.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: s.log_text().count('"event":"reload"') >= k, "reload %d" % k)
        # a broken bundle: the reload fails and the old model stays in service
        with open(os.path.join(model, "en.weights.tsv"), "r+b") as f:
            f.truncate(1000)
        s.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: s.log_text().count('"event":"reload"') >= 4, "the failed reload")
        time.sleep(0.3)
        stop.set()
        for w in workers:
            w.join()
        expect(not failures, "requests failed during reloads: %r" % failures[:3])
        expect(done[0] > 20, "only %d requests during the reloads" % done[0])
        log = s.log_text()
        expect(log.count('"event":"reload","result":"ok"') == 3, "reloads: " + log[-2000:])
        reloads = [l for l in log.splitlines() if '"event":"reload"' in l]
        expect('"event":"reload","result":"failed' in log and "en.weights.tsv" in log,
               "the failed reload is logged with its reason: %r" % reloads)
        st, h, b = request(s, "GET", "/metrics")
        t = b.decode()
        expect('fakejob_model_reloads_total{result="ok"} 3' in t, "reload metrics")
        expect('fakejob_model_reloads_total{result="failed"} 1' in t, "failed reload metrics")
        st, h, b = request(s, "POST", "/v1/score", lines[0])
        expect(st == 200 and b.decode() == want[0], "the old model still serves")
    finally:
        stop.set()
        expect(s.stop() == 0, "exit status")


def test_connections_spread():
    """Connections opened together are spread over the worker threads: a keep-alive connection
    stays with its worker, so a burst landing on one thread would queue its requests behind
    each other while the other thread idled."""
    s = Server("--threads", "2")
    conns = []
    try:
        for _ in range(8):
            conns.append(socket.create_connection((s.host, s.port)))
        for c in conns:  # a request on each, so that each has been handed to a worker
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        for c in conns:
            c.settimeout(10)
            expect(c.recv(4096).startswith(b"HTTP/1.1 200"), "no answer on a held connection")
        st, h, b = request(s, "GET", "/metrics")  # a ninth connection
        counts = [int(v) for v in re.findall(r'^fakejob_http_worker_connections\{worker="\d+"\} (\d+)$',
                                              b.decode(), re.M)]
        expect(len(counts) == 2 and sum(counts) == 9 and max(counts) - min(counts) <= 1,
               "connections per worker: %r" % counts)
    finally:
        for c in conns:
            c.close()
        expect(s.stop() == 0, "exit status")


def test_drain_on_sigterm():
    s = Server("--threads", "1")
    lines = postings()
    body = b"\n".join(lines * 2)
    result = {}

    def big():
        c = http.client.HTTPConnection(s.host, s.port, timeout=60)
        c.request("POST", "/v1/score", body, {"Content-Type": "application/x-ndjson"})
        r = c.getresponse()
        result["status"], result["body"] = r.status, r.read()
        c.close()

    t = threading.Thread(target=big)
    t.start()
    # wait until the request is in flight, then ask the service to stop
    deadline = time.time() + 20
    while time.time() < deadline:
        st, h, b = request(s, "GET", "/metrics")
        if re.search(r"^fakejob_http_requests_in_flight 2$", b.decode(), re.M):
            break
        time.sleep(0.01)
    s.proc.send_signal(signal.SIGTERM)
    t.join(60)
    rc = s.stop()
    expect(rc == 0, "exit status after SIGTERM: %d" % rc)
    expect(result.get("status") == 200, "the request in flight was not answered: %r" % result.get("status"))
    expect(len(result["body"].splitlines()) == 2 * len(lines), "incomplete answer while draining")
    log = s.log_text()
    expect('"event":"draining"' in log and '"event":"stopped","unfinished":0' in log, log[-500:])
    try:
        socket.create_connection((s.host, s.port), timeout=2).close()
        refused = False
    except OSError:
        refused = True
    expect(refused, "still accepting connections after the drain")


def test_stalled_log_reader():
    """The access log goes through a bounded queue: a reader of standard error that stops
    reading (a full pipe) stalls no request; the lines that find the queue full are counted
    (metrics) and reported in a log_dropped event once the reader reads again."""
    proc = subprocess.Popen([CLI, "serve", "--listen", "127.0.0.1:0", "--threads", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        first = proc.stderr.readline().decode()  # then nothing is read: the pipe fills up
        m = re.search(r'"event":"listening","address":"([^"]+)"', first)
        expect(m, "no listening line: %r" % first)
        host, port = m.group(1).rsplit(":", 1)
        # about 200 bytes of log a request: 4,000 requests are 12 times the pipe (64 KiB) and
        # three times the queue (256 KiB); each must still be answered at once
        c = http.client.HTTPConnection(host, int(port), timeout=10)
        t0 = time.time()
        for i in range(4000):
            c.request("GET", "/healthz")
            r = c.getresponse()
            expect(r.status == 200 and r.read() == b'{"status":"ok"}', "request %d" % i)
        c.request("GET", "/metrics")
        text = c.getresponse().read().decode()
        c.close()
        dropped = re.search(r"^fakejob_log_lines_dropped_total (\d+)$", text, re.M)
        expect(dropped and int(dropped.group(1)) > 1000, "dropped lines: %r" % (dropped and dropped.group(0)))
        expect(time.time() - t0 < 120, "4,000 requests took %.0f s" % (time.time() - t0))
        # the reader reads again: the queued lines, then the count of the dropped ones
        got = []

        def read_all():
            for line in iter(proc.stderr.readline, b""):
                got.append(line)
        reader = threading.Thread(target=read_all)
        reader.start()
        wait_for(lambda: any(b'"event":"log_dropped"' in l for l in list(got)), "a log_dropped line")
        proc.send_signal(signal.SIGTERM)
        expect(proc.wait(30) == 0, "exit status")
        reader.join(30)
        events = [json.loads(l) for l in got if l.startswith(b"{")]
        drops = [e for e in events if e.get("event") == "log_dropped"]
        expect(sum(e["lines"] for e in drops) >= int(dropped.group(1)), "log_dropped events: %r" % drops)
        expect(any(e.get("event") == "stopped" for e in events), "no stopped line")
        access = [e for e in events if "status" in e]
        expect(len(access) > 300, "access lines kept: %d" % len(access))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_prior():
    """--prior: the same results as `fakejob score --prior`, and GET /v1/model says so."""
    lines = postings()[:60]
    want = cli("score", "--prior", "0.03", write_lines("prior.jsonl", lines)).decode().splitlines()
    base = cli("score", write_lines("prior0.jsonl", lines)).decode().splitlines()
    s = Server("--threads", "1", "--prior", "0.03")
    try:
        st, h, b = request(s, "GET", "/v1/model")
        m = json.loads(b)
        expect(m.get("deployment_prior") == 0.03, "deployment_prior %r" % m.get("deployment_prior"))
        for i, line in enumerate(lines):
            st, h, got = request(s, "POST", "/v1/score", line)
            expect(st == 200 and got.decode() == want[i], "posting %d differs under --prior" % i)
        lower = sum(json.loads(w).get("score", 0) < json.loads(b0).get("score", 0)
                    for w, b0 in zip(want, base))
        expect(lower > len(lines) // 2, "a low prior lowered only %d scores" % lower)
    finally:
        expect(s.stop() == 0, "exit status")
    rc = subprocess.run([CLI, "serve", "--prior", "1.5"], stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE)
    expect(rc.returncode == 2 and b"--prior" in rc.stderr, "--prior 1.5 accepted")


def main():
    fb = os.path.join(TMP, "feedback.jsonl")
    s = Server("--threads", "2", "--feedback", fb, "--cors-origin", "chrome-extension://abcdefghijklmnop",
               "--max-postings", "50000")
    tests = [("health, model and page", lambda: test_health_model_page(s)),
             ("score identical to the CLI", lambda: test_score_identical_to_cli(s)),
             ("signals identical to the CLI", lambda: test_signals_identical_to_cli(s)),
             ("feedback", lambda: test_feedback(s, fb)),
             ("CORS and request ids", lambda: test_cors_and_request_id(s)),
             ("metrics and the access log", lambda: test_metrics_and_log(s)),
             ("API keys", test_api_keys),
             ("connection cap and slow clients", test_connection_cap_and_slow_clients),
             ("connections spread over the workers", test_connections_spread),
             ("reload under load", test_reload_under_load),
             ("drain on SIGTERM", test_drain_on_sigterm),
             ("a stalled log reader", test_stalled_log_reader),
             ("prior", test_prior)]
    failed = 0
    try:
        # the error cases need a small --max-postings: a second service
        s2 = Server("--threads", "1", "--max-body", "65536", "--max-postings", "50")
        tests.insert(3, ("errors and limits", lambda: test_score_errors(s2)))
        for name, fn in tests:
            try:
                fn()
                print("PASS: %s" % name)
            except Exception:
                failed += 1
                print("FAIL: %s" % name)
                traceback.print_exc(file=sys.stdout)
        expect(s2.stop() == 0, "exit status")
    finally:
        rc = s.stop()
        if rc != 0:
            print("FAIL: the main service exited with %d" % rc)
            failed += 1
        shutil.rmtree(TMP, ignore_errors=True)
    print("%d of %d serve tests failed" % (failed, len(tests)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
