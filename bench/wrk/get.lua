-- GET of one path (BENCH_PATH, e.g. /flow/<id>, /flow/<id>/result, /resources/file?...) with the consumer's
-- API key headers (BENCH_KEY). Used by bench/run (dev.idflow.bench.http.HttpBench).
wrk.method = "GET"
wrk.path = os.getenv("BENCH_PATH")
wrk.headers["X-Verigram-Api-Key"] = os.getenv("BENCH_KEY")
wrk.headers["X-Verigram-Api-Version"] = "2"
