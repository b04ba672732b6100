#!/usr/bin/python3
"""python_bench.py - throughput of the Python bindings' score_many against `fakejob score`.

    PYTHONPATH=BUILD/bindings/python /usr/bin/python3 bench/python_bench.py \
        --fakejob BUILD/fakejob [--model DIR] [--count N] [--threads T] [--repeat K]

Both score the same postings with the same model, observed at one fixed time: the real postings of
../shared/data (EMSCAD and ORFD, converted with `fakejob import`) when that folder is present, else
the project's own corpus/ repeated up to --count postings. The CLI reads a JSONL file and writes its
result lines to /dev/null; Python scores a list of dicts already in memory and builds a Result per
posting (json.dumps in, json.loads out included), with the same number of threads. Each is timed
--repeat times, the two in turn, and the best run of each kept. Prints postings/s for each and the ratio Python/CLI
(the bindings' target is at least 0.85), and the ratio of the CPU time each spent (which a busy
machine disturbs less than wall time).

The model is --model, else models/default when present, else one trained here on corpus/.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "data")
NOW = "2025-06-01T00:00:00Z"


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def shared_postings(fakejob_exe, tmp):
    """Postings imported from ../shared/data, or [] when it is absent."""
    out = []
    for fmt, name in (("emscad", "emscad-train.csv"), ("orfd", "orfd-train.csv")):
        src = os.path.join(SHARED, name)
        if not os.path.exists(src):
            continue
        dst = os.path.join(tmp, fmt + ".jsonl")
        with open(dst, "wb") as f:
            p = subprocess.run([fakejob_exe, "import", fmt, src], stdout=f,
                               stderr=subprocess.PIPE)
        if p.returncode != 0:
            print("python_bench: fakejob import %s failed: %s" % (fmt, p.stderr.decode()[-300:]),
                  file=sys.stderr)
            continue
        out += read_jsonl(dst)
    return out


def corpus_postings():
    folder = os.path.join(ROOT, "corpus")
    out = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".jsonl"):
            out += read_jsonl(os.path.join(folder, name))
    return out


def cpu_seconds():
    """CPU time of this process (all its threads) and of its finished children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def timed(fn, child):
    """Wall time of one run and its CPU time (the child's for the CLI)."""
    c0 = cpu_seconds()
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    c1 = cpu_seconds()
    return dt, (c1[1] - c0[1] if child else c1[0] - c0[0])


def best_of(k, fns):
    """Run each (fn, child) in turn, k rounds (interleaved, so that a change of load on the
    machine hits both alike); the best wall time of each, with that run's CPU time."""
    best = [None] * len(fns)
    for _ in range(k):
        for i, (fn, child) in enumerate(fns):
            r = timed(fn, child)
            if best[i] is None or r[0] < best[i][0]:
                best[i] = r
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fakejob", default=os.path.join(ROOT, "fakejob"), help="the CLI")
    ap.add_argument("--model", help="model bundle folder (default: models/default or trained)")
    ap.add_argument("--count", type=int, default=20000, help="postings to score")
    ap.add_argument("--threads", type=int, default=0, help="threads for both (0: one per CPU)")
    ap.add_argument("--cli-threads-flag", default="--threads",
                    help="the CLI's thread-count option ('' when it has none)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--source", choices=("auto", "shared", "corpus"), default="auto",
                    help="postings from ../shared/data, from corpus/, or the first available")
    args = ap.parse_args()

    import fakejob

    with tempfile.TemporaryDirectory(prefix="fj-pybench.") as tmp:
        posts = shared_postings(args.fakejob, tmp) if args.source != "corpus" else []
        source = "../shared/data (EMSCAD + ORFD via fakejob import)"
        if not posts and args.source == "shared":
            print("python_bench: no postings from %s" % SHARED, file=sys.stderr)
            return 1
        if not posts:
            posts, source = corpus_postings(), "corpus/ (repeated)"
        while len(posts) < args.count:
            posts += posts[: args.count - len(posts)]
        posts = [dict(p, observed_at=NOW) for p in posts[: args.count]]
        for p in posts:
            p.pop("label", None)

        model_dir = args.model
        if model_dir is None and os.path.exists(os.path.join(ROOT, "models", "default",
                                                             "manifest.json")):
            model_dir = os.path.join(ROOT, "models", "default")
        if model_dir is None:
            model_dir = os.path.join(tmp, "model")
            corpus = os.path.join(ROOT, "corpus")
            files = [os.path.join(corpus, n) for n in sorted(os.listdir(corpus))
                     if n.endswith(".jsonl")]
            fakejob.train(files, C=1.0, folds=3).save(model_dir)
        model = fakejob.load_model(model_dir)

        infile = os.path.join(tmp, "postings.jsonl")
        with open(infile, "w", encoding="utf-8") as f:
            for p in posts:
                f.write(json.dumps(p, ensure_ascii=False) + "\n")
        nbytes = os.path.getsize(infile)

        cli_cmd = [args.fakejob, "score", "--model", model_dir]
        if args.cli_threads_flag:
            cli_cmd += [args.cli_threads_flag, str(args.threads)]
        cli_cmd.append(infile)

        def run_cli():
            with open(os.devnull, "wb") as devnull:
                subprocess.run(cli_cmd, stdout=devnull, check=True)

        def run_py():
            rs = model.score_many(posts, threads=args.threads)
            assert len(rs) == len(posts)

        run_py()  # warm up (contexts, page cache)
        (t_cli, cpu_cli), (t_py, cpu_py) = best_of(args.repeat, [(run_cli, True),
                                                                  (run_py, False)])

    n = len(posts)
    cpus = os.cpu_count()
    threads = args.threads or cpus
    print("postings: %d (%.1f MB of JSON) from %s; model %s; %d thread(s) on %d CPU(s)"
          % (n, nbytes / 1e6, source, model.name, threads, cpus))
    print("fakejob score        : %8.0f postings/s (%.3f s wall, %.3f s CPU)"
          % (n / t_cli, t_cli, cpu_cli))
    print("python score_many    : %8.0f postings/s (%.3f s wall, %.3f s CPU)"
          % (n / t_py, t_py, cpu_py))
    print("ratio python/CLI     : %.3f throughput (target >= 0.85), %.3f CPU efficiency"
          % (t_cli / t_py, cpu_cli / cpu_py if cpu_py else float("nan")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
