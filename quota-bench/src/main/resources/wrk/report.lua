-- Shared by the HTTP workloads: prints one JSON line, tagged so the driver can find it in wrk's output.
report = function(summary, latency)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationMicros":%d,"bytes":%d,"errorsConnect":%d,"errorsRead":%d,'
      .. '"errorsWrite":%d,"errorsStatus":%d,"errorsTimeout":%d,"p50us":%d,"p90us":%d,"p99us":%d,'
      .. '"maxus":%d,"meanus":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
