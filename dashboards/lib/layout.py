"""Place panels on Grafana's 24-column grid, row by row."""

from __future__ import annotations

from collections.abc import Sequence

import attr
from grafanalib.core import GridPos, Panel, RowPanel

GRID_WIDTH = 24


def stack(sections: Sequence[tuple[RowPanel, Sequence[tuple[Panel, int, int]]]]) -> list[Panel]:
    """Lay out ``(row, [(panel, width, height), ...])`` sections top to bottom.

    Panels fill a line left to right and wrap when the next one does not fit; each row header
    starts on its own line. Explicit ids keep panel links stable when panels are reordered.
    """
    placed: list[Panel] = []
    y = 0
    next_id = 1
    for row, panels in sections:
        placed.append(attr.evolve(row, id=next_id, gridPos=GridPos(h=1, w=GRID_WIDTH, x=0, y=y)))
        next_id += 1
        y += 1
        x = 0
        line_height = 0
        for panel, width, height in panels:
            if x + width > GRID_WIDTH:
                y += line_height
                x = 0
                line_height = 0
            placed.append(
                attr.evolve(panel, id=next_id, gridPos=GridPos(h=height, w=width, x=x, y=y))
            )
            next_id += 1
            x += width
            line_height = max(line_height, height)
        y += line_height
    return placed
