"""Shared simulator state: clock, fault injection, request log, vendor registry.

The simulator is written from the vendor documentation only. It imports nothing
from the collection's ``plugins/`` so it can catch the collection misreading a
vendor's API.
"""

from __future__ import annotations

import datetime
import threading
import time
from typing import Any


class SimClock:
    """Simulated time: real time times ``speed`` plus any manual advance."""

    def __init__(self, speed: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._real_start = time.monotonic()
        self._sim_start = time.time()
        self.speed = speed
        self._offset = 0.0

    def now(self) -> float:
        """Simulated epoch seconds."""
        with self._lock:
            elapsed = (time.monotonic() - self._real_start) * self.speed
            return self._sim_start + elapsed + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def set_speed(self, speed: float) -> None:
        with self._lock:
            now_real = time.monotonic()
            self._sim_start += (now_real - self._real_start) * self.speed
            self._real_start = now_real
            self.speed = speed


def iso(epoch: float) -> str:
    """Epoch seconds as the ISO-8601 UTC string vendors send (millisecond precision)."""
    stamp = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (stamp.microsecond // 1000)


def parse_iso(text: str) -> float:
    """ISO-8601 (with Z or offset) to epoch seconds."""
    value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.timestamp()


class Fault:
    """One injected fault, matched on method and path prefix, used ``count`` times, or, with
    ``seconds``, on every matching request for that many seconds from now (an outage: ``status``
    503, or ``reset`` dropping every connection), then gone.

    ``trickle`` lets the route answer as usual but sends its body ``rate`` bytes a second (the
    headers, with Content-Length, go at once). ``endless`` answers ``body`` with 200 to every
    matching request, its list under ``list_key`` repeated to the page size the request asks for
    in ``size_param``, so a client that pages until a short page never gets one."""

    KINDS = ("status", "reset", "slow", "html", "truncated", "trickle", "endless")

    def __init__(self, spec: dict[str, Any]) -> None:
        self.kind = spec.get("kind", "status")
        if self.kind not in self.KINDS:
            raise ValueError("unknown fault kind %r" % self.kind)
        self.path = spec.get("path", "/")
        self.method = (spec.get("method") or "").upper()
        self.until = None
        if spec.get("seconds") is not None:
            seconds = float(spec["seconds"])
            if not 0 < seconds <= 3600:
                raise ValueError("seconds is the length of the outage, more than 0 and at most 3600")
            self.until = time.monotonic() + seconds
        unlimited = self.kind == "endless" or self.until is not None
        self.count = int(spec.get("count", 1000000 if unlimited else 1))
        self.status = int(spec.get("status", 503))
        self.retry_after = spec.get("retry_after")
        self.delay = float(spec.get("delay", 0))
        self.body = spec.get("body")
        self.rate = float(spec.get("rate", 1))
        if self.rate <= 0:
            raise ValueError("rate is bytes per second, more than 0")
        self.list_key = spec.get("list_key", "items")
        self.size_param = spec.get("size_param", "perPage")

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        return path.startswith(self.path)

    def over(self) -> bool:
        """Whether an outage's time has passed (a fault without ``seconds`` lasts until used up)."""
        return self.until is not None and time.monotonic() >= self.until


class SimState:
    """Everything the simulator remembers; vendor parts keep theirs in ``vendors``."""

    def __init__(self, *, speed: float = 1.0) -> None:
        self.lock = threading.RLock()
        self.clock = SimClock(speed)
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self.vendors: dict[str, Any] = {}
        self.base_urls: dict[str, str] = {}
        self.resume_on: str | None = None  # path prefix whose first request restarts a held clock
        # Latency added to every vendor request whose path starts with ``latency_path`` (a WAN
        # round trip, for benchmarks and concurrency tests), and a gauge of requests in flight.
        self.latency = 0.0
        self.latency_path = "/"
        self.in_flight = 0
        self.most_in_flight = 0

    def vendor(self, name: str) -> Any:
        return self.vendors[name]

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.requests.clear()
            self.resume_on = None
            self.latency, self.latency_path = 0.0, "/"
            self.most_in_flight = self.in_flight
            self.clock.set_speed(1.0)
            for part in self.vendors.values():
                part.reset()

    def add_fault(self, spec: dict[str, Any]) -> None:
        with self.lock:
            self.faults.append(Fault(spec))

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            self.faults[:] = [f for f in self.faults if not f.over()]
            for fault in self.faults:
                if fault.count > 0 and fault.matches(method, path):
                    fault.count -= 1
                    return fault
            return None

    def hold_clock(self, resume_on: str) -> None:
        """Stop simulated time until the first request whose path starts with ``resume_on``: a
        client's start-up time (seconds, under load) cannot let an action finish before it looks."""
        with self.lock:
            self.resume_on = resume_on
            self.clock.set_speed(0.0)

    def set_latency(self, seconds: float, path: str = "/") -> None:
        if not 0 <= seconds <= 60:
            raise ValueError("latency is seconds from 0 to 60")
        with self.lock:
            self.latency, self.latency_path = seconds, path

    def latency_for(self, path: str) -> float:
        with self.lock:
            return self.latency if path.startswith(self.latency_path) else 0.0

    def request_started(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def request_ended(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def concurrency(self, restart: bool = False) -> dict[str, int]:
        """Requests in flight now and the most at once (since the last reset or restart)."""
        with self.lock:
            found = {"now": self.in_flight, "most": self.most_in_flight}
            if restart:
                self.most_in_flight = self.in_flight
            return found

    def log_request(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(entry)
            if self.resume_on is not None and entry["path"].startswith(self.resume_on):
                self.resume_on = None
                self.clock.set_speed(1.0)
