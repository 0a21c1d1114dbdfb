"""Counters and histograms of the endpoint, written in the Prometheus text exposition format (``/metrics``)."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable

DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Histogram:
    def __init__(self, buckets: tuple[float, ...] = DURATION_BUCKETS) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.sum += value
        self.count += 1


class Metrics:
    """Request counts by endpoint and status, query durations, timeouts and rejections by reason."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, int], int] = defaultdict(int)
        self.durations: dict[str, Histogram] = defaultdict(Histogram)
        self.rejections: dict[str, int] = defaultdict(int)
        self.truncated = 0
        self.gauges: dict[str, tuple[str, Callable[[], float]]] = {}
        self.counters: dict[str, tuple[str, Callable[[], float]]] = {}

    def request(self, endpoint: str, status: int, seconds: float) -> None:
        self.requests[(endpoint, status)] += 1
        self.durations[endpoint].observe(seconds)

    def reject(self, reason: str) -> None:
        self.rejections[reason] += 1

    def gauge(self, name: str, help: str, read: Callable[[], float]) -> None:
        self.gauges[name] = (help, read)

    def counter(self, name: str, help: str, read: Callable[[], float]) -> None:
        self.counters[name] = (help, read)

    def render(self) -> str:
        out: list[str] = []

        def header(name: str, kind: str, help: str) -> None:
            out.append(f"# HELP {name} {help}")
            out.append(f"# TYPE {name} {kind}")

        header("patrimoine_requests_total", "counter", "HTTP requests answered, by endpoint and status.")
        for (endpoint, status), n in sorted(self.requests.items()):
            out.append(f'patrimoine_requests_total{{endpoint="{endpoint}",status="{status}"}} {n}')
        header("patrimoine_request_duration_seconds", "histogram",
               "Time to answer a request (for streamed answers, until the answer starts).")
        for endpoint, h in sorted(self.durations.items()):
            cumulative = 0
            for bound, n in zip(h.buckets, h.counts):
                cumulative += n
                out.append(f'patrimoine_request_duration_seconds_bucket{{endpoint="{endpoint}",le="{bound}"}} '
                           f"{cumulative}")
            out.append(f'patrimoine_request_duration_seconds_bucket{{endpoint="{endpoint}",le="+Inf"}} {h.count}')
            out.append(f'patrimoine_request_duration_seconds_sum{{endpoint="{endpoint}"}} {h.sum:.6f}')
            out.append(f'patrimoine_request_duration_seconds_count{{endpoint="{endpoint}"}} {h.count}')
        header("patrimoine_rejections_total", "counter",
               "Requests refused before running: too large, overloaded, rate-limited, forbidden, timed out.")
        for reason, n in sorted(self.rejections.items()):
            out.append(f'patrimoine_rejections_total{{reason="{reason}"}} {n}')
        header("patrimoine_truncated_results_total", "counter", "Answers cut at the row limit.")
        out.append(f"patrimoine_truncated_results_total {self.truncated}")
        for kind, table in (("counter", self.counters), ("gauge", self.gauges)):
            for name, (help, read) in sorted(table.items()):
                header(name, kind, help)
                out.append(f"{name} {read():g}")
        return "\n".join(out) + "\n"
