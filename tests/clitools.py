"""Running the real `clausewise` command in a subprocess, for the end-to-end tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _command() -> list[str]:
    exe = shutil.which("clausewise", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "clausewise"]


CLI = _command()


def run(*args: str, cwd: Path = ROOT, **kwargs) -> subprocess.CompletedProcess:
    """Run clausewise; never a traceback, whatever the outcome."""
    env = dict(os.environ, COLUMNS="100")
    result = subprocess.run(CLI + [str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                            env=env, timeout=300, **kwargs)
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout
    return result


def run_json(*args: str) -> tuple[int, dict]:
    """Run clausewise with --format json: the exit code and the parsed report."""
    result = run(*args, "--format", "json")
    assert result.stderr == ""
    return result.returncode, json.loads(result.stdout)
