"""`python -m monitor.cli` offers every command the `courtesy` script does: the module
used to run the root group before the last group (staff) was declared below it."""
from __future__ import annotations

import subprocess
import sys

from monitor.cli import cli


def test_python_dash_m_lists_every_command():
    shown = subprocess.run([sys.executable, "-m", "monitor.cli", "--help"], capture_output=True,
                           text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    listed = shown.stdout.split("Commands:", 1)[1].split()
    assert set(cli.commands) <= set(listed), set(cli.commands) - set(listed)
    staff = subprocess.run([sys.executable, "-m", "monitor.cli", "staff", "--help"],
                           capture_output=True, text=True, timeout=60)
    assert staff.returncode == 0 and "enrol" in staff.stdout, staff.stderr
