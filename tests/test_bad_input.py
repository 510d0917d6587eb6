"""Every bad input is answered in one line, leaks nothing and writes nothing outside --out.

Issue 12. A catalogue of named bad inputs (tests/bad_inputs.py) runs through the real CLI in a
subprocess, each in a fresh folder beside a canary folder; hypothesis then generates scenario
files, ``--set`` strings and argument lists and runs them in-process (a sample in a subprocess).
For each: exit 0, or exit 2 with exactly one line on stderr; no traceback; done within the
timeout; no secret in the output; nothing written outside the designated results folders; files
that were there before (and a results folder of an earlier run) byte-identical afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import math
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bad_inputs import CASES, SECRET, Case, CharDev, Dir, Fifo, FileSpec, JsonAppend, Link
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from loopback import free_port, http_server, junk_server

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 45.0  # seconds a case may take; a hang is a failure, not a wait
MEMORY = 4 << 30  # address-space cap of each subprocess: reading /dev/zero must not eat the host
ENV_MARKER = "ENVMARK-" + uuid.uuid4().hex[:12]  # in every subprocess' environment; never shown
FAST = ["-n", "2", "-s", "1", "--backend", "serial", "--plots", "none", "-q"]
HYPO = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a hang would be re-run many times
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# ---------------------------------------------------------------- servers that are not Dask


@pytest.fixture(scope="session")
def ports() -> Iterator[dict[str, str]]:
    """Loopback ports: a plain TCP server, an HTTP server and a closed port."""
    with junk_server() as tcp, http_server() as web:
        yield {"@TCP@": str(tcp), "@HTTP@": str(web), "@CLOSED@": str(free_port())}


# ---------------------------------------------------------------- a run's surroundings


@pytest.fixture(scope="session")
def side_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """HOME, TMPDIR and caches for the subprocesses, outside every case's snapshot."""
    base = tmp_path_factory.mktemp("side")
    return {name: str(base / name) for name in ("home", "tmp", "mpl")}


def _env(side: Mapping[str, str]) -> dict[str, str]:
    """The subprocess environment: the repo importable, a marker to spot leaks, no host caches."""
    for folder in side.values():
        os.makedirs(folder, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": side["home"],
        "TMPDIR": side["tmp"],
        "MPLCONFIGDIR": side["mpl"],
        "XDG_CACHE_HOME": side["home"],
        "LANG": "C.UTF-8",
        "DMZSIM_TEST_SECRET": ENV_MARKER,
    }


@pytest.fixture(scope="session")
def prev_results(tmp_path_factory: pytest.TempPathFactory, side_dirs: dict[str, str]) -> Path:
    """A small valid results folder (2 replications), copied into the cases that target one."""
    base = tmp_path_factory.mktemp("prev")
    args = ["run", "baseline_2024", *FAST, "--out", "prev"]
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=base,
        env=_env(side_dirs),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return base / "prev"


def _limits(file_limit: int | None) -> Callable[[], None]:
    """What the child runs before exec: cap its address space and, for a simulated full disk,
    the size of any file it writes (a write past it fails with EFBIG instead of a signal)."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        if file_limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return apply


@dataclass
class Outcome:
    """What a subprocess did."""

    code: int | None  # None: killed after the timeout
    out: str
    err: str
    seconds: float = 0.0
    orphans: int = 0  # processes of its group still running after it exited


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group ``pgid``, read from /proc."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "(comm)": state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry))
    return pids


def reap_group(pgid: int, grace: float = 3.0) -> int:
    """How many processes the group still had ``grace`` seconds after its leader exited;
    they are killed (they are ours: the group was made for this one run)."""
    deadline = time.monotonic() + grace
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    return len(left)


def run_cli(
    args: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    file_limit: int | None = None,
    interrupt_after: float | None = None,
) -> Outcome:
    """``python -m sim ARGS`` in ``cwd``; its whole process group killed after TIMEOUT.
    With ``interrupt_after``, the group gets SIGINT then, as a terminal's Ctrl-C sends it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_limits(file_limit),
    )
    start = time.monotonic()
    if interrupt_after is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=interrupt_after)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # our own child's group, nothing else
        out, err = proc.communicate()
        code = None
    seconds = time.monotonic() - start
    orphans = reap_group(proc.pid)
    text = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    return Outcome(code, *text, seconds=seconds, orphans=orphans)


