from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.message}"


MAX_PROBLEMS = 500  # shown at once; more would only bury the first ones


class LibraryImportError(Exception):
    def __init__(self, problems: list[Problem]):
        problems = sorted(problems)
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS] + [
                Problem("", 0, f"… and {more} more problems: fix these first")
            ]
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in self.problems))
