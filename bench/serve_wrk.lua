-- bench/serve_wrk.lua - wrk script for `fakejob serve` (bench/serve_bench.sh): every request is
-- POST /v1/score with one posting, taken in turn from the JSONL file $FJ_POSTINGS (each wrk
-- thread starts at its own place), over keep-alive connections.
--   FJ_DELAY_MS  mean pause of each connection before each request (a fixed offered load)
--   FJ_PACE      "random" (default): each pause drawn from an exponential distribution of that
--                mean, so that the connections' requests arrive independently (as a service's
--                clients' do) instead of in step; "fixed": every pause FJ_DELAY_MS (connections
--                that start together then stay in step, sending their requests in bursts)
--   FJ_LIMIT     stop each thread after this many responses (0: run for wrk's -d)
-- done() prints one line "FJ requests=… non200=… errors=… p50_ms=… p99_ms=…" for the script.
local threads = {}
local postings = {}
for line in io.lines(os.getenv("FJ_POSTINGS")) do
    if #line > 0 then
        postings[#postings + 1] = line
    end
end
local delay_ms = tonumber(os.getenv("FJ_DELAY_MS") or "0")
local limit = tonumber(os.getenv("FJ_LIMIT") or "0")
local random_pace = (os.getenv("FJ_PACE") or "random") ~= "fixed"

function setup(thread)
    thread:set("tid", #threads)
    table.insert(threads, thread)
end

function init(args)
    next_i = tid * 7919
    math.randomseed(os.time() + tid)
    bad = 0
    got = 0
end

function request()
    next_i = next_i + 1
    return wrk.format("POST", "/v1/score", {["Content-Type"] = "application/json"},
                      postings[next_i % #postings + 1])
end

if delay_ms > 0 then
    function delay()
        if random_pace then
            -- wrk takes whole milliseconds: round the draw, keeping its mean
            return math.floor(-math.log(1 - math.random()) * delay_ms + math.random())
        end
        return delay_ms
    end
end

function response(status, headers, body)
    got = got + 1
    if status ~= 200 then
        bad = bad + 1
    end
    if limit > 0 and got >= limit then
        wrk.thread:stop()
    end
end

function done(summary, latency, requests)
    local bad_total, got_total = 0, 0
    for _, t in ipairs(threads) do
        bad_total = bad_total + t:get("bad")
        got_total = got_total + t:get("got")
    end
    local e = summary.errors
    io.write(string.format(
        "FJ requests=%d responses=%d non200=%d errors=%d rate=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
        summary.requests, got_total, bad_total, e.connect + e.read + e.write + e.timeout,
        summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
        latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