# ---------------------------------------------------------------- snapshots


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under ``root``: relative path -> content digest (or its kind)."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            elif p.is_file():
                out[rel] = hashlib.sha1(p.read_bytes()).hexdigest()
            else:
                out[rel] = "special"
    return out


def repo_results() -> set[str]:
    """The names in the repo's own results/ folder (no case may add one)."""
    folder = REPO / "results"
    return set(os.listdir(folder)) if folder.is_dir() else set()


def _inside(rel: str, folders: Sequence[str], work: str = "work") -> bool:
    """Whether ``rel`` (relative to the case root) lies in one of the ``folders`` of work."""
    p = Path(rel)
    for folder in folders:
        base = Path(os.path.normpath(Path(work) / folder))
        if p == base or base in p.parents:
            return True
    return False


def secret_lines(paths: Sequence[str]) -> list[str]:
    """The distinctive lines of the readable ``paths`` (the ones a leak would show)."""
    lines: list[str] = []
    for path in paths:
        with contextlib.suppress(OSError):
            text = Path(path).read_text("utf-8", "replace")
            lines += [x.strip() for x in text.splitlines() if len(x.strip()) >= 12]
    return lines


# ---------------------------------------------------------------- checks


def check_answer(
    code: int | None, out: str, err: str, mention: Sequence[str] = (), codes: Sequence[int] = (0, 2)
) -> list[str]:
    """What is wrong with an answer: the exit status, the error line, a traceback, a leak."""
    problems = []
    if code is None:
        problems.append(f"no answer within {TIMEOUT:.0f} s")
    elif code not in codes:
        problems.append(f"exit status {code}")
    if "Traceback" in out + err:
        problems.append("traceback: " + _last_line(err or out))
    if ENV_MARKER in out + err:
        problems.append("leaked an environment variable")
    if SECRET in out + err:
        problems.append("leaked a line of a private file")
    if code == 130 and len(err.splitlines()) > 1:
        problems.append(f"{len(err.splitlines())} lines on stderr after Ctrl-C: {err[:300]!r}")
    if code == 2:
        lines = err.splitlines()
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines on stderr: {err[:300]!r}")
        elif not lines[0].startswith("dmzsim"):
            problems.append(f"error line does not start with 'dmzsim': {lines[0][:200]!r}")
        elif mention and not any(m.lower() in lines[0].lower() for m in mention):
            problems.append(f"error names none of {list(mention)}: {lines[0][:200]!r}")
        if any(c in err for c in "\x1b\r\x00\x07"):
            problems.append(f"control characters on stderr: {err[:200]!r}")
    return problems


def _last_line(text: str) -> str:
    """The last non-empty line (an exception's message)."""
    lines = [x for x in text.splitlines() if x.strip()]
    return lines[-1][:200] if lines else ""


def check_tree(
    before: Mapping[str, str],
    after: Mapping[str, str],
    allowed: Sequence[str],
    kept: Sequence[str],
    changeable: Sequence[str] = (),
) -> list[str]:
    """New files only in ``allowed`` folders of work; every file under ``kept`` unchanged."""
    problems = []
    new = sorted(k for k in after if k not in before and not _inside(k, allowed))
    if new:
        problems.append(f"wrote outside the results folder: {new[:5]}")
    for rel, digest in before.items():
        if rel in changeable:
            continue
        if any(rel == k or rel.startswith(k + "/") for k in kept) and after.get(rel) != digest:
            problems.append(f"changed or removed {rel}")
    return problems


# ---------------------------------------------------------------- the catalogue


def _fill(text: str, tokens: Mapping[str, str]) -> str:
    """``text`` with the run-time tokens replaced."""
    for token, value in tokens.items():
        text = text.replace(token, value)
    return text


