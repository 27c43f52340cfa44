-- wrk script for bench/api_latency.sh: prints exact figures for one endpoint when the run ends.
-- BENCH_NAME names the endpoint; latency comes from wrk's histogram, in milliseconds.
local name = os.getenv("BENCH_NAME") or "endpoint"

done = function(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("figure api_%s_requests_per_second %.1f\n", name, summary.requests / seconds))
  io.write(string.format("figure api_%s_p50_ms %.2f\n", name, latency:percentile(50) / 1000))
  io.write(string.format("figure api_%s_p99_ms %.2f\n", name, latency:percentile(99) / 1000))
  io.write(string.format("requests %d\n", summary.requests))
  io.write(string.format("errors %d\n", e.connect + e.read + e.write + e.timeout + e.status))
end
