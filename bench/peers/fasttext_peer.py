#!/usr/bin/python3
"""fasttext_peer.py - the fastText peer: supervised fastText through Debian's `fasttext` CLI.

    fasttext_peer.py train --lang en|zh TRAIN.jsonl MODEL_PREFIX FIGURES.json
    fasttext_peer.py score [--passes N] [--latency N] [--scores-out FILE] --lang en|zh MODEL.bin
                           TEST.jsonl FIGURES.json

Text is what libfakejob tokenizes (the same text fields), lower-cased and split into words and
punctuation; Chinese is pre-segmented with jieba (Debian python3-jieba), as fastText needs.
Training: `fasttext supervised -epoch 25 -lr 0.5 -wordNgrams 2` with the other options at their
defaults (dim 100, 2M hash buckets: the model users get from the tutorial), 2 threads.

Timings are of the CLI processes themselves (the preprocessing is done beforehand and reported
apart as `prep_us`, JSON parse + segmentation per posting in Python):
  - load_ms: wall time of `fasttext predict-prob MODEL one-posting.txt` (load + one prediction),
  - one-core throughput: a `fasttext predict-prob MODEL -` process, once it has answered a first
    posting (model loaded), streams `passes` x TEST through its stdin/stdout; per second of wall
    time, and per second of the process's CPU time (tput_1core_cpu, from /proc),
  - all-core throughput: os.cpu_count() such loaded processes at once on shares of the same
    postings,
  - latency: the loaded CLI driven one posting at a time through the pipes (write a line, read
    its answer); the median round trip of `stdbuf -oL cut -c1` doing the same is subtracted,
  - rss_mb: peak RSS of the process predicting TEST for the quality figures (/usr/bin/time -v),
  - quality from `predict-prob ... 2` (score = P(fraud), decision = the top label).
"""

import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

FASTTEXT = os.environ.get("FASTTEXT", "fasttext")
_TOK = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def tokenizer(lang):
    if lang == "zh":
        import jieba
        jieba.setLogLevel(60)
        jieba.initialize()
        return lambda t: " ".join(w for w in jieba.lcut(t.lower()) if w.strip())
    return lambda t: " ".join(_TOK.findall(t.lower()))


def prep(path, lang, labelled):
    """(fastText lines, labels, seconds spent) for the postings of a JSONL file."""
    import json
    tok = tokenizer(lang)
    lines = common.read_lines(path)
    t0 = time.perf_counter()
    out, labels = [], []
    for line in lines:
        p = json.loads(line)
        lab = p.get("label")
        if labelled and lab not in ("fraud", "legit"):
            continue
        text = tok(common.posting_text(p))
        out.append(("__label__%s " % lab if labelled else "") + text)
        labels.append(1 if lab == "fraud" else 0)
    return out, labels, time.perf_counter() - t0


def timed(cmd, stdin=None):
    """(wall seconds, peak RSS MB, stdout) of a command run under /usr/bin/time -v."""
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdin=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=True)
    wall = time.perf_counter() - t0
    m = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return wall, (int(m.group(1)) / 1024.0 if m else None), r.stdout


