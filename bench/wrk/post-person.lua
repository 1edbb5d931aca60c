-- POST of a JSON body to BENCH_PATH (/liveness2/session) naming a person picked at random per request
-- ({"person_id":"bench-person-NNNNNNNN"}), with the consumer's API key headers (BENCH_KEY): sessions of many
-- people, as a bank makes them, rather than thousands of one person's. Used by bench/run.
local path = os.getenv("BENCH_PATH")
local headers = {
  ["Content-Type"] = "application/json",
  ["X-Verigram-Api-Key"] = os.getenv("BENCH_KEY"),
  ["X-Verigram-Api-Version"] = "2",
}

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  return wrk.format("POST", path, headers, string.format('{"person_id":"bench-person-%08d"}', math.random(99999999)))
end
