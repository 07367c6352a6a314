#!/usr/bin/python3
"""Runs the command examples of Markdown documents and checks their output.

The documentation is the test: the commands a reader copies are run as
written, in document order, in one working directory, and what the document
says they print must appear. tests/tour/run.sh runs it against a gate that
scripts/start.sh started.

Which blocks run. A fenced block of `sh` whose fence line directly follows
the comment `<!-- tour -->` runs. `<!-- tour: skip REASON -->` says why a
block does not (a Docker command, a production path). With --strict every
`sh` block of a document must carry one of the two, so no example escapes
unnoticed.

A block (of any language) after `<!-- tour: excerpt PATH -->` must appear
verbatim in the file PATH: a quoted policy cannot drift from the example.

Inside a block:
  * A line that is not a comment is a command. A trailing backslash joins
    the next line; a here-document (<<EOF ... EOF) belongs to its command.
  * The comment lines (`# ...`) right after a command are its expected
    output: each must match a line of what it printed (stdout and stderr),
    in order. In them `…` and `...` match anything.
  * A command must exit 0, unless it ends with the comment `# exits N`.
  * A command whose expected output has a line ending in `[y/N] y` is run
    on a terminal, and `y` is typed.
  * Exported variables carry over from one command to the next.

Placeholders, so that commands read as a person types them:
  * `pcl_…` is the agent's token (--token).
  * A hexadecimal word ending in `…` (e.g. `5b1e…`) is the id of the latest
    decision the commands printed (a `decision: ID` line).

Exit status: 0 when every block passed, 1 otherwise. Standard library only.
"""

import argparse
import os
import pty
import re
import subprocess
import sys
import tempfile

RUN = "<!-- tour -->"
SKIP = re.compile(r"<!-- tour: skip \S.* -->")
EXCERPT = re.compile(r"<!-- tour: excerpt (\S+) -->")
EXITS = re.compile(r"\s#\s*exits (\d+)\s*$")
DECISION = re.compile(r"^decision: ([0-9a-f]{32})\s*$", re.M)
ID_PLACEHOLDER = re.compile(r"\b[0-9a-f]{2,}…")


class Command:
    def __init__(self, text, where):
        self.text = text
        self.where = where
        self.expected = []


def blocks(path, strict):
    """Yields (line number, lines) of each block to run."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    problems = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip().startswith("```"):
            fence_lang = line.strip()[3:].strip()
            end = i + 1
            while end < len(lines) and not lines[end].strip().startswith("```"):
                end += 1
            previous = lines[i - 1].strip() if i > 0 else ""
            excerpt = EXCERPT.fullmatch(previous)
            if excerpt:
                source = os.path.join(os.path.dirname(path), excerpt.group(1))
                with open(source, encoding="utf-8") as f:
                    if "\n".join(lines[i + 1:end]) + "\n" not in f.read():
                        problems.append(f"{path}:{i + 1}: this block is not "
                                        f"a verbatim part of {source}")
            elif fence_lang == "sh":
                if previous == RUN:
                    yield i + 2, lines[i + 1:end]
                elif not SKIP.fullmatch(previous) and strict:
                    problems.append(
                        f"{path}:{i + 1}: an sh block without {RUN} or "
                        "<!-- tour: skip REASON -->")
            i = end + 1
            continue
        i += 1
    if problems:
        raise SystemExit("\n".join(problems))


def commands(path, start, lines):
    """Splits a block into commands with their expected output."""
    result = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        if stripped.startswith("#"):
            if not result:
                raise SystemExit(f"{path}:{start + i}: output before a command")
            result[-1].expected.append(stripped[1:].strip())
            i += 1
            continue
        where = f"{path}:{start + i}"
        text = line
        while text.endswith("\\") and i + 1 < len(lines):
            i += 1
            text += "\n" + lines[i]
        heredoc = re.search(r"<<-?\s*'?(\w+)'?", text)
        if heredoc:
            terminator = heredoc.group(1)
            while i + 1 < len(lines):
                i += 1
                text += "\n" + lines[i]
                if lines[i].strip() == terminator:
                    break
        result.append(Command(text, where))
        i += 1
    return result


def pattern(expected):
    parts = re.split(r"…|\.\.\.", expected)
    return re.compile(".*".join(re.escape(p) for p in parts))


def check(expected, output):
    """Returns the first expected line not found, in order; None if all are."""
    lines = [l.rstrip("\r") for l in output.split("\n")]
    at = 0
    for want in expected:
        rx = pattern(want)
        while at < len(lines) and not rx.search(lines[at]):
            at += 1
        if at == len(lines):
            return want
        at += 1
    return None


def run_on_terminal(script, env, cwd):
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execve("/bin/bash", ["bash", "-c", script], env)
    chunks = []
    answered = False
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
        # Type the answer once asked, as a person would.
        if not answered and b"[y/N] " in b"".join(chunks):
            os.write(fd, b"y\n")
            answered = True
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode(
        "utf-8", "replace")


class Session:
    def __init__(self, cwd, token):
        self.cwd = cwd
        self.token = token
        self.decision = None
        self.state = tempfile.NamedTemporaryFile(
            "w", prefix="tour-env-", delete=False)
        self.state.close()

    def substitute(self, text, where):
        text = text.replace("pcl_…", self.token)
        if ID_PLACEHOLDER.search(text):
            if self.decision is None:
                raise SystemExit(f"{where}: a decision id, but none was printed")
            text = ID_PLACEHOLDER.sub(self.decision, text)
        return text

    def run(self, command):
        text = self.substitute(command.text, command.where)
        exits = EXITS.search(text.split("\n")[-1])
        want_status = int(exits.group(1)) if exits else 0
        script = (f"source {self.state.name}\n{text}\n__status=$?\n"
                  f"export -p > {self.state.name}\nexit $__status\n")
        env = dict(os.environ)
        if any(e.endswith("[y/N] y") for e in command.expected):
            status, output = run_on_terminal(script, env, self.cwd)
        else:
            done = subprocess.run(["bash", "-c", script], cwd=self.cwd,
                                  env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
            status, output = done.returncode, done.stdout
        ids = DECISION.findall(output)
        if ids:
            self.decision = ids[-1]
        missing = check(command.expected, output)
        if status != want_status or missing is not None:
            why = (f"exited {status}, not {want_status}"
                   if status != want_status else f"did not print: {missing}")
            print(f"FAIL {command.where}: {why}\n$ {text}\n{output}",
                  file=sys.stderr)
            return False
        print(f"ok   {command.where}: {text.splitlines()[0]}")
        return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cwd", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("documents", nargs="+")
    args = parser.parse_args()
    session = Session(args.cwd, args.token)
    failed = 0
    ran = 0
    for document in args.documents:
        path = os.path.join(args.cwd, document)
        found = 0
        for start, lines in blocks(path, args.strict):
            found += 1
            for command in commands(document, start, lines):
                ran += 1
                if not session.run(command):
                    failed += 1
        if found == 0:
            print(f"FAIL {document}: no block is marked {RUN}", file=sys.stderr)
            failed += 1
    os.unlink(session.state.name)
    print(f"{ran} commands, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
