import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_package_exports_its_public_api():
    # In a subprocess: under pytest, tests/rules can shadow the package's __init__ (namespace import).
    script = "import rules; missing = [n for n in rules.__all__ if not hasattr(rules, n)]; print(missing)"

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
