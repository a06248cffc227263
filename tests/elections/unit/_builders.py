"""Generate small results files in every supported layout, from plain data.

Tests describe bureaux as ``Bureau`` values and render them with one of the
writers below, so that each layout is exercised with the same numbers.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Cand:
    panel: int
    nom: str
    prenom: str = ""
    nuance: str = ""
    sexe: str = "F"


@dataclass(frozen=True)
class Bureau:
    dep: str
    commune: str
    bureau: str
    inscrits: int
    votants: int
    blancs: int
    nuls: int
    voix: dict[int, int] = field(default_factory=dict)  # panel -> votes
    commune_name: str = "Ville"
    circonscription: str = "1"

    @property
    def exprimes(self) -> int:
        return sum(self.voix.values())

    def with_(self, **changes) -> Bureau:
        return replace(self, **changes)


CANDS = (
    Cand(1, "MÉLENCHON", "Jean-Luc", "LFI", "M"),
    Cand(2, "LE PEN", "Marine", "FN", "F"),
    Cand(3, "MACRON", "Emmanuel", "REM", "M"),
)


def sample_bureaux() -> list[Bureau]:
    return [
        Bureau("67", "482", "0101", 960, 682, 7, 2, {1: 300, 2: 100, 3: 273}),
        Bureau("67", "482", "0102", 820, 685, 6, 2, {1: 200, 2: 177, 3: 300}),
        Bureau("67", "482", "0201", 500, 400, 0, 0, {1: 100, 2: 100, 3: 200}),
    ]


def to_csv(rows: list[list[object]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


def large_rows(bureaux: list[Bureau], cands=CANDS, *, with_blancs: bool = True) -> list[list[object]]:
    head = ["departement", "commune", "bureau", "circonscription", "commune_libelle", "inscrits", "votants"]
    head += ["blancs"] * with_blancs + ["exprimes"] + [c.nom for c in cands]
    rows: list[list[object]] = [head]
    for b in bureaux:
        row: list[object] = [b.dep, b.commune, b.bureau, b.circonscription, b.commune_name, b.inscrits, b.votants]
        row += [b.blancs] * with_blancs + [b.exprimes] + [b.voix.get(c.panel, "") for c in cands]
        rows.append(row)
    return rows


_FIXED_2017 = [
    "Code du département", "Libellé du département", "Code de la circonscription",
    "Libellé de la circonscription", "Code de la commune", "Libellé de la commune", "Code du b.vote",
    "Inscrits", "Abstentions", "% Abs/Ins", "Votants", "% Vot/Ins", "Blancs", "% Blancs/Ins",
    "% Blancs/Vot", "Nuls", "% Nuls/Ins", "% Nuls/Vot", "Exprimés", "% Exp/Ins", "% Exp/Vot",
]
_BLOCK_2017 = ["N°Panneau", "Sexe", "Nom", "Prénom", "Voix", "% Voix/Ins", "% Voix/Exp"]


def _fixed_2017(b: Bureau) -> list[object]:
    return [
        b.dep, "BAS-RHIN", b.circonscription, "1ère circonscription", b.commune, b.commune_name, b.bureau,
        b.inscrits, b.inscrits - b.votants, "1,0", b.votants, "1,0", b.blancs, "0,1", "0,1",
        b.nuls, "0,1", "0,1", b.exprimes, "0,1", "0,1",
    ]


def _block_2017(c: Cand, voix: int) -> list[object]:
    return [c.panel, c.sexe, c.nom, c.prenom, voix, "1,00", "2,00"]


def ministere_2017_rows(bureaux: list[Bureau], cands=CANDS, *, name_all_blocks: bool = False) -> list[list[object]]:
    """2017-2022 style: repeated block names; by default only the first is named."""
    blocks = len(cands) if name_all_blocks else 1
    rows: list[list[object]] = [_FIXED_2017 + _BLOCK_2017 * blocks]
    for b in bureaux:
        row = _fixed_2017(b)
        for c in cands:
            if c.panel in b.voix:
                row += _block_2017(c, b.voix[c.panel])
        rows.append(row)
    return rows


def ministere_suffix_rows(bureaux: list[Bureau], cands=CANDS) -> list[list[object]]:
    """2015 style at bureau level: ``N°Panneau0``... with empty trailing blocks."""
    block = ["N°Panneau", "Nuance", "Binôme", "Sièges", "Voix", "% Voix/Ins", "% Voix/Exp"]
    head = ["Date de l'export"] + _FIXED_2017
    for i in range(len(cands)):
        head += [f"{name}{i}" for name in block]
    rows: list[list[object]] = [head]
    for b in bureaux:
        row = ["3/23/2015 15:49"] + _fixed_2017(b)
        for c in cands:
            if c.panel in b.voix:
                row += [c.panel, c.nuance, f"{c.prenom} {c.nom}", " ", b.voix[c.panel], "1.0", "2.0"]
        row += [""] * (len(head) - len(row))
        rows.append(row)
    return rows


def ministere_2024_rows(bureaux: list[Bureau], cands=CANDS) -> list[list[object]]:
    """2024+ style: every block field carries its number (``Voix 1``)."""
    head = [
        "Code département", "Libellé département", "Code commune", "Libellé commune", "Code BV",
        "Inscrits", "Votants", "% Votants", "Abstentions", "% Abstentions", "Exprimés",
        "% Exprimés/inscrits", "% Exprimés/votants", "Blancs", "% Blancs/inscrits", "% Blancs/votants",
        "Nuls", "% Nuls/inscrits", "% Nuls/votants",
    ]
    for i in range(1, len(cands) + 1):
        head += [
            f"Numéro de panneau {i}", f"Nuance candidat {i}", f"Nom candidat {i}", f"Prénom candidat {i}",
            f"Sexe candidat {i}", f"Voix {i}", f"% Voix/inscrits {i}", f"% Voix/exprimés {i}", f"Elu {i}",
        ]
    rows: list[list[object]] = [head]
    for b in bureaux:
        insee = b.dep + b.commune.zfill(3)
        row: list[object] = [
            b.dep, "Bas-Rhin", insee, b.commune_name, b.bureau, b.inscrits, b.votants, "1%",
            b.inscrits - b.votants, "1%", b.exprimes, "1%", "1%", b.blancs, "1%", "1%", b.nuls, "1%", "1%",
        ]
        for c in cands:
            if c.panel in b.voix:
                row += [c.panel, c.nuance, c.nom, c.prenom, c.sexe, b.voix[c.panel], "1%", "1%", ""]
        row += [""] * (len(head) - len(row))
        rows.append(row)
    return rows


def long_rows(bureaux: list[Bureau], cands=CANDS) -> list[list[object]]:
    """Tidy layout: one row per bureau and candidate."""
    rows: list[list[object]] = [
        ["code", "name", "level", "canton", "commune", "inscrits", "votants", "blancs", "nuls", "exprimes",
         "candidate", "candidate_name", "voix"]
    ]
    for b in bureaux:
        code = f"{b.dep}{b.commune}_{b.bureau}"
        for c in cands:
            if c.panel in b.voix:
                rows.append([
                    code, f"Bureau {b.bureau}", "bureau", "67017", b.dep + b.commune, b.inscrits, b.votants,
                    b.blancs, b.nuls, b.exprimes, c.panel, c.nom, b.voix[c.panel],
                ])
    return rows


# --------------------------------------------------------------------------
# Files at every level (département to bureau), in every layout, with the
# Ministère's 2017-2022 or 2024+ headers.


@dataclass(frozen=True)
class Place:
    """An area with every parent code, as a 2017-2022 file spells them."""

    dep: str
    circ: str
    canton: str
    commune: str
    bureau: str
    inscrits: int
    votants: int
    blancs: int
    nuls: int
    voix: dict[int, int] = field(default_factory=dict)

    @property
    def exprimes(self) -> int:
        return sum(self.voix.values())

    def spelled(self, name: str, style: str) -> str:
        """The code of ``name`` as a file of ``style`` writes it (2024 files write full codes)."""
        value = {"departement": self.dep, "circonscription": self.circ, "canton": self.canton,
                 "commune": self.commune, "bureau": self.bureau}[name]
        if style == "2024" and name in ("circonscription", "canton"):
            return self.dep + value.zfill(2)  # INSEE style: 6701, 6717
        if style == "2024" and name == "commune":
            return self.dep + value.zfill(3)
        return value


PLACES = (
    Place("67", "1", "17", "482", "0101", 960, 682, 7, 2, {1: 300, 2: 100, 3: 273}),
    Place("68", "2", "5", "66", "0001", 820, 685, 6, 2, {1: 200, 2: 177, 3: 300}),
    Place("2A", "1", "3", "4", "0002", 500, 400, 0, 0, {1: 100, 2: 100, 3: 200}),
)
# The codes the importer gives them, per level.
PLACE_CODES = {
    "departement": ["67", "68", "2A"],
    "circonscription": ["6701", "6802", "2A01"],
    "canton": ["67017", "68005", "2A003"],
    "commune": ["67482", "68066", "2A004"],
    "bureau": ["67482_0101", "68066_0001", "2A004_0002"],
}
LEVEL_CODES = {  # the code columns a file of each level has
    "departement": ("departement",),
    "circonscription": ("departement", "circonscription"),
    "canton": ("departement", "canton"),
    "commune": ("departement", "commune"),
    "bureau": ("departement", "commune", "bureau"),
}
CODE_HEADERS = {
    "2017": {
        "departement": ("Code du département", "Libellé du département"),
        "circonscription": ("Code de la circonscription", "Libellé de la circonscription"),
        "canton": ("Code du canton", "Libellé du canton"),
        "commune": ("Code de la commune", "Libellé de la commune"),
        "bureau": ("Code du b.vote", None),
    },
    "2024": {
        "departement": ("Code département", "Libellé département"),
        "circonscription": ("Code circonscription législative", "Libellé circonscription législative"),
        "canton": ("Code canton", "Libellé canton"),
        "commune": ("Code commune", "Libellé commune"),
        "bureau": ("Code BV", None),
    },
}
COUNT_HEADERS = {
    "2017": ["Inscrits", "Abstentions", "% Abs/Ins", "Votants", "% Vot/Ins", "Blancs", "% Blancs/Ins",
             "% Blancs/Vot", "Nuls", "% Nuls/Ins", "% Nuls/Vot", "Exprimés", "% Exp/Ins", "% Exp/Vot"],
    "2024": ["Inscrits", "Votants", "% Votants", "Abstentions", "% Abstentions", "Exprimés",
             "% Exprimés/inscrits", "% Exprimés/votants", "Blancs", "% Blancs/inscrits", "% Blancs/votants",
             "Nuls", "% Nuls/inscrits", "% Nuls/votants"],
}
BLOCK_HEADERS = {
    "2017": ["N°Panneau", "Sexe", "Nom", "Prénom", "Voix", "% Voix/Ins", "% Voix/Exp"],
    "2024": ["Numéro de panneau", "Nuance candidat", "Nom candidat", "Prénom candidat", "Sexe candidat", "Voix",
             "% Voix/inscrits", "% Voix/exprimés", "Elu"],
}


def _codes_head(level: str, style: str, extra: tuple[str, ...] = ()) -> list[str]:
    head: list[str] = []
    for name in (*LEVEL_CODES[level], *extra):
        code, label = CODE_HEADERS[style][name]
        head += [code] + ([label] if label else [])
    return head


def _codes_row(p: Place, level: str, style: str, extra: tuple[str, ...] = ()) -> list[object]:
    row: list[object] = []
    for name in (*LEVEL_CODES[level], *extra):
        row += [p.spelled(name, style)] + ([f"Label {name} {p.dep}"] if CODE_HEADERS[style][name][1] else [])
    return row


def _counts_row(p: Place, style: str) -> list[object]:
    by_name = {"Inscrits": p.inscrits, "Abstentions": p.inscrits - p.votants, "Votants": p.votants,
               "Blancs": p.blancs, "Nuls": p.nuls, "Exprimés": p.exprimes}
    return [by_name.get(h, "1,0") for h in COUNT_HEADERS[style]]


def _block_row(c: Cand, voix: int, style: str) -> list[object]:
    if style == "2017":
        return [c.panel, c.sexe, c.nom, c.prenom, voix, "1,00", "2,00"]
    return [c.panel, c.nuance, c.nom, c.prenom, c.sexe, voix, "1%", "2%", ""]


def wide_rows(places, level: str, style: str, cands=CANDS, extra: tuple[str, ...] = ()) -> list[list[object]]:
    """Ministère layout: 2017 names the first block only (rows run on), 2024 numbers them all."""
    head = _codes_head(level, style, extra) + COUNT_HEADERS[style]
    if style == "2017":
        head += BLOCK_HEADERS["2017"]
    else:
        for i in range(1, len(cands) + 1):
            head += [f"{h} {i}" for h in BLOCK_HEADERS["2024"]]
    rows: list[list[object]] = [head]
    for p in places:
        row = _codes_row(p, level, style, extra) + _counts_row(p, style)
        for c in cands:
            if c.panel in p.voix:
                row += _block_row(c, p.voix[c.panel], style)
        rows.append(row)
    return rows


def large_level_rows(places, level: str, style: str, cands=CANDS) -> list[list[object]]:
    rows: list[list[object]] = [_codes_head(level, style) + COUNT_HEADERS[style] + [c.nom for c in cands]]
    for p in places:
        rows.append(_codes_row(p, level, style) + _counts_row(p, style) + [p.voix.get(c.panel, "") for c in cands])
    return rows


def long_level_rows(places, level: str, style: str, cands=CANDS, *, by_candidate: bool = False,
                    extra: tuple[str, ...] = ()) -> list[list[object]]:
    """One row per area and candidate, the area's codes and counts on each row."""
    rows: list[list[object]] = [_codes_head(level, style, extra) + COUNT_HEADERS[style] + BLOCK_HEADERS[style]]
    pairs = [(p, c) for p in places for c in cands if c.panel in p.voix]
    if by_candidate:
        pairs.sort(key=lambda pc: pc[1].panel)
    for p, c in pairs:
        rows.append(_codes_row(p, level, style, extra) + _counts_row(p, style) + _block_row(c, p.voix[c.panel], style))
    return rows


def tidy_rows(places, level: str, cands=CANDS, *, level_column: bool = False) -> list[list[object]]:
    """A tidy file: its own ``code`` column, parent columns, a candidate column."""
    head = ["code", "departement", "commune", "inscrits", "votants", "blancs", "nuls", "exprimes",
            "candidate", "candidate_name", "nuance", "voix"] + ["level"] * level_column
    rows: list[list[object]] = [head]
    for p, code in zip(places, PLACE_CODES[level], strict=True):
        for c in cands:
            if c.panel in p.voix:
                rows.append([code, p.dep, p.spelled("commune", "2024"), p.inscrits, p.votants, p.blancs, p.nuls,
                             p.exprimes, c.panel, c.nom, c.nuance, p.voix[c.panel]] + [level] * level_column)
    return rows
