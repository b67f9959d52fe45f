"""`measurements`: a unit spoken after a number written as its abbreviation.

Deepgram "converts spoken measurements to their corresponding abbreviations" [OAS]
("five kilograms" -> "5 kg" with numerals). The emulator abbreviates the units of this
table when the word before is a number (spoken or in digits).
"""

from __future__ import annotations

from collections.abc import Sequence

from .numerals import is_number_token
from .word_tokens import Token, merged

UNITS: dict[tuple[str, ...], str] = {
    ("millimeters",): "mm", ("millimeter",): "mm", ("centimeters",): "cm",
    ("centimeter",): "cm", ("meters",): "m", ("meter",): "m", ("kilometers",): "km",
    ("kilometer",): "km", ("inches",): "in", ("inch",): "in", ("feet",): "ft", ("foot",): "ft",
    ("yards",): "yd", ("yard",): "yd", ("miles",): "mi", ("mile",): "mi",
    ("milligrams",): "mg", ("milligram",): "mg", ("grams",): "g", ("gram",): "g",
    ("kilograms",): "kg", ("kilogram",): "kg", ("pounds",): "lb", ("pound",): "lb",
    ("ounces",): "oz", ("ounce",): "oz", ("milliliters",): "mL", ("milliliter",): "mL",
    ("liters",): "L", ("liter",): "L", ("gallons",): "gal", ("gallon",): "gal",
    ("miles", "per", "hour"): "mph", ("kilometers", "per", "hour"): "km/h",
    ("degrees",): "°", ("degree",): "°", ("percent",): "%",
}  # fmt: skip
_LONGEST = max(len(k) for k in UNITS)


def abbreviate_measurements(tokens: Sequence[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        if out and is_number_token(out[-1]):
            for width in range(_LONGEST, 0, -1):
                unit = UNITS.get(tuple(t.word for t in tokens[i : i + width]))
                if unit is not None:
                    out.append(merged(tokens[i : i + width], unit))
                    i += width
                    break
            else:
                out.append(tokens[i])
                i += 1
        else:
            out.append(tokens[i])
            i += 1
    return out
