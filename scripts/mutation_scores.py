"""Prints the share of mutants killed per module after `mutmut run`
(`make mutation`), from `mutmut results --all true`. A mutant counts as killed
when a test failed (or timed out) with it in place; "no tests" and "survived"
count against the module. Exits non-zero when a module is under the goal."""

import re
import subprocess
import sys
from collections import Counter, defaultdict

GOAL = 0.90
LINE = re.compile(r"^\s*(?P<mutant>(?P<name>\S+)__mutmut_\d+): (?P<status>.+)$")
KILLED = {"killed", "timeout"}
# Surviving mutants that change nothing anyone could observe, with the reason.
# They are left out of the score (docs/testing.md).
EQUIVALENT = {
    "content.markdown.x__convert__mutmut_6": "output_format dropped: nh3 re-serialises the "
    "HTML, so <br /> and <br> come out alike",
    "content.markdown.x__convert__mutmut_10": 'output_format="HTML": the same as "html"',
    "content.markdown.x_render_markdown__mutmut_15": "link_rel dropped: nh3's default is the "
    "same noopener noreferrer",
    "content.markdown.x_render_markdown__mutmut_16": "strip_comments dropped: nh3's default "
    "is True",
    **{
        f"lms.nudges.links.x_{token}__mutmut_{n}": "compress flag changed: a signed integer id "
        "does not compress, so the token is the same"
        for token in ("click_token", "unsubscribe_token")
        for n in (3, 6, 7)
    },
    "lms.pathways.recommend.x_score__mutmut_5": "total = STARTED_COURSE: it is the first weight "
    "added, so total is still 0.0 and = equals +=",
    "lms.pathways.recommend.x_score__mutmut_28": "gap >= 0: a zero gap adds 0.0 and gives no "
    "reason (reasons start at 2)",
    "lms.pathways.recommend.x_score__mutmut_32": "gap / GAP_PER_POINT: the weight is 1.0, so "
    "dividing equals multiplying",
    **{
        f"lms.pathways.recommend.x_recommend__mutmut_{n}": "another large default pathway "
        "position: pathway scores carry a fraction 1/(1+p) and all other weights are whole "
        "numbers, so a pathway lesson ties one off the pathway only at p=0, and any positive "
        "default sorts it after"
        for n in (17, 18, 19)
    },
    "lms.pathways.recommend.x_recommend__mutmut_22": "key <= best: keys end in the lesson id and "
    "there is one candidate per course, so keys are never equal",
    "lms.progress.services.x_answer_check__mutmut_76": "save() without update_fields: the row was "
    "just read under select_for_update, so the other columns are written back unchanged",
    "lms.progress.services.x_complete_lesson__mutmut_46": "save() without update_fields: the row "
    "was just read under select_for_update, so the other columns are written back unchanged",
    "lms.progress.services.x_complete_lesson__mutmut_95": "next() without its default: the "
    "certificates receiver always answers a course_completed, so there is always a value",
    "lms.progress.services.x_complete_course_if_done__mutmut_5": "values_list(flat=True) with no "
    "field name returns the model's first field, Page.id, which is the pk",
    "lms.nudges.delivery.x_claim__mutmut_30": "pk dropped from the read-back: the claim token "
    "is a fresh uuid4 on this one row, so filter(claim=token) finds the same row",
    "lms.nudges.delivery.x_claim__mutmut_31": "claim=token dropped from the read-back: the row "
    "was claimed by this UPDATE a moment before; another worker can take it only after the lease",
    "lms.nudges.delivery.x_finish__mutmut_5": "pk dropped: the claim token is unique to one row, "
    "so the same row is updated",
    "lms.nudges.delivery.x_deliver__mutmut_15": "opened = None instead of False: only its truth "
    "is read",
    "lms.nudges.delivery.x_deliver__mutmut_59": "opened = None instead of False: only its truth "
    "is read",
    "lms.nudges.delivery.x_deliver__mutmut_46": "build_message(nudge, None): message.connection "
    "is never read, delivery sends through connection.send_messages",
    "lms.nudges.delivery.x_deliver__mutmut_48": "build_message(nudge): the same, connection "
    "defaults to None",
    "courses.workspace.x__permission__mutmut_3": "the app label dropped: no two apps define "
    "these permission codenames",
    "courses.workspace.x_hidden_page_ids__mutmut_19": "values_list(flat=True) with no field name "
    "returns the model's first field, the id",
    "courses.workspace.x_visible_pages__mutmut_4": "excluding an empty list of ids changes no "
    "result",
    **{
        f"courses.workspace.x_review_permission__mutmut_{n}": "the permission's display name: it "
        "is given only when the permission is first made (migration 0006 or the first "
        "ensure_editors); later calls find it by codename"
        for n in (4, 13, 14, 15)
    },
    **{
        f"courses.workspace.x__root_collection__mutmut_{n}": "the root collection's name when one "
        "has to be made: only an emptied test database lacks the root Wagtail's migration makes"
        for n in (2, 3, 4, 5)
    },
    **{
        f"lms.reports.disclosure.{name}__mutmut_{n}": "zip's strict flag changed or dropped: "
        "the sequences zipped are built from the same rows, so they are always as long"
        for name, numbers in (
            ("x__determined", (53, 56, 57)),
            ("x__count_column", (9, 12, 13, 18, 21, 22, 39, 42, 43)),
        )
        for n in numbers
    },
    "lms.reports.disclosure.x__determined__mutmut_13": "+= 1 to = 1 for a member: the members "
    "of one equation are distinct cells, so each is counted once either way",
    "lms.reports.disclosure.x__half_up__mutmut_9": "quantize to Decimal(2) instead of "
    "Decimal(1): quantize uses only the exponent, which is 0 for both",
    "lms.reports.disclosure.x_round_count__mutmut_2": "base < 1 instead of <= 1: rounding to a "
    "multiple of 1 returns the count unchanged either way",
    "lms.reports.disclosure.x__half_up_fraction__mutmut_6": "value <= 0 for the sign: the sign "
    "of 0 does not change 0",
    "lms.reports.disclosure.x_protect_counts__mutmut_9": "with the total unknown to the reader "
    "the one equation always has two hidden cells, so nothing is ever determined either way",
}
NOT_COUNTED = {"skipped", "not checked", "equivalent"}


