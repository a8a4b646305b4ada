"""One self-rewriting progress line on a terminal: packets, percent, rate, time left."""

import time


def _clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """Draw progress(done bytes, total bytes, packets) calls once the work has run `delay` s."""

    def __init__(self, stream, clock=time.monotonic, delay=2.0, every=0.5):
        self.stream, self.clock, self.delay, self.every = stream, clock, delay, every
        self.began = clock()
        self.drawn = None  # when the line was last drawn

    def __call__(self, done, total, packets):
        now = self.clock()
        elapsed = now - self.began
        # a quick import prints nothing; a long one redraws at most every `every` seconds
        if elapsed < self.delay or (self.drawn is not None and now - self.drawn < self.every):
            return
        self.drawn = now
        fraction = done / total if total else 1.0
        left = elapsed * (1 - fraction) / fraction if fraction > 0 else 0
        self.stream.write(f"\r{packets:,} packets  {fraction:6.1%}  {packets / elapsed:,.0f} "
                          f"packets/s  ETA {_clock(left)} ")
        self.stream.flush()

    def finish(self):
        """End the line, if one was drawn, so what follows starts on a line of its own."""
        if self.drawn is not None:
            self.stream.write("\n")
            self.stream.flush()
