"""YAML for course files: plain values only, and never more than was written.

`load(text)` is `yaml.safe_load` with these refused, each as a `YamlProblem`
naming the line (0-based, within `text`) and what to change:

- anchors and aliases (`&name`, `*name`): an alias repeats a value, so a few
  lines of them can stand for billions of values ("billion laughs");
- nesting deeper than MAX_DEPTH lists and mappings (course files need three);
- tags (`!!str`, `!python/...`): a course file holds text, numbers, dates,
  true/false, lists and `key: value` lines, nothing else;
- a key given twice in one mapping (YAML keeps the last one silently);
- control characters in a value (`"\\0"` and other escapes);
- anything else PyYAML raises (syntax errors, numbers too long to read...).

A date that is not a real day (`2027-02-30`) is read as the text it is, so
the field that wanted a date can say so. Parsing uses libyaml's C parser when
it is installed (fast), with the composing (where the checks are) in Python.
"""

import re

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode
from yaml.resolver import Resolver

MAX_DEPTH = 20
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
ALIASES = "YAML anchors and aliases (&name, *name) are not allowed: write each value out in full"
TAGS = "YAML tags such as !!str are not allowed: put quotes around text instead"
TOO_DEEP = f"the YAML is nested more than {MAX_DEPTH} levels deep; course files need a few"


class YamlProblem(Exception):
    """`line` is 0-based within the YAML text. `syntax` is true when the text
    is not YAML at all (the message then says so), false when it is YAML that
    course files do not accept."""

    def __init__(self, line: int, message: str, *, syntax: bool = False):
        self.line = max(int(line), 0)
        self.message = message
        self.syntax = syntax
        super().__init__(f"line {self.line + 1}: {message}")


class _Refused(yaml.YAMLError):
    def __init__(self, mark, message):
        self.mark = mark
        self.message = message


def character_name(character: str) -> str:
    return f"U+{ord(character):04X}"


class StrictComposer(Composer):
    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(event.start_mark, ALIASES)
        if getattr(event, "tag", None) is not None:
            raise _Refused(event.start_mark, TAGS)
        nests = isinstance(event, (SequenceStartEvent, MappingStartEvent))
        if nests:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Refused(event.start_mark, TOO_DEEP)
        try:
            return super().compose_node(parent, index)
        finally:
            if nests:
                self._depth -= 1


class StrictConstructor(SafeConstructor):
    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        if isinstance(value, str) and (bad := CONTROL.search(value)):
            raise _Refused(
                node.start_mark,
                f"the value holds a control character ({character_name(bad.group())}), "
                "which is not allowed",
            )
        return value

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            self.flatten_mapping(node)
        mapping = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise _Refused(
                    key_node.start_mark, "a key must be a word, not a list or a mapping"
                ) from None
            if key in mapping:
                raise _Refused(key_node.start_mark, f"'{shown(key)}' is given twice")
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)  # "2027-02-30": the field says what is wrong

    def construct_yaml_int(self, node):
        try:
            return super().construct_yaml_int(node)
        except (ValueError, OverflowError):
            raise _Refused(node.start_mark, "the number is too long to read") from None


StrictConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", StrictConstructor.construct_yaml_timestamp
)
StrictConstructor.add_constructor("tag:yaml.org,2002:int", StrictConstructor.construct_yaml_int)


class PythonLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    StrictComposer,
    StrictConstructor,
    Resolver,
):
    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        StrictComposer.__init__(self)
        StrictConstructor.__init__(self)
        Resolver.__init__(self)


Loader = PythonLoader
if getattr(yaml, "__with_libyaml__", False):
    from yaml._yaml import CParser

    class CLoader(StrictComposer, CParser, StrictConstructor, Resolver):
        """libyaml's parser gives the events; the composer above (which comes
        first, so its get_single_node is used) checks them."""

        def __init__(self, stream):
            CParser.__init__(self, stream)
            StrictComposer.__init__(self)
            StrictConstructor.__init__(self)
            Resolver.__init__(self)

    Loader = CLoader


def shown(value, limit: int = 60) -> str:
    """A value for a message: short, on one line."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load(text: str, loader=None):
    """The data in `text`, or YamlProblem."""
    made = None
    try:
        made = (loader or Loader)(text)
        return made.get_single_data()
    except _Refused as exc:
        raise YamlProblem(getattr(exc.mark, "line", 0), exc.message) from None
    except yaml.YAMLError as exc:
        last_line = max(len(text.splitlines()) - 1, 0)
        mark = getattr(exc, "problem_mark", None)
        context = getattr(exc, "context_mark", None)
        if context is not None and (mark is None or mark.line >= last_line):
            mark = context  # "unexpected end": where the unclosed thing began
        line = mark.line if mark is not None else line_of_position(text, exc)
        line = min(line, last_line)
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
        if "maximum nesting depth" in str(problem):  # libyaml's own limit, 1000 levels
            raise YamlProblem(line, TOO_DEEP) from None
        raise YamlProblem(line, shown(problem, 200), syntax=True) from None
    except RecursionError:
        raise YamlProblem(0, TOO_DEEP) from None
    except (ValueError, TypeError, OverflowError, UnicodeError) as exc:
        raise YamlProblem(0, f"it could not be read ({shown(exc, 100)})", syntax=True) from None
    finally:
        if made is not None:
            made.dispose()


def line_of_position(text: str, exc) -> int:
    """The line of a reader error, which gives a character position, not a mark."""
    position = getattr(exc, "position", None)
    if not isinstance(position, int):
        return 0
    return text.count("\n", 0, position)
