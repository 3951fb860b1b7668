"""Receptions per second through the pure reception pipeline (no database), per invoice kind.

Three kinds, each received `--count` times in this one process after a warm-up (the rule sets
are compiled once per process, about 3 s in all, and not counted):

1. a 10-line UBL invoice built by our own `jobs.ubl.build_invoice`;
2. a Factur-X PDF (default: the mustangproject `EN16931_Einfach.pdf` of the shared material);
3. a 500-line UBL invoice, built the same way.

Each reception is the whole pipeline: detection, hardened parsing, XSD, EN 16931 rules, French
CTC rules, mapping, totals check, form data. Reported: receptions per second (wall clock) and
CPU seconds per invoice (process time, all threads: Saxon's own threads included), on one core.

    .venv/bin/python bench/reception.py --count 200
"""

import argparse
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from jobs.reception import Received, receive  # noqa: E402
from jobs.ubl import build_invoice  # noqa: E402

DEFAULT_PDF = REPO.parent / "shared" / "einvoicing" / "facturx-pdfs" / "EN16931_Einfach.pdf"
RATES = (20, 10, Decimal("5.5"), Decimal("2.1"))


def ubl_invoice(lines: int) -> bytes:
    party = {"siren": "732829320", "vat_number": "FR44732829320", "address": {"city": "Paris", "postal_code": "75002"}}
    return build_invoice(
        {
            "number": f"FA-2026-{lines:05d}",
            "issue_date": "2026-03-02",
            "due_date": "2026-04-01",
            "seller": {"name": "ACME Fournitures SAS", **party},
            "buyer": {
                "name": "Boulangerie Léa",
                "siren": "552100554",
                "address": {"city": "Lyon", "postal_code": "69006"},
            },
            "payment_means": {"code": "58", "iban": "FR7630006000011234567890189"},
            "lines": [
                {
                    "description": f"Article {i}",
                    "quantity": 1 + i % 7,
                    "unit_price": Decimal(i * 37 % 1000) / 8 + 1,
                    "vat_category": "S",
                    "vat_rate": RATES[i % 4],
                }
                for i in range(lines)
            ],
        }
    )


def measure(name: str, content: bytes, count: int) -> dict[str, object]:
    outcome = receive(content)  # warm-up: compiles the rule sets this kind needs
    if not isinstance(outcome, Received):
        raise SystemExit(f"{name}: not received: {outcome}")
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        receive(content)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "kind": name,
        "bytes": len(content),
        "lines": len(outcome.invoice.lines),
        "count": count,
        "receptions_per_s": round(count / wall, 1),
        "cpu_s_per_invoice": round(cpu / count, 4),
        "wall_ms_per_invoice": round(1000 * wall / count, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100, help="receptions per kind (default 100)")
    parser.add_argument("--large-count", type=int, default=None, help="receptions of the 500-line UBL")
    parser.add_argument("--pdf", type=Path, default=DEFAULT_PDF, help="the Factur-X PDF to receive")
    parser.add_argument("--json", action="store_true", help="print one JSON object per kind")
    arguments = parser.parse_args()
    kinds = [
        ("UBL, 10 lines", ubl_invoice(10), arguments.count),
        (f"Factur-X PDF ({arguments.pdf.name})", arguments.pdf.read_bytes(), arguments.count),
        ("UBL, 500 lines", ubl_invoice(500), arguments.large_count or max(1, arguments.count // 10)),
    ]
    print(f"load average before: {' '.join(f'{value:.2f}' for value in os.getloadavg())}", file=sys.stderr)
    for name, content, count in kinds:
        result = measure(name, content, count)
        if arguments.json:
            print(json.dumps(result))
        else:
            print(
                f"{name:<40} {result['receptions_per_s']:>8} receptions/s  "
                f"{result['cpu_s_per_invoice']:.4f} CPU-s/invoice  ({result['bytes']:,} bytes, {count} runs)"
            )
    print(f"load average after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}", file=sys.stderr)


if __name__ == "__main__":
    main()
