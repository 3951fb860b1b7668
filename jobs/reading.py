"""Reading a business document's plain data before it becomes XML (Order-X, UBL): every
problem collected with its JSON pointer, text that XML can carry, finite Decimal numbers."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

ZERO = Decimal(0)
NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class DataReader:
    """Base of the readers: they call these and raise once, with `problems`, at the end."""

    problems: list[str]

    def _problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where or '/'}: {message}")

    def _text(self, value: Any, where: str, required: bool = True) -> str:
        if value is not None and not isinstance(value, str):
            self._problem(where, f"expected text, got {value!r}")
            return ""
        text = (value or "").strip()
        if not text:
            if required:
                self._problem(where, "is required")
            return ""
        if NOT_XML.search(text):
            self._problem(where, "holds a control character XML cannot carry; remove it")
            return ""
        return text

    def _number(self, value: Any, where: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            self._problem(where, f"expected a number, got {value!r}")
            return ZERO
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            self._problem(where, f"expected a finite number, got {value!r}")
            return ZERO
        return number
