"""Counters and histograms of the endpoint, written in the Prometheus text exposition format (``/metrics``).

When several server processes share the port (``--http-workers``), each one
publishes a snapshot of its figures as JSON in a directory they share, about
once a second and when it stops; the process answering ``/metrics`` adds the
others' latest snapshots to its own live figures. Counters of a process that
has ended are kept (a counter must not go down); its gauges are not.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

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

    def snapshot(self) -> dict:
        """This process's figures, as JSON-ready data."""
        return {
            "pid": os.getpid(),
            "requests": [[e, s, n] for (e, s), n in self.requests.items()],
            "durations": {e: {"counts": h.counts, "sum": h.sum, "count": h.count} for e, h in self.durations.items()},
            "rejections": dict(self.rejections),
            "truncated": self.truncated,
            "counters": {name: read() for name, (_, read) in self.counters.items()},
            "gauges": {name: read() for name, (_, read) in self.gauges.items()},
        }

    def publish(self, directory: Path) -> None:
        """Write this process's snapshot to ``directory`` (atomically: readers never see half a file)."""
        path = directory / f"{os.getpid()}.json"
        tmp = path.with_suffix(".tmp")
        with contextlib.suppress(OSError):
            tmp.write_text(json.dumps(self.snapshot()), encoding="utf-8")
            os.replace(tmp, path)

    @staticmethod
    def peers(directory: Path | None) -> list[dict]:
        """The snapshots other processes published in ``directory``."""
        if directory is None:
            return []
        out = []
        own = f"{os.getpid()}.json"
        for path in directory.glob("*.json"):
            if path.name == own:
                continue
            with contextlib.suppress(OSError, ValueError):
                out.append(json.loads(path.read_text(encoding="utf-8")))
        return out

    def totals(self, peers: Iterable[dict] = ()) -> dict:
        """This process's figures with those of ``peers`` (snapshots) added: counters of every process
        (one that has ended keeps its count), gauges of the processes still running."""
        own = self.snapshot()
        requests: dict[tuple[str, int], int] = defaultdict(int)
        durations: dict[str, tuple[list[int], float, int]] = {}
        rejections: dict[str, int] = defaultdict(int)
        counters = dict.fromkeys(own["counters"], 0.0)
        gauges = dict.fromkeys(own["gauges"], 0.0)
        truncated = processes = 0
        for snap in (own, *peers):
            alive = snap is own or _alive(snap.get("pid"))
            processes += alive
            for endpoint, status, n in snap.get("requests", []):
                requests[(endpoint, int(status))] += n
            for endpoint, h in snap.get("durations", {}).items():
                counts, total, count = durations.get(endpoint, ([0] * (len(DURATION_BUCKETS) + 1), 0.0, 0))
                if len(h["counts"]) == len(counts):
                    durations[endpoint] = ([a + b for a, b in zip(counts, h["counts"])], total + h["sum"],
                                           count + h["count"])
            for reason, n in snap.get("rejections", {}).items():
                rejections[reason] += n
            truncated += snap.get("truncated", 0)
            live_gauges = snap.get("gauges", {}) if alive else {}
            for table, values in ((counters, snap.get("counters", {})), (gauges, live_gauges)):
                for name, value in values.items():
                    if name in table:
                        table[name] += value
        return {"requests": requests, "durations": durations, "rejections": rejections, "truncated": truncated,
                "counters": counters, "gauges": gauges, "processes": processes}

    def render(self, peers: Iterable[dict] = ()) -> str:
        """The Prometheus text of :meth:`totals`."""
        t = self.totals(peers)
        out: list[str] = []

        def header(name: str, kind: str, help: str) -> None:
            out.append(f"# HELP {name} {help}")
            out.append(f"# TYPE {name} {kind}")

        header("patrimoine_requests_total", "counter", "HTTP requests answered, by endpoint and status.")
        for (endpoint, status), n in sorted(t["requests"].items()):
            out.append(f'patrimoine_requests_total{{endpoint="{endpoint}",status="{status}"}} {n}')
        header("patrimoine_request_duration_seconds", "histogram",
               "Time to answer a request (for streamed answers, until the answer starts).")
        for endpoint, (counts, total, count) in sorted(t["durations"].items()):
            cumulative = 0
            for bound, n in zip(DURATION_BUCKETS, counts):
                cumulative += n
                out.append(f'patrimoine_request_duration_seconds_bucket{{endpoint="{endpoint}",le="{bound}"}} '
                           f"{cumulative}")
            out.append(f'patrimoine_request_duration_seconds_bucket{{endpoint="{endpoint}",le="+Inf"}} {count}')
            out.append(f'patrimoine_request_duration_seconds_sum{{endpoint="{endpoint}"}} {total:.6f}')
            out.append(f'patrimoine_request_duration_seconds_count{{endpoint="{endpoint}"}} {count}')
        header("patrimoine_rejections_total", "counter",
               "Requests refused before running: too large, overloaded, rate-limited, forbidden, timed out.")
        for reason, n in sorted(t["rejections"].items()):
            out.append(f'patrimoine_rejections_total{{reason="{reason}"}} {n}')
        header("patrimoine_truncated_results_total", "counter", "Answers cut at the row limit.")
        out.append(f"patrimoine_truncated_results_total {t['truncated']}")
        for kind, table, values in (("counter", self.counters, t["counters"]), ("gauge", self.gauges, t["gauges"])):
            for name, (help, _) in sorted(table.items()):
                header(name, kind, help)
                out.append(f"{name} {values[name]:g}")
        return "\n".join(out) + "\n"


def _alive(pid: object) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
