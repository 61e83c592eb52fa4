"""A progress line for long work: how many images of how many are done, the rate, the ETA.

The first cell of a (model, method) computes the maps of all its images, which can take
minutes (RISE, EP) with nothing else on the screen. Work that is done within ``after``
seconds says nothing. Past that, on a terminal, the line is rewritten in place after
every batch; in a log (not a terminal) a line is printed at each 10 % step, so CI logs
stay short.
"""

from __future__ import annotations

import time
from typing import Callable, Literal

# "line": a whole line (a log); on a terminal "start" a line, rewrite the "same" one, "end" it.
Mode = Literal["line", "start", "same", "end"]


class ProgressLine:
    """Called as ``progress(label, 0, total)`` when ``label``'s work starts and
    ``progress(label, done, total)`` after each batch; says it through ``write(text, mode)``."""

    def __init__(self, write: Callable[[str, Mode], None], in_place: bool, after: float = 2.0,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.write = write
        self.in_place = in_place
        self.after = after
        self.clock = clock
        self._started: dict[str, float] = {}
        self._step: dict[str, int] = {}     # the 10 % step last said, per label being said

    def __call__(self, label: str, done: int, total: int) -> None:
        now = self.clock()
        started = self._started.setdefault(label, now)
        finished = done >= total
        elapsed = now - started
        step = 10 * done // max(total, 1)
        said_before = label in self._step
        if elapsed >= self.after and (self.in_place or finished or step != self._step.get(label, 0)):
            rate = done / elapsed
            eta = "" if finished or rate == 0 else f", ETA {(total - done) / rate:.0f} s"
            text = f"{label}: {done}/{total} images, {rate:.2f} images/s, {elapsed:.0f} s{eta}"
            if not self.in_place:
                self.write(text, "line")
            else:
                if not said_before:
                    self.write(text, "start")
                if finished or said_before:
                    self.write(text, "end" if finished else "same")
            self._step[label] = step
        if finished:
            self._started.pop(label, None)
            self._step.pop(label, None)