def module_of(name: str) -> str:
    # content.reading_time.x_estimate, content.reading_time.xǁReadingTimeǁfits
    return re.split(r"\.x[_ǁ]", name, maxsplit=1)[0]


def main() -> int:
    output = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    counts: dict[str, Counter] = defaultdict(Counter)
    for line in output.splitlines():
        match = LINE.match(line)
        if match:
            status = match["status"].strip()
            if status == "survived" and match["mutant"] in EQUIVALENT:
                status = "equivalent"
            counts[module_of(match["name"])][status] += 1
    if not counts:
        print("No mutants found: run `mutmut run` first.")
        return 1
    below = 0
    print(f"{'module':40} {'killed':>7} {'of':>5} {'score':>7}  survivors")
    for module in sorted(counts):
        tally = counts[module]
        total = sum(n for status, n in tally.items() if status not in NOT_COUNTED)
        killed = sum(tally[status] for status in KILLED)
        if not total:
            below += 1
            print(
                f"{module:40} {killed:7} {total:5} {'—':>7}  not measured: "
                + ", ".join(f"{n} {s}" for s, n in sorted(tally.items()))
            )
            continue
        score = killed / total
        below += score < GOAL
        rest = ", ".join(f"{n} {s}" for s, n in sorted(tally.items()) if s not in KILLED)
        print(f"{module:40} {killed:7} {total:5} {score:7.1%}  {rest}")
    print(f"\nGoal: at least {GOAL:.0%} killed in each module; {below} below it.")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
