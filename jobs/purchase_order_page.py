"""The purchase order as a printable HTML page: the e-mail body and what a supplier prints.

It renders the same checked values as the Order-X XML (`jobs.orderx.read_order`, same
input dict, same `OrderDataError` on bad data), so the page and the XML never disagree.
The page is self-contained (inline CSS, no script, no external resource), in French,
and every text from the data goes through `html.escape`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from html import escape
from typing import Any

from jobs.orderx import Order, OrderLine, read_order
from jobs.ubl import cents

NBSP = "\u00a0"

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #111;
  max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1rem; margin: 0 0 .25rem; text-transform: uppercase; letter-spacing: .03em; }
.meta { margin: 0 0 1.5rem; }
.meta dt { font-weight: 600; display: inline; }
.meta dd { display: inline; margin: 0 1.5rem 0 .25rem; }
.parties { display: flex; gap: 2rem; margin-bottom: 1.5rem; }
.parties section { flex: 1; border: 1px solid #999; padding: .75rem; }
.parties p { margin: 0; }
table { width: 100%; border-collapse: collapse; margin-bottom: 1.5rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid #999; padding: .35rem .5rem; vertical-align: top; }
thead th { background: #eee; text-align: left; }
th[scope="row"] { text-align: left; font-weight: normal; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tfoot th { text-align: right; }
tfoot tr.grand th, tfoot tr.grand td { font-weight: 700; }
@media print {
  @page { size: A4; margin: 15mm; }
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
  thead { display: table-header-group; }
  tfoot { display: table-footer-group; }
  tr, .parties section { break-inside: avoid; }
  thead th { background: none; }
}
"""


def render_purchase_order(order: Mapping[str, Any]) -> str:
    """The whole HTML5 document for `order` (the dict `jobs.orderx.build_order` takes)."""
    data = read_order(order)
    title = f"Bon de commande {data.number}"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="fr">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            "<main>",
            f"<h1>{escape(title)}</h1>",
            _meta(data),
            '<div class="parties">',
            _party("seller", "Fournisseur", data.seller),
            _party("buyer", "Acheteur", data.buyer),
            "</div>",
            _lines(data),
            _vat(data),
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )


def money(value: Decimal) -> str:
    """French style, to the cent: 1 234,50 € (no-break spaces, so an amount never wraps)."""
    return f"{_french(f'{cents(value):,f}')}{NBSP}€"


def _french(number: str) -> str:
    """`1,234.5` (Python's grouping) -> `1 234,5`."""
    return number.replace(",", NBSP).replace(".", ",")


def _plain(value: Decimal) -> str:
    """A quantity, rate or unit price with the decimals it has, French style: 2,5 ; 20 ; 0,125."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        normal = normal.quantize(Decimal(1))
    return _french(f"{normal:,f}")


def _price(value: Decimal) -> str:
    """A unit price: at least the cents, more decimals if it has them."""
    return money(value) if value == cents(value) else f"{_plain(value)}{NBSP}€"


def _date(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _meta(data: Order) -> str:
    rows = [("Date de commande", _date(data.issue_date))]
    if data.buyer_reference:
        rows.append(("Demande d'achat", data.buyer_reference))
    if data.needed_by:
        rows.append(("Livraison souhaitée le", _date(data.needed_by)))
    items = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in rows)
    return f'<dl class="meta">{items}</dl>'


def _party(key: str, heading: str, party: Mapping[str, str]) -> str:
    street = [party["street"], party["additional_street"]]
    town = " ".join(part for part in (party["postal_code"], party["city"]) if part)
    lines = [party["name"], *street, town, party["country"] if party["country"] != "FR" else ""]
    if party["siren"]:
        lines.append(f"SIREN {party['siren']}")
    body = "<br>".join(escape(line) for line in lines if line)
    email = ""
    if party["email"]:
        address = escape(party["email"])
        email = f'<p><a href="mailto:{address}">{address}</a></p>'
    return (
        f'<section aria-labelledby="{key}-heading"><h2 id="{key}-heading">{escape(heading)}</h2>'
        f"<p>{body}</p>{email}</section>"
    )


def _line(number: int, line: OrderLine) -> str:
    return (
        f'<tr><td class="num">{number}</td><th scope="row">{escape(line.description)}</th>'
        f'<td class="num">{_plain(line.quantity)}</td><td class="num">{_price(line.price)}</td>'
        f'<td class="num">{_plain(line.rate)}{NBSP}%</td><td class="num">{money(line.amount)}</td></tr>'
    )


def _lines(data: Order) -> str:
    numeric = ' scope="col" class="num"'
    head = "".join(
        f"<th{attributes}>{escape(label)}</th>"
        for label, attributes in (
            ("N°", numeric),
            ("Désignation", ' scope="col"'),
            ("Quantité", numeric),
            ("Prix unitaire HT", numeric),
            ("TVA", numeric),
            ("Montant HT", numeric),
        )
    )
    body = "\n".join(_line(number, line) for number, line in enumerate(data.lines, start=1))
    totals = (
        ("", "Total HT", data.total_ht),
        ("", "Total TVA", data.total_vat),
        (' class="grand"', "Total TTC", data.total_ttc),
    )
    foot = "".join(
        f'<tr{attribute}><th scope="row" colspan="5">{escape(label)}</th><td class="num">{money(value)}</td></tr>'
        for attribute, label, value in totals
    )
    return (
        f"<table>\n<caption>Lignes de la commande {escape(data.number)} (montants en euros)</caption>\n"
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n<tfoot>{foot}</tfoot>\n</table>"
    )


def _vat(data: Order) -> str:
    rows = "".join(
        f'<tr><th scope="row" class="num">{_plain(row.rate)}{NBSP}%</th>'
        f'<td class="num">{money(row.base)}</td><td class="num">{money(row.vat)}</td></tr>'
        for row in data.vat_breakdown
    )
    return (
        "<table>\n<caption>Récapitulatif de la TVA</caption>\n"
        '<thead><tr><th scope="col" class="num">Taux</th><th scope="col" class="num">Base HT</th>'
        f'<th scope="col" class="num">TVA</th></tr></thead>\n<tbody>{rows}</tbody>\n</table>'
    )
