#!/usr/bin/env python3
"""dask_bench.py - postings a second scored by fakejob.dask.score on a LocalCluster of 1 and of
2 worker processes (one thread each), the same postings, in one run.

    PYTHONPATH=bindings/python /usr/bin/python3 bench/dask_bench.py [--copies N] [--partitions N]
        [--model DIR] [--history URI --key-file FILE] FILE.jsonl...

The postings of the files are repeated --copies times (ids made unique). With --history every
run scores into that store (give a new one: its size grows run after run). Prints one line per
cluster size: postings, partitions, wall-clock seconds, postings a second, speed-up over 1.
"""
import argparse
import json
import time

import dask.bag as db
import distributed

import fakejob.dask


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--model")
    ap.add_argument("--history")
    ap.add_argument("--key-file")
    args = ap.parse_args()
    base = []
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            base.extend(json.loads(line) for line in f if line.strip())
    posts = [dict(p, id="%s-c%d" % (p.get("id"), k)) for k in range(args.copies) for p in base]
    first = None
    for workers in (1, 2):
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=40) as cluster, \
                distributed.Client(cluster) as client:
            # load the model on every worker before timing
            warm = db.from_sequence(base[:workers], npartitions=workers)
            fakejob.dask.score(warm, model=args.model).compute()
            bag = db.from_sequence(posts, npartitions=args.partitions)
            t0 = time.monotonic()
            out = fakejob.dask.score(bag, model=args.model, history=args.history,
                                     key_file=args.key_file).compute()
            wall = time.monotonic() - t0
            assert len(out) == len(posts)
            first = first or wall
            print("%d worker(s): %d postings, %d partitions, %.2f s, %.0f postings/s, "
                  "speed-up %.2f" % (workers, len(posts), args.partitions, wall,
                                     len(posts) / wall, first / wall))
            client.close()


if __name__ == "__main__":
    main()
