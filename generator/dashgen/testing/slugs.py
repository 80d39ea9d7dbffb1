"""Grafana's slugify (``pkg/infra/slugify``; grafana-api.md §14.3), used for every ``slug``,
``url`` and ``uri`` the emulator answers.

Lower-case (rune by rune, as Go's ``strings.ToLower``); transliterate the letters of
Grafana's table; keep ``a-z 0-9 _ -``; drop ``, " ' ? . ( )``, newlines and NUL; any
other character becomes the hex of its UTF-8 bytes (``:`` → ``3a``; each byte without
zero padding, as Go's ``%x`` of a byte). A result that is empty or longer than 50
characters is replaced by the UUIDv5 (OID namespace) of the original title.
"""

from __future__ import annotations

import functools
import uuid

MAX_SLUG_LENGTH = 50
_OMITTED = frozenset(",\"'\n\r\x00?.()")
# Grafana's replacement table, grouped by what each character becomes. Only lower-case
# entries matter: the title is lower-cased first, and every upper-case entry of the table
# lower-cases to one of these with the same replacement.
_GROUPS = {
    "-": " ъь",
    "a": "àáâäåāăąǎǻảãạắằẳẵặấầẩẫậаא",
    "ae": "æǽ",
    "and": "&",
    "at": "@",
    "b": "бב",
    "c": "©çćĉċčцצ",
    "C": "ץ",
    "ch": "ч",
    "d": "ďđдד",
    "e": "èéêëēĕėęěəẻẽẹếềểễệеєע",
    "f": "ƒф",
    "g": "ĝğġģгґג",
    "h": "ĥħхהח",
    "i": "ìíîïĩīĭįıǐỉịиіїי",
    "ij": "ĳ",
    "j": "ĵй",
    "ja": "я",
    "je": "э",
    "jo": "ё",
    "ju": "ю",
    "k": "ķĸкךכ",
    "l": "ĺļľŀłлל",
    "m": "мםמ",
    "n": "ńņňŉŋнןנ",
    "o": "òóôõöøōŏőơǒǿỏọốồổỗộớờởỡợо",
    "oe": "œ",
    "p": "þпףפ",
    "q": "ק",
    "r": "®ŕŗřрר",
    "s": "śŝşšсס",
    "sch": "щ",
    "sh": "ш",
    "ss": "ß",
    "t": "ţťŧтטת",
    "tm": "™",
    "u": "ùúûũūŭůűųưǔǖǘǚǜủụứừửữựу",
    "ue": "ü",
    "v": "вו",
    "w": "ŵש",
    "y": "ýÿŷỳỷỹỵы",
    "z": "źżžſзז",
    "zh": "ж",
}
_REPLACEMENTS = {char: text for text, chars in _GROUPS.items() for char in chars}


def _lower(char: str) -> str:
    """Go's unicode.ToLower: one rune to one rune (Python's full mapping may give two)."""
    lowered = char.lower()
    return lowered if len(lowered) == 1 else lowered[0]


def _is_valid(char: str) -> bool:
    return "a" <= char <= "z" or "0" <= char <= "9" or char in "_-"


@functools.lru_cache(maxsize=8192)  # a pure function of the title, asked on every answer
def slugify(title: str) -> str:
    slug = []
    for char in title.strip():
        char = _lower(char)
        if char in _REPLACEMENTS:
            slug.append(_REPLACEMENTS[char])
        elif _is_valid(char):
            slug.append(char)
        elif char not in _OMITTED:
            slug.append("".join(f"{byte:x}" for byte in char.encode("utf-8", "replace")))
    text = "".join(slug)
    if not text or len(text) > MAX_SLUG_LENGTH:
        return str(uuid.uuid5(uuid.NAMESPACE_OID, title))
    return text