def make_file(path: Path, spec: FileSpec, tokens: Mapping[str, str]) -> None:
    """Create one entry of a case's ``files``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(spec, Dir):
        path.mkdir(exist_ok=True)
    elif isinstance(spec, Fifo):
        os.mkfifo(path)
    elif isinstance(spec, CharDev):
        try:  # a private copy of /dev/null: what a write "to /dev/null" must not replace
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(spec.major, spec.minor))
        except PermissionError:
            pytest.skip("cannot make a device node here")
    elif isinstance(spec, Link):
        path.symlink_to(spec.target)
    elif isinstance(spec, JsonAppend):
        data = json.loads(path.read_text(encoding="utf-8"))
        data[spec.key] = [*data.get(spec.key, []), *(_fill(v, tokens) for v in spec.values)]
        path.write_text(json.dumps(data), encoding="utf-8")
    elif isinstance(spec, bytes):
        path.write_bytes(spec)
    else:
        path.write_bytes(_fill(spec, tokens).encode("utf-8"))


def setup_case(case: Case, root: Path, prev: Path | None, tokens: Mapping[str, str]) -> Path:
    """The case's folders: work (with its files), a canary beside it; returns the cwd."""
    work = root / "work"
    work.mkdir()
    (root / "canary").mkdir()
    (root / "canary" / "canary.txt").write_text("must survive\n")
    if case.prev and prev is not None:
        shutil.copytree(prev, work / case.prev)
    for rel, spec in case.files.items():
        target = Path(os.path.normpath(work / rel))
        if target.exists() and not isinstance(spec, (Dir, JsonAppend)):
            target.unlink()  # a corrupted copy of a file of prev
        make_file(target, spec, tokens)
    cwd = work / case.cwd
    cwd.mkdir(parents=True, exist_ok=True)
    return cwd


def kept_paths(case: Case) -> list[str]:
    """Paths (relative to the root) whose content must survive the case."""
    kept = ["canary"] + [os.path.normpath(Path("work") / rel) for rel in case.files]
    if case.prev and not case.prev_may_change:
        kept.append(str(Path("work") / case.prev))
    return kept


def changeable(case: Case) -> list[str]:
    """Paths (relative to the root) the case may rewrite."""
    return [os.path.normpath(Path("work") / rel) for rel in case.may_change]


@pytest.mark.parametrize("case", CASES)
def test_bad_input(
    case: Case,
    tmp_path: Path,
    ports: dict[str, str],
    side_dirs: dict[str, str],
    request: pytest.FixtureRequest,
) -> None:
    """One catalogue case: a clean answer, no leak, nothing written or lost where it must not."""
    tokens = {**ports, "@ROOT@": str(tmp_path), "@WORK@": str(tmp_path / "work")}
    prev = request.getfixturevalue("prev_results") if case.prev else None
    cwd = setup_case(case, tmp_path, prev, tokens)
    before, repo_before = snapshot(tmp_path), repo_results()
    args = [_fill(a, tokens) for a in case.args]
    res = run_cli(args, cwd, _env(side_dirs), case.file_limit, case.interrupt_after)
    after = snapshot(tmp_path)
    codes = (0, 2, 130) if case.interrupt_after else (0, 2)
    problems = check_answer(res.code, res.out, res.err, case.mention, codes)
    if res.orphans:
        problems.append(f"left {res.orphans} processes running after it exited")
    if res.code is not None and res.seconds > case.within:
        problems.append(f"took {res.seconds:.0f} s (at most {case.within:.0f} s)")
    if case.expect not in ("any", str(res.code)) and res.code is not None:
        problems.append(f"expected exit {case.expect}, got {res.code}: {_last_line(res.err)}")
    for line in secret_lines(case.secrets):
        if line in res.out + res.err:
            problems.append(f"leaked a line of {case.secrets}")
            break
    allowed = list(case.allowed)
    problems += check_tree(before, after, allowed, kept_paths(case), changeable(case))
    work = tmp_path / "work"
    problems += [f"{rel} exists" for rel in case.absent if (work / rel).exists()]
    problems += [f"{rel} missing" for rel in case.present if not (work / rel).exists()]
    if repo_results() - repo_before:
        problems.append(f"wrote into the repo's results/: {sorted(repo_results() - repo_before)}")
    assert not problems, (
        f"{' | '.join(problems)} [fix: {case.fix or '-'}] stderr: {res.err[-300:]!r}"
    )


# ---------------------------------------------------------------- in-process runs


class Hang(Exception):
    """An in-process CLI call ran past its time."""


