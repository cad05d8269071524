"""Reads tests/bad_inputs/catalogue.txt (its format is described at its top).

Shared by tests/cli_bad_inputs.py (the command-line test) and
scripts/bad-inputs-table.py (docs/bad-inputs.md); the API test
(tests/api/test_bad_inputs.cpp) reads the same file in C++.
"""

import re
import shlex

SEPARATOR = " | "
SECTION = re.compile(r"^# -{8,} (.+)$")
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PROGRAMS = ("kobie-decay", "kobie")


class CatalogueError(Exception):
    pass


class Entry:
    def __init__(self, line_number, fields):
        self.line = line_number
        self.id, self.api, self.cli = fields[0], fields[1], fields[2]
        self.setting, self.value, self.allowed = fields[3], fields[4], fields[5]
        self.more = fields[6:]
        self.section = ""  # the title of the "# ---- title" line above it

    @property
    def fragments(self):
        return [self.setting, self.value, self.allowed] + self.more

    def cli_program(self):
        """The program of the CLI form and its arguments (as a shell splits them)."""
        words = shlex.split(self.cli)
        return words[0], words[1:]


class Catalogue:
    def __init__(self):
        self.baselines = {}  # "api" or a program -> its text
        self.files = {}  # name -> contents
        self.entries = []


def read(path):
    """The catalogue at `path`; raises CatalogueError naming the line of any malformed one."""
    cat = Catalogue()
    ids = set()
    section = ""
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            title = SECTION.match(line)
            if title:
                section = title.group(1)
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = [x.strip() for x in line.split(SEPARATOR)]
            where = "%s:%d" % (path, number)
            head = fields[0].split(" ", 1)
            if head[0] == "baseline":
                if len(head) != 2 or len(fields) != 2:
                    raise CatalogueError(where + ": a baseline is 'baseline WHAT | ITEMS'")
                cat.baselines[head[1]] = fields[1]
                continue
            if head[0] == "file":
                if len(head) != 2:
                    raise CatalogueError(where + ": a file is 'file NAME | LINE | ...'")
                cat.files[head[1]] = "".join(x + "\n" for x in fields[1:])
                continue
            if len(fields) < 6:
                raise CatalogueError(where + ": an entry needs ID | API | CLI | SETTING | VALUE | ALLOWED")
            e = Entry(number, fields)
            e.section = section
            if not ID.match(e.id) or e.id in ids:
                raise CatalogueError(where + ": id '%s' is malformed or not unique" % e.id)
            ids.add(e.id)
            if e.api == "-" and e.cli == "-":
                raise CatalogueError(where + ": '%s' has neither an API nor a CLI form" % e.id)
            if any(not x for x in e.fragments):
                raise CatalogueError(where + ": '%s' has an empty fragment" % e.id)
            if e.cli != "-":
                program, _ = e.cli_program()
                if program not in PROGRAMS:
                    raise CatalogueError(where + ": '%s' runs '%s'; allowed: %s" % (e.id, program, ", ".join(PROGRAMS)))
                if program not in cat.baselines:
                    raise CatalogueError(where + ": no 'baseline %s' line" % program)
            cat.entries.append(e)
    if "api" not in cat.baselines:
        raise CatalogueError(path + ": no 'baseline api' line")
    return cat