def cmd_train(a):
    lines, labels, prep_s = prep(a.train, a.lang, True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        path = f.name
    try:
        wall, rss, _ = timed([FASTTEXT, "supervised", "-input", path, "-output", a.prefix,
                              "-epoch", "25", "-lr", "0.5", "-wordNgrams", "2", "-thread", "2",
                              "-verbose", "0"])
    finally:
        os.unlink(path)
    common.write_figures(a.figures, {
        "train_s": wall, "train_prep_s": prep_s, "train_n": len(lines), "train_rss_mb": rss,
        "model_bytes": os.path.getsize(a.prefix + ".bin"),
        "config": "fastText supervised epoch 25, lr 0.5, wordNgrams 2, dim 100, 2M buckets" +
                  (", jieba" if a.lang == "zh" else "")})
    vec = a.prefix + ".vec"
    if os.path.exists(vec):
        os.unlink(vec)
    common.log("fasttext: trained on %d postings in %.1f s" % (len(lines), wall))
    return 0


class Streamer:
    """A `fasttext predict-prob MODEL - 2` process (under /usr/bin/time -v) fed through pipes,
    already past its model load once constructed."""

    def __init__(self, model, first_line, cmd=None, timed=True):
        self.p = subprocess.Popen((["/usr/bin/time", "-v"] if timed else []) +
                                  (cmd or [FASTTEXT, "predict-prob", model, "-", "2"]),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.ask(first_line)

    def ask(self, line):
        self.p.stdin.write((line + "\n").encode("utf-8"))
        self.p.stdin.flush()
        return self.p.stdout.readline()

    def close(self):
        """Peak RSS of the process, MB."""
        self.p.stdin.close()
        self.p.stdout.read()
        err = self.p.stderr.read()
        self.p.wait()
        m = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", err)
        return int(m.group(1)) / 1024.0 if m else None


def proc_cpu_s(pid):
    """CPU seconds (user + system) used so far by process `pid` (Linux /proc; also readable for
    a process that has exited but not been reaped)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stream_throughput(model, shares):
    """(postings per wall second, postings per CPU second of the predicting processes) of
    len(shares) loaded CLI processes, each streaming its share."""
    import threading
    procs = [Streamer(model, s[0], [FASTTEXT, "predict-prob", model, "-", "2"], timed=False)
             for s in shares]
    counts = [0] * len(procs)
    cpu0 = [proc_cpu_s(st.p.pid) for st in procs]

    def writer(st, share):
        st.p.stdin.write(("\n".join(share) + "\n").encode("utf-8"))
        st.p.stdin.close()

    def reader(i, st):
        for _ in st.p.stdout:
            counts[i] += 1

    threads = []
    t0 = time.perf_counter()
    for i, (st, share) in enumerate(zip(procs, shares)):
        threads.append(threading.Thread(target=writer, args=(st, share)))
        threads.append(threading.Thread(target=reader, args=(i, st)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu = sum(proc_cpu_s(st.p.pid) - c for st, c in zip(procs, cpu0))
    for st in procs:
        st.p.stderr.read()
        st.p.wait()
    return sum(counts) / elapsed, sum(counts) / max(cpu, 1e-9)


def latency(model, lines, n):
    """Per-posting round trips (us) through the loaded CLI's stdin/stdout, minus the median round
    trip of `stdbuf -oL cut -c1` answering each line with one short line (the pipe cost)."""
    def round_trips(st):
        out = []
        for i in range(n):
            line = lines[i % len(lines)]
            t = time.perf_counter_ns()
            st.ask(line)
            out.append((time.perf_counter_ns() - t) / 1000.0)
        st.close()
        return out

    lat = round_trips(Streamer(model, lines[0]))
    base = sorted(round_trips(Streamer(None, lines[0], ["stdbuf", "-oL", "cut", "-c1"])))
    pipe_us = common.percentile(base, 50)
    return sorted(max(0.0, x - pipe_us) for x in lat), pipe_us


def cmd_score(a):
    lines, labels, prep_s = prep(a.test, a.lang, False)
    tmp = tempfile.mkdtemp(prefix="fjbench-ft-")
    try:
        def write(name, ls):
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(ls) + "\n")
            return path

        one = write("one.txt", lines[:1])

        # quality (and the peak RSS of predicting them all)
        _, rss, out = timed([FASTTEXT, "predict-prob", a.model, write("test.txt", lines), "2"])
        scores, decisions = [], []
        for row in out.decode("utf-8").splitlines():
            f = row.split()
            probs = {f[i]: float(f[i + 1]) for i in range(0, len(f) - 1, 2)}
            scores.append(probs.get("__label__fraud", 1.0 - probs.get("__label__legit", 1.0)))
            decisions.append(1 if f and f[0] == "__label__fraud" else 0)
        q = common.score_quality(labels, scores, decisions, a.scores_out)

        # load (page cache warm from the quality run), then throughput past the load
        load_s = min(timed([FASTTEXT, "predict-prob", a.model, one])[0] for _ in range(3))
        work = lines * a.passes
        tput1, tput1_cpu = stream_throughput(a.model, [work])
        ncpu = os.cpu_count() or 1
        tput_all, _ = stream_throughput(a.model, [work[i::ncpu] for i in range(ncpu)])

        lat, pipe_us = latency(a.model, lines, a.latency)
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)
    common.write_score_figures(a, "fasttext", q, lat, log_load=True, load_ms=load_s * 1000.0,
                               tput_1core=tput1, tput_1core_cpu=tput1_cpu, tput_allcores=tput_all,
                               cores=ncpu, lat_pipe_us=pipe_us, rss_mb=rss, bench_n=len(lines),
                               prep_us=prep_s / max(1, len(lines)) * 1e6)
    return 0


def main():
    return common.main(__doc__, cmd_train, cmd_score, model_out="prefix", score_lang=True,
                       passes=10, score_name="P(fraud)")


if __name__ == "__main__":
    sys.exit(main())