@contextlib.contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """Raise Hang in the main thread after ``seconds``."""

    def ring(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds:.0f} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def call_main(argv: Sequence[str], cwd: Path, seconds: float = 20.0) -> Outcome:
    """``sim.cli.main(argv)`` in ``cwd``, its output captured; only SystemExit may escape it."""
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), alarm(seconds):
            try:
                code: int | None = main(list(argv))
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    except Hang:
        code = None
    finally:
        os.chdir(old)
    return Outcome(code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def sandbox(prev: Path | None = None) -> Iterator[tuple[Path, Path]]:
    """A fresh root with work/ (the cwd), a canary folder and optionally a results copy prev/."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dmzsim-bad-") as tmp:
        root = Path(tmp)
        (root / "work").mkdir()
        (root / "canary").mkdir()
        (root / "canary" / "canary.txt").write_text("must survive\n")
        (root / "work" / "f.txt").write_text("a plain file\n")
        if prev is not None:
            shutil.copytree(prev, root / "work" / "prev")
        yield root, root / "work"


def assert_clean(
    res: Outcome,
    root: Path,
    before: Mapping[str, str],
    allowed: Sequence[str] = ("o", "results"),
    kept: Sequence[str] = ("canary", "work/f.txt", "work/prev"),
    what: object = "",
) -> None:
    """The shared assertions for a generated example."""
    problems = check_answer(res.code, res.out, res.err)
    problems += check_tree(before, snapshot(root), allowed, kept)
    assert not problems, f"{what!r}: {' | '.join(problems)}; stderr: {res.err[-300:]!r}"


# ---------------------------------------------------------------- (a) generated scenario files


def _baseline_leaves() -> list[tuple[tuple[str, ...], Any]]:
    """Every leaf (path, value) of baseline_2024 resolved, timeline and priors as wholes."""
    from sim.scenario import bundled
    from sim.scenario.loader import load_scenario, scenario_to_dict

    data = scenario_to_dict(load_scenario(bundled.scenario_file("baseline_2024")))
    leaves: list[tuple[tuple[str, ...], Any]] = []

    def walk(obj: Any, path: tuple[str, ...]) -> None:
        if isinstance(obj, dict) and path[:1] != ("priors",):
            for key, value in obj.items():
                walk(value, (*path, str(key)))
        else:
            leaves.append((path, obj))

    walk(data, ())
    return leaves


LEAVES = _baseline_leaves()


def toml_key(key: str) -> str:
    """A TOML key, quoted when it is not bare."""
    bare = key and all(c.isalnum() or c in "-_" for c in key) and key.isascii()
    return key if bare else toml_str(key)


def toml_str(text: str) -> str:
    """A TOML basic string (every control character escaped)."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 32 or ord(c) == 127:
            out.append(f"\\u{ord(c):04x}")
        elif 0xD800 <= ord(c) <= 0xDFFF:
            out.append("?")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    """A TOML inline value: numbers (nan and inf too), dates, strings, arrays, inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        return toml_str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return toml_str(str(value))


SCALARS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 10**9, 2**63 - 1, -(2**63), 10**30, 0.5, 1.5, -0.5, 1e308, 5e-324]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["nuclear", "", "../../PWN", "/etc/passwd", "\x1b[31m", "a\nb", "2024-02-30"]),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.times(),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.sampled_from(["a", "x", "date", "type", "dist"]), SCALARS, max_size=2),
)


def near(old: float) -> st.SearchStrategy[Any]:
    """Values of the same type as ``old``, scaled by powers of ten, zero or the type's edges."""
    if isinstance(old, int):
        return st.one_of(
            st.sampled_from([0, 1, old * 10, old * 1000, old * 10**6, 2**31, 2**63 - 1]),
            st.integers(0, 10**12),
        )
    return st.one_of(
        st.integers(-12, 12).map(lambda k: old * 10.0**k),
        st.sampled_from([0.0, 5e-324, 1e-300, 1e300, 1.7976931348623157e308]),
        st.floats(0.0, 1e12),
    )


@st.composite
def scenario_texts(draw: st.DrawFn) -> str:
    """baseline_2024 with a few of its resolved keys (or new ones) set to odd values."""
    lines = ['extends = "baseline_2024"']
    for _ in range(draw(st.integers(1, 3))):
        path, old = draw(st.sampled_from(LEAVES))
        path = list(path)
        if draw(st.integers(0, 5)) == 0:  # an unknown key beside a real one
            path[-1] = draw(st.sampled_from(["nope", "killed_meen", "", "a b", "x\ny"]))
        if isinstance(old, (int, float)) and not isinstance(old, bool) and draw(st.booleans()):
            value = draw(near(old))  # often valid: what a run must then survive
        else:
            value = draw(VALUES)
        lines.append(".".join(toml_key(p) for p in path) + " = " + toml_value(value))
    return "\n".join(lines) + "\n"


def _dedupe(text: str) -> str:
    """``text`` without a later line that sets a key an earlier one set (TOML forbids repeats)."""
    seen: set[str] = set()
    out = []
    for line in text.splitlines():
        key = line.split(" = ", 1)[0]
        if key not in seen:
            seen.add(key)
            out.append(line)
    return "\n".join(out) + "\n"


def _scenario_example(text: str, run: bool) -> None:
    """Validate (and maybe run) a generated scenario file in-process."""
    with sandbox() as (root, work):
        (work / "s.toml").write_text(text, encoding="utf-8")
        before = snapshot(root)
        res = call_main(["validate", "s.toml"], work)
        assert_clean(res, root, before, kept=("canary", "work/s.toml"), what=text)
        if run and res.code == 0:
            res = call_main(["run", "s.toml", *FAST, "--out", "o"], work)
            assert_clean(res, root, before, kept=("canary", "work/s.toml"), what=text)


@HYPO
@given(text=scenario_texts(), run=st.integers(0, 3))
def test_generated_scenario_files(text: str, run: int) -> None:
    """Mutated copies of baseline_2024: validated, and one in four run."""
    _scenario_example(_dedupe(text), run == 0)


@settings(HYPO, max_examples=25)
@given(
    depth=st.integers(1, 60),
    cycle=st.booleans(),
    parent=st.one_of(
        st.just("baseline_2024"),
        st.sampled_from(["/etc/passwd", "/proc/self/environ", "../../x", "", ".", "c0.toml"]),
        st.text(max_size=10),
    ),
    name=st.one_of(st.none(), st.text(max_size=10), st.just("x/../../PWN")),
)
def test_generated_extends_chains(depth: int, cycle: bool, parent: str, name: str | None) -> None:
    """Chains of extends, deep or cyclic, ending at an odd parent; odd names at the top."""
    with sandbox() as (root, work):
        for i in range(depth):
            up = f"c{i + 1}.toml" if i + 1 < depth else ("c0.toml" if cycle else parent)
            text = f"extends = {toml_str(up)}\n"
            if i == 0 and name is not None:
                text += f"name = {toml_str(name)}\n"
            (work / f"c{i}.toml").write_text(text, encoding="utf-8")
        before = snapshot(root)
        res = call_main(["validate", "c0.toml"], work)
        assert_clean(res, root, before, kept=("canary", "work"), what=(depth, cycle, parent, name))
        if res.code == 0 and name is not None:
            res = call_main(["compare", "baseline_2024", "c0.toml", *FAST, "--out", "o/cmp"], work)
            assert_clean(
                res,
                root,
                before,
                allowed=("o/cmp",),
                kept=("canary", "work/c0.toml"),
                what=(depth, cycle, parent, name),
            )


@settings(HYPO, max_examples=6)
@given(text=scenario_texts())
def test_generated_scenario_files_subprocess(text: str, side_dirs: dict[str, str]) -> None:
    """A sample of generated scenario files run through a real subprocess (with its limits)."""
    with sandbox() as (root, work):
        (work / "s.toml").write_text(_dedupe(text), encoding="utf-8")
        before = snapshot(root)
        res = run_cli(["run", "s.toml", *FAST, "--out", "o"], work, _env(side_dirs))
        assert_clean(res, root, before, kept=("canary", "work/s.toml"), what=text)


# ---------------------------------------------------------------- (b) generated --set strings

PATHS = [".".join(p) for p, _ in LEAVES if p[0] != "priors"] + [
    "timeline.events[0].date",
    "timeline.events[999].date",
    "timeline.events[-1].type",
    "timeline.events[x].note",
    "priors.x",
    "extends",
]


@st.composite
def set_strings(draw: st.DrawFn) -> str:
    """``PATH=VALUE`` strings built from real paths, odd paths and odd values."""
    path = draw(st.one_of(st.sampled_from(PATHS), st.text(max_size=15)))
    sep = draw(st.sampled_from(["=", "=", "=", "", "==", " = ", ":"]))
    value = draw(
        st.one_of(
            st.sampled_from(
                [
                    "1",
                    "0",
                    "-1",
                    "nan",
                    "inf",
                    "-inf",
                    "1e308",
                    "1e9",
                    "true",
                    "x",
                    "",
                    "2024-02-30",
                    "0001-01-01",
                    "9999-12-31",
                    "[1,2]",
                    "{a=1}",
                    "/etc/passwd",
                    "\x1b[31m",
                    "a\nb",
                    "'quoted'",
                    '"q"',
                ]
            ),
            st.text(max_size=12),
            st.floats().map(repr),
            st.integers(-(2**70), 2**70).map(str),
        )
    )
    return f"{path}{sep}{value}"


@HYPO
@given(sets=st.lists(set_strings(), min_size=1, max_size=3), run=st.integers(0, 4))
def test_generated_set_strings(sets: list[str], run: int) -> None:
    """``--set`` overrides: validated, and one in five that pass run."""
    flags = [x for s in sets for x in ("--set", s)]
    with sandbox() as (root, work):
        before = snapshot(root)
        res = call_main(["validate", "baseline_2024", *flags], work)
        assert_clean(res, root, before, what=sets)
        if run == 0 and res.code == 0:
            res = call_main(["run", "baseline_2024", *FAST, "--out", "o", *flags], work)
            assert_clean(res, root, before, what=sets)


# ---------------------------------------------------------------- (c) generated argument lists

COMMANDS = [
    "run",
    "compare",
    "trace",
    "validate",
    "sweep",
    "discover",
    "score",
    "new",
    "report",
    "experiment",
    "scenarios",
]
POOL = [
    "-1",
    "0",
    "2",
    "abc",
    "",
    "nan",
    "inf",
    "1e308",
    "1.5",
    str(2**63),
    "2024-02-30",
    "2024-01-01",
    "o",
    "o/a/b",
    "/proc/self/x",
    "/proc/self/environ",
    "f.txt",
    "prev",
    "x\ny",
    "\x1b[31m",
    "highest_rung>=4",
    "highest_rung>=",
    "mines.killed_mean=0:1:2",
    "mines.killed_mean=1",
    "mines.nope=1",
    "none",
    "tension_fan",
    "baseline_2024",
]
OUT_POOL = ["o", "o/a/b", "/proc/self", "f.txt", "prev", "/proc/self/x", "", "x\ny"]
POSITIONAL = [
    "baseline_2024",
    "hotline",
    "nope",
    "",
    "prev",
    "f.txt",
    "/etc/passwd",
    "/proc/self/environ",
    "../..",
    "x/../../PWN",
    "\x1b[2J",
]
SKIP = {
    "-h",
    "--help",
    "--version",
    "--backend",
    "-j",
    "--workers",
    "--scheduler",
    "-n",
    "--precision",
    "--max-replications",
    "--points",
    "--replication",
}


def _options(command: str) -> list[tuple[str, Sequence[str] | None]]:
    """The real options of ``command``: (name, its choices or None; () for a flag)."""
    from sim.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    out: list[tuple[str, Sequence[str] | None]] = []
    for action in sub.choices[command]._actions:
        if not action.option_strings or action.option_strings[0] in SKIP:
            continue
        if action.nargs == 0:
            out.append((action.option_strings[-1], ()))
        else:
            choices = [str(c) for c in action.choices] if action.choices else None
            out.append((action.option_strings[-1], choices))
    return out


OPTIONS = {c: _options(c) for c in COMMANDS}
# options whose value is bounded here: a valid huge value would only make the example slow
BOUNDED = {
    "-n": ["-1", "0", "2", "abc", "1.5", ""],
    "--points": ["-1", "0", "2", "x"],
    "--precision": ["0", "2", "-1", "nan", "x"],
    "--replication": ["-1", "0", "x", "3"],
}


@st.composite
def argument_lists(draw: st.DrawFn) -> list[str]:
    """A command, positionals and 0-4 of its real options with odd values (serial, tiny)."""
    command = draw(st.sampled_from(COMMANDS))
    argv = [command] + draw(st.lists(st.sampled_from(POSITIONAL), max_size=2))
    options = OPTIONS[command]
    for name, choices in draw(st.lists(st.sampled_from(options), max_size=4)) if options else []:
        argv.append(name)
        if choices == ():
            continue
        pool = list(choices) + ["bogus"] if choices else (OUT_POOL if name == "--out" else POOL)
        argv.append(draw(st.sampled_from(pool)))
    for name, pool in BOUNDED.items():
        if any(n == name for n, _ in _all_options(command)) and draw(st.booleans()):
            argv += [name, draw(st.sampled_from(pool))]
    if any(n == "--backend" for n, _ in _all_options(command)):
        argv += ["--backend", "serial"]
        if "-n" not in argv:
            argv += ["-n", "2"]
    return argv


def _all_options(command: str) -> list[tuple[str, Any]]:
    """Every option string of ``command`` (the skipped ones too)."""
    from sim.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    return [(s, None) for a in sub.choices[command]._actions for s in a.option_strings]


def _generated_rules(argv: Sequence[str], res: Outcome) -> dict[str, tuple[str, ...]]:
    """Where a generated argument list may write, and what it must keep."""
    allowed: tuple[str, ...] = ("o", "results")
    kept: tuple[str, ...] = ("canary", "work/f.txt", "work/prev")
    if res.code == 0 and ("--force" in argv or "--resume" in argv):
        allowed, kept = (*allowed, "prev"), ("canary", "work/f.txt")  # a valid rerun of prev
    if argv[0] == "new":
        allowed = (*allowed, ".")  # new writes NAME.toml in the working folder
    if argv[0] == "report" and res.code == 0:
        allowed = (*allowed, "prev")  # report writes prev/report.html, lists it in the manifest
        kept = ("canary", "work/f.txt")
    return {"allowed": allowed, "kept": kept}


@settings(HYPO, max_examples=30)
@given(argv=argument_lists())
def test_generated_argument_lists(argv: list[str], prev_results: Path) -> None:
    """Real option names with odd values, in-process: a clean answer and nothing lost."""
    with sandbox(prev_results) as (root, work):
        before = snapshot(root)
        res = call_main(argv, work)
        assert_clean(res, root, before, what=argv, **_generated_rules(argv, res))


@settings(HYPO, max_examples=6)
@given(argv=argument_lists())
def test_generated_argument_lists_subprocess(
    argv: list[str], prev_results: Path, side_dirs: dict[str, str]
) -> None:
    """A sample of generated argument lists through a real subprocess."""
    with sandbox(prev_results) as (root, work):
        before = snapshot(root)
        res = run_cli(argv, work, _env(side_dirs))
        assert_clean(res, root, before, what=argv, **_generated_rules(argv, res))


def test_catalogue_is_large_and_named() -> None:
    """At least 150 named cases, every id unique."""
    ids = [p.id for p in CASES]
    assert len(ids) >= 150 and len(set(ids)) == len(ids)


def test_checks_catch_what_they_look_for() -> None:
    """The checks themselves: each flags the fault it exists for (so no case passes vacuously)."""
    assert check_answer(2, "", "dmzsim run: error: --out = 'x': bad\n", ("--out",)) == []
    assert check_answer(None, "", "")  # a hang
    assert check_answer(1, "", "boom\n")  # a crash status
    assert check_answer(2, "", "Traceback (most recent call last):\nValueError: x\n")
    assert check_answer(2, "", "dmzsim run: error: a\nsecond line\n")  # two lines
    assert check_answer(2, "", "dmzsim run: error: x\n", ("--seed",))  # names nothing asked
    assert check_answer(2, "", "dmzsim run: error: \x1b[2J\n")  # raw escape characters
    assert check_answer(0, f"{ENV_MARKER}\n", "")  # an environment leak
    assert check_answer(2, "", f"dmzsim validate: error: x = '{SECRET}': bad\n")  # a file leak
    before = {"work": "dir", "work/keep.txt": "1", "canary": "dir"}
    assert check_tree(before, {**before, "work/o/a.csv": "2"}, ["o"], ["canary"]) == []
    assert check_tree(before, {**before, "stray.csv": "2"}, ["o"], ["canary"])  # outside
    assert check_tree(before, {**before, "work/keep.txt": "3"}, ["o"], ["work/keep.txt"])
    gone = {k: v for k, v in before.items() if k != "work/keep.txt"}
    assert check_tree(before, gone, ["o"], ["work/keep.txt"])  # removed
    assert (
        check_tree(before, {**before, "work/keep.txt": "3"}, [], ["work"], ["work/keep.txt"]) == []
    )
