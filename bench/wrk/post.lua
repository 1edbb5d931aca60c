-- POST of a JSON body read from the file BENCH_BODY to BENCH_PATH (/flow, /liveness2/session), with the
-- consumer's API key headers (BENCH_KEY). Used by bench/run.
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Verigram-Api-Key"] = os.getenv("BENCH_KEY")
wrk.headers["X-Verigram-Api-Version"] = "2"
