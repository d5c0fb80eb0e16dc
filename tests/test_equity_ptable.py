"""The perturbation table of the cell key method (lms.reports.ptable): every
row has zero mean and never takes a count of 1 or more to 0, small counts
are moved less, rows differ, large counts loop over rows 501-750 as in the
ONS table, the design is a setting, and the published table is exactly the
one derived from the documented parameters (a fingerprint fails if it
changes silently)."""

import hashlib
import io
from collections import Counter

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from lms.reports import ptable

# SHA-256 of `manage.py equity_ptable --design <name>`. Changing a design
# changes every published figure: do it on purpose, tell funders, update this.
FINGERPRINTS = {
    "fma-2": "72995eb274370a3f666c4d6e65d4e7736a0a0f206f7078f1ad4949985abaa009",
    "fma-3": "4f7118b070b77f8fa48e0a8cb6a8c9a3dfbfb2b46b1335ec176b3b42f2271d75",
}


@pytest.mark.parametrize("name", sorted(ptable.DESIGNS))
def test_every_row_has_zero_mean_and_keeps_counts_above_zero(name):
    design = ptable.DESIGNS[name]
    for cell_value in range(ptable.ROWS + 1):
        row = ptable.row(name, cell_value)
        assert len(row) == ptable.KEY_RANGE
        assert sum(row) == 0, cell_value  # zero mean: each move up has its move down
        assert Counter(row) == Counter(-move for move in row)  # symmetric
        assert max(abs(move) for move in row) <= design.max_noise
        if cell_value >= 1:
            assert cell_value + min(row) >= 1, cell_value
        else:
            assert set(row) == {0}


def test_the_design_sets_how_many_keys_move_a_count_and_by_how_much():
    assert Counter(ptable.row("fma-2", 40)) == {0: 128, 1: 48, -1: 48, 2: 16, -2: 16}
    assert Counter(ptable.row("fma-3", 40)) == {
        0: 96,
        1: 48,
        -1: 48,
        2: 24,
        -2: 24,
        3: 8,
        -3: 8,
    }
    # Small counts: moves that would reach 0 are taken out on both sides.
    assert Counter(ptable.row("fma-2", 1)) == {0: 256}
    assert Counter(ptable.row("fma-2", 2)) == {0: 160, 1: 48, -1: 48}
    assert Counter(ptable.row("fma-3", 3)) == {0: 96 + 16, 1: 48, -1: 48, 2: 24, -2: 24}


def test_rows_differ_so_a_key_of_zero_still_changes_the_noise():
    rows = {ptable.row("fma-2", c) for c in range(3, ptable.ROWS + 1)}
    assert len(rows) == ptable.ROWS - 2
    # A learner with record key 0 joining a cell of 40 leaves the cell key as
    # it was; the noise still changes for some cell keys.
    assert any(ptable.noise(40, key) != ptable.noise(41, key) for key in range(ptable.KEY_RANGE))


def test_large_counts_reuse_rows_501_to_750():
    assert ptable.pcv(750) == 750
    assert ptable.pcv(751) == 501
    assert ptable.pcv(1000) == 750
    assert ptable.pcv(1001) == 501
    for key in (0, 17, 255):
        assert ptable.noise(1001, key) == ptable.noise(751, key) == ptable.noise(501, key)


def test_cell_keys_are_taken_modulo_256():
    for key in (0, 5, 255):
        assert ptable.noise(40, key) == ptable.noise(40, key + 256) == ptable.noise(40, key + 2560)
    assert ptable.perturb(40, 7) == 40 + ptable.noise(40, 7)


def test_the_design_is_a_setting(settings):
    assert ptable.design().name == "fma-2"
    settings.EQUITY_PTABLE = "fma-3"
    assert ptable.design().name == "fma-3"
    assert {ptable.noise(40, key) for key in range(256)} == {-3, -2, -1, 0, 1, 2, 3}
    settings.EQUITY_PTABLE = "none"
    with pytest.raises(ImproperlyConfigured, match="fma-2"):
        ptable.noise(40, 0)


@pytest.mark.parametrize("name", sorted(ptable.DESIGNS))
def test_the_published_table_is_the_documented_one(name):
    out = io.StringIO()
    call_command("equity_ptable", "--design", name, stdout=out)
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[0] == "pcv,ckey,pvalue"
    assert len(lines) == 1 + (ptable.ROWS + 1) * ptable.KEY_RANGE
    assert hashlib.sha256(text.encode()).hexdigest() == FINGERPRINTS[name]
