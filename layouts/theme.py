"""Colours and figure styling shared by the pages: a dark wall-screen, a light explorer."""

from __future__ import annotations

from layouts.formatting import PLOTLY_SEPARATORS

FONT = "system-ui, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
LIGHTS = {"green": "#2f9e44", "amber": "#f08c00", "red": "#e03131", None: "#868e96"}
WALL_BACKGROUND = "#101113"
WALL_PANEL = "#1a1b1e"
WALL_TEXT = "#e9ecef"
WALL_MUTED = "#909296"
ACCENT = "#228be6"
SECOND = "#15aabf"
#: Sequential scales for maps: light is worse, dark is better (reversed where lower is better).
BETTER_DARKER = [[0.0, "#fff5f5"], [0.35, "#ffc9c9"], [0.6, "#74c0fc"], [1.0, "#1864ab"]]
#: The colours of a map's five bands, worst to best: reds to blues, each apart from the next and from the dark sea.
BANDS = ("#ffa8a8", "#ffd8a8", "#d0ebff", "#74c0fc", "#1c7ed6")
#: The sea under the wall's map, and the label boxes on it.
WALL_SEA = "#0b0c0e"


def figure_layout(lang: str, dark: bool, scale: float = 1.0) -> dict:
    """Plotly layout settings: transparent, compact, the language's number separators, fonts scaled for the wall."""
    text = WALL_TEXT if dark else "#212529"
    grid = "#2c2e33" if dark else "#e9ecef"
    return {
        "separators": PLOTLY_SEPARATORS.get(lang, ",."),
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {
            "family": "system-ui, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif",
            "color": text,
            "size": round(13 * scale),
        },
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "xaxis": {"gridcolor": grid, "zeroline": False, "automargin": True},
        "yaxis": {"gridcolor": grid, "zeroline": False, "automargin": True},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "hoverlabel": {"font": {"size": round(13 * scale)}},
    }
