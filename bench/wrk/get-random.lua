-- GET /flow/<id> of a flow picked at random per request from BENCH_IDS (one flow id a line, the flows the
-- seeder created), with the consumer's API key headers (BENCH_KEY). Used by bench/run.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do
  if #line > 0 then ids[#ids + 1] = line end
end
local headers = { ["X-Verigram-Api-Key"] = os.getenv("BENCH_KEY"), ["X-Verigram-Api-Version"] = "2" }

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  return wrk.format("GET", "/flow/" .. ids[math.random(#ids)], headers)
end
