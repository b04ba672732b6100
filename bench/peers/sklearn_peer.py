#!/usr/bin/python3
"""sklearn_peer.py - the scikit-learn peer: TF-IDF word + character n-grams into a linear SVM.

    sklearn_peer.py train --lang en|zh TRAIN.jsonl MODEL.pkl FIGURES.json
    sklearn_peer.py score [--passes N] [--latency N] [--scores-out FILE] MODEL.pkl TEST.jsonl
                          FIGURES.json

The strong text-only baseline of issue 6 (Debian python3-sklearn): a FeatureUnion of a word
TfidfVectorizer (uni- and bigrams; Chinese words from jieba) and a character TfidfVectorizer
(English: char_wb 2-5-grams; Chinese: 1-3-grams, which need no segmentation), sublinear tf, into
LinearSVC with balanced class weights. It sees the same text fields libfakejob tokenizes.

`train` records the training time (fit only: corpus already read), the pickle's size and the peak
RSS of training. `score` loads the model once (load time = unpickling, after the imports; the
imports are reported apart), then over the same postings:
  - quality on TEST (decision at margin > 0; scores are the margins),
  - one-core throughput: JSON lines in, result JSON lines out, in batches of 256 (the fast way
    for scikit-learn), `passes` times over TEST; per second of wall time and of the thread's
    CPU time (tput_1core_cpu),
  - all-core throughput: the same split across os.cpu_count() forked workers sharing the loaded
    model,
  - latency: one posting at a time (json.loads, decision_function([text]), json.dumps), p50/p99
    of wall time and of the thread's CPU time (lat_cpu_*),
  - peak RSS of the scoring process.
Figures are merged into FIGURES.json under the keys documented in bench/README.md.
"""

import json
import os
import pickle
import sys
import time

T_IMPORT0 = time.perf_counter()
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.pipeline import FeatureUnion, make_pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

IMPORT_S = time.perf_counter() - T_IMPORT0
BATCH = 256


def jieba_words(text):
    """Chinese words from jieba, Latin words as they come; module-level so the pipeline pickles."""
    import jieba
    jieba.setLogLevel(60)
    return [w for w in jieba.lcut(text.lower()) if w.strip()]


def build(lang):
    if lang == "zh":
        import jieba
        jieba.setLogLevel(60)
        words = TfidfVectorizer(tokenizer=jieba_words, token_pattern=None, lowercase=False,
                                ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32)
        chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True,
                                dtype=np.float32)
    else:
        words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                sublinear_tf=True, dtype=np.float32)
    return make_pipeline(FeatureUnion([("word", words), ("char", chars)]),
                         LinearSVC(C=0.5, class_weight="balanced", max_iter=5000))


def cmd_train(a):
    texts, labels = common.read_corpus(a.train)
    model = build(a.lang)
    t0 = time.perf_counter()
    model.fit(texts, labels)
    train_s = time.perf_counter() - t0
    with open(a.model, "wb") as f:
        pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
    common.write_figures(a.figures, {
        "train_s": train_s, "train_n": len(texts), "train_rss_mb": common.peak_rss_mb(),
        "model_bytes": common.dir_or_file_bytes(a.model),
        "config": "TF-IDF word 1-2 (%s) + char %s, LinearSVC C=0.5 balanced" % (
            "jieba" if a.lang == "zh" else "regex", "1-3" if a.lang == "zh" else "wb 2-5")})
    common.log("sklearn: trained on %d postings in %.1f s" % (len(texts), train_s))
    return 0


def result_line(p, margin):
    return json.dumps({"id": p.get("id"), "score": float(margin),
                       "verdict": "fraud" if margin > 0 else "legit"}, ensure_ascii=False)


def score_batch(model, lines):
    """JSON lines in, result JSON lines out."""
    out = []
    for i in range(0, len(lines), BATCH):
        ps = [json.loads(x) for x in lines[i:i + BATCH]]
        margins = model.decision_function([common.posting_text(p) for p in ps])
        out.extend(result_line(p, m) for p, m in zip(ps, margins))
    return out


def cmd_score(a):
    t0 = time.perf_counter()
    with open(a.model, "rb") as f:
        model = pickle.load(f)
    load_s = time.perf_counter() - t0
    lines = common.read_lines(a.test)

    # quality
    ps = [json.loads(x) for x in lines]
    labels = [1 if p.get("label") == "fraud" else 0 for p in ps]
    margins = [float(m) for m in model.decision_function([common.posting_text(p) for p in ps])]
    q = common.score_quality(labels, margins, [1 if m > 0 else 0 for m in margins], a.scores_out)

    # one core (warm-up pass first: jieba loads its dictionary lazily)
    score_batch(model, lines[:BATCH])
    t0, c0 = time.perf_counter(), time.thread_time()
    n = 0
    for _ in range(a.passes):
        n += len(score_batch(model, lines))
    tput1 = n / (time.perf_counter() - t0)
    tput1_cpu = n / (time.thread_time() - c0)

    # all cores: forked workers share the loaded model
    ncpu = os.cpu_count() or 1
    tput_all = common.forked_throughput(lambda chunk: len(score_batch(model, chunk)),
                                        lines * a.passes, ncpu)

    # latency: one posting at a time
    lat, lat_cpu = [], []
    for line in (lines * (a.latency // len(lines) + 1))[:a.latency]:
        t, c = time.perf_counter_ns(), time.thread_time_ns()
        p = json.loads(line)
        m = model.decision_function([common.posting_text(p)])[0]
        result_line(p, m)
        lat.append((time.perf_counter_ns() - t) / 1000.0)
        lat_cpu.append((time.thread_time_ns() - c) / 1000.0)
    lat.sort()
    lat_cpu.sort()
    common.write_score_figures(a, "sklearn", q, lat, load_ms=load_s * 1000.0,
                               import_ms=IMPORT_S * 1000.0, tput_1core=tput1,
                               tput_1core_cpu=tput1_cpu, tput_allcores=tput_all, cores=ncpu,
                               lat_cpu_p50_us=common.percentile(lat_cpu, 50),
                               lat_cpu_p99_us=common.percentile(lat_cpu, 99),
                               rss_mb=common.peak_rss_mb(), bench_n=len(lines))
    return 0


def main():
    return common.main(__doc__, cmd_train, cmd_score, model_out="model", score_lang=False,
                       passes=1, score_name="margin")


if __name__ == "__main__":
    sys.exit(main())
