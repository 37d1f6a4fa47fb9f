-- Loaded by the other scripts: the bearer token (first script argument) and, when wrk is done,
-- one machine-readable line with the figures `benchmarks/load.py` reads (wrk's own --latency
-- table has no p95).

function authorize(args)
   wrk.headers["Authorization"] = "Bearer " .. args[1]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH-JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d, ' ..
      '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(95), latency:percentile(99),
      latency.mean, latency.max,
      e.connect, e.read, e.write, e.status, e.timeout))
end
