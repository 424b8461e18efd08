"""The fake monotonic clock of the HTTP client's tests (unit and socket ones): it only moves when
told, and sleeping moves it."""

from __future__ import annotations


class FakeClock:
    """A monotonic clock that only moves when told (sleeping moves it too)."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
