"""The package as a package index would ship it: build the wheel, install it, serve.

An editable install reads everything from the checkout, so a file missing from the
wheel's package data (the widget's parts once were) passes every other test and breaks
only for someone who ran ``pip install contact-center``. This test builds the wheel from
a copy of the sources, installs it into a fresh virtualenv and gets ``/widget.js``,
``/agent`` and ``/healthz`` from that virtualenv's ``contact-center serve``.

The virtualenv gets the wheel with ``--no-deps`` and borrows the dependencies already
installed for this test run through a ``.pth`` line (a plain path line, so the editable
install's own ``.pth`` hooks there do not run): that keeps the test offline and quick,
while the dependency list itself is proved by CI, which installs ``.[test]`` into a
virtualenv it creates fresh (.ci/run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import venv
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.services import free_port

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "contact_center", "channels", "repository", "agent_ui", "config")


def _run(*args: str | Path, cwd: Path | None = None, timeout: float = 120) -> str:
    # Without PYTHONPATH: one pointing at a checkout (a worktree's usual setting) would make
    # the virtualenv's python import the sources instead of the installed wheel.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{args[:4]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed; returns its bin directory."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in SOURCES:
        item = ROOT / name
        if item.is_dir():
            shutil.copytree(item, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(item, src / name)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", work / "dist", src)
    (wheel,) = (work / "dist").glob("contact_center-*.whl")

    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    python = bin_dir / "python"
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    _run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel)
    return bin_dir


@pytest.fixture(scope="module")
def served(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("wheel-data")
    port = free_port()
    # Nothing from this checkout or this test run's settings: only what a new user has.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "DATABASE_URL", "BUS_URL", "SECRET_KEY", "VIRTUAL_ENV"}
    }
    env |= {"DATA_DIR": str(data / "data"), "LOG_LEVEL": "WARNING", "PATH": f"{installed}:{env['PATH']}"}
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen(
        [installed / "contact-center", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=data,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (data / "server.log").read_text()[-3000:]
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (data / "server.log").read_text()[-3000:]
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def test_the_wheel_is_what_the_virtualenv_runs(installed: Path) -> None:
    # Run from the virtualenv, not the checkout: `python -c` puts the current directory first.
    where = _run(
        installed / "python",
        "-c",
        "import channels, contact_center; print(contact_center.__file__, channels.__file__)",
        cwd=installed,
    )
    assert str(installed.parent) in where and str(ROOT) not in where


def test_the_installed_server_serves_the_widget_script(served: str) -> None:
    response = httpx.get(served + "/widget.js", timeout=10)
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    body = response.text
    # Every part of the widget made it into the wheel and into the bundle.
    for part in ("env.js", "connection.js", "bootstrap.js"):
        assert f"// ---- widget/{part} ----" in body
    if shutil.which("node"):
        checked = subprocess.run(["node", "--check"], input=body, capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr[-2000:]


def test_the_installed_server_serves_the_desk_and_its_health(served: str) -> None:
    agent = httpx.get(served + "/agent", timeout=10)
    assert agent.status_code in (302, 303, 307) and "/login" in agent.headers["location"]
    login = httpx.get(served + "/login", timeout=10)
    assert login.status_code == 200 and 'name="csrf_token"' in login.text
    # The desk's own script and stylesheet are package data too.
    assert httpx.get(served + "/static/agent.js", timeout=10).status_code == 200
    health = httpx.get(served + "/healthz", timeout=10)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
