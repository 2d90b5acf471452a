/**
 * Samples how late the main event loop runs a timer, into the event-loop delay histogram. The
 * loop is shared by every pod's Mount, the health probes and the socket: a long delay is one
 * Mount's work starving all the others, which the sandbox (src/sandbox/) exists to prevent, so
 * the figure is exported to prove it holds. prom-client's default `nodejs_eventloop_lag_*`
 * gauges (perf_hooks.monitorEventLoopDelay percentiles, reset per scrape) are kept beside it;
 * this histogram adds what gauges cannot: cumulative buckets to alert on and aggregate across
 * nodes. Lives per process; the timer does not keep the process alive.
 */
import type { Histogram } from 'prom-client';

const SAMPLE_INTERVAL_MS = 25;

export function sampleEventLoopDelay(histogram: Histogram, now: () => number = () => performance.now()): () => void {
  let expected = now() + SAMPLE_INTERVAL_MS;
  const timer = setInterval(() => {
    const current = now();
    histogram.observe(Math.max(0, current - expected) / 1000);
    expected = current + SAMPLE_INTERVAL_MS;
  }, SAMPLE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
