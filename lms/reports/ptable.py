"""The cell key method's perturbation table (pTable), as the ONS used it to
protect Census 2021 tables against differencing.

- Every learner has a record key: a whole number 0 to 255 drawn once, at
  random, with `secrets` (lms.equity.models.RecordKey), stored and never shown.
- A cell of a table (the learners of one group who, say, activated) has a
  cell key: the sum of its learners' record keys, modulo 256. The database
  adds the keys up in the same grouped query that counts the learners.
- The pTable maps (count, cell key) to a small whole-number noise, added to
  the count. The same set of people always has the same count and the same
  cell key, so it always gets the same noise: asking again, in any report,
  filter or characteristic, returns the same figure and nothing averages
  out; and two overlapping sets get unrelated noise, so subtracting one
  figure from another does not give the people in between.

The table is public (docs/operations.md; `manage.py equity_ptable` prints
it); the record keys are secret. It is derived, deterministically, from a
design (EQUITY_PTABLE) and these rules:

- a design gives, out of the 256 cell keys, how many leave a count as it is
  and how many move it by 1, 2, ... up (and the same number down);
- the noise of a count c never takes it below 1 (nor 0 from 0): where c - 1
  is smaller than the design's largest move, the moves larger than c - 1 are
  taken out on both sides and their keys leave the count as it is. Every row
  is symmetric, so the noise has zero mean for every count. (So a count of 1
  is never perturbed: it cannot move down, and moving it only up would bias
  it. Small counts are hidden anyway, see lms.reports.disclosure.)
- which cell keys of row c carry which noise is fixed by sorting the keys
  0..255 by SHA-256 of "<design>/<c>/<key>" and giving the moves, from the
  largest down to the largest up, to consecutive keys in that order. Rows
  differ, so a learner whose record key is 0 still changes the noise when
  they join a cell.
- like the ONS table, rows 0 to 750 are listed and larger counts reuse rows
  501 to 750 in turn (c > 750 uses row 501 + (c - 1) mod 250).
"""

import csv
import hashlib
import io
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from lms.equity.models import KEY_RANGE  # record keys and cell keys are 0..255

ROWS = 750
LOOP_FROM = 501


@dataclass(frozen=True)
class Design:
    name: str
    summary: str
    # keys (out of 256) for a move of 0, then of 1, 2, ... in each direction
    weights: tuple[int, ...]

    @property
    def max_noise(self) -> int:
        return len(self.weights) - 1

    def check(self):
        if self.weights[0] + 2 * sum(self.weights[1:]) != KEY_RANGE or min(self.weights) < 0:
            raise ImproperlyConfigured(f"pTable design {self.name} does not share out 256 keys.")


DESIGNS = {
    design.name: design
    for design in (
        Design(
            "fma-2",
            "moves of up to 2: half the cell keys leave a count as it is, 3 in 16 move it by 1 "
            "up and 3 in 16 by 1 down, 1 in 16 by 2 up and 1 in 16 by 2 down",
            (128, 48, 16),
        ),
        Design(
            "fma-3",
            "moves of up to 3: 3 in 8 of the cell keys leave a count as it is, 3 in 16 move it "
            "by 1 each way, 3 in 32 by 2 each way, 1 in 32 by 3 each way",
            (96, 48, 24, 8),
        ),
    )
}
DEFAULT_DESIGN = "fma-2"


def design() -> Design:
    name = settings.EQUITY_PTABLE
    try:
        chosen = DESIGNS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"EQUITY_PTABLE={name!r} is not a pTable design; choose one of {', '.join(DESIGNS)}."
        ) from None
    chosen.check()
    return chosen


def pcv(count: int) -> int:
    """The row of the table a count uses (ONS: the "perturbation cell value")."""
    if count <= ROWS:
        return count
    return LOOP_FROM + (count - 1) % (ROWS - LOOP_FROM + 1)


@cache
def row(name: str, cell_value: int) -> tuple[int, ...]:
    """The noise for each cell key 0..255 of one row of a design's table."""
    spec = DESIGNS[name]
    reach = max(0, min(spec.max_noise, cell_value - 1))
    moves = []
    for size in range(reach, 0, -1):
        moves += [-size] * spec.weights[size]
    moves += [0] * (KEY_RANGE - 2 * sum(spec.weights[1 : reach + 1]))
    for size in range(1, reach + 1):
        moves += [size] * spec.weights[size]
    order = sorted(
        range(KEY_RANGE),
        key=lambda key: hashlib.sha256(f"{name}/{cell_value}/{key}".encode()).digest(),
    )
    noise = [0] * KEY_RANGE
    for key, move in zip(order, moves, strict=True):
        noise[key] = move
    return tuple(noise)


def noise(count: int, key_sum: int) -> int:
    """The noise added to a count whose records' keys add up to `key_sum`."""
    return row(design().name, pcv(int(count)))[int(key_sum) % KEY_RANGE]


def perturb(count: int, key_sum: int) -> int:
    """The count as served: count + noise (never below 1 for a count of 1 or more)."""
    return int(count) + noise(count, key_sum)


def table_csv(name: str | None = None) -> str:
    """The whole table of a design as CSV (pcv, ckey, pvalue), as the ONS
    publishes its pTables."""
    name = name or design().name
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["pcv", "ckey", "pvalue"])
    for cell_value in range(ROWS + 1):
        for key, move in enumerate(row(name, cell_value)):
            writer.writerow([cell_value, key, move])
    return buffer.getvalue()
