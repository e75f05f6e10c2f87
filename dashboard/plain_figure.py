"""A figure kept as the plain trace and layout dicts a builder made: what Dash sends the browser, without the
plotly objects that `go.Figure` makes of every trace and property even when it skips validation (about 3 ms a
map, more than its SQL). Whatever reads it as a plotly figure (`.data`, `.layout`, `update_layout`,
`write_image`, a notebook's display) gets a `go.Figure` made once from the same dicts, unvalidated."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go


def _copied(value: Any) -> Any:
    """Dicts and lists copied all the way down (the leaves shared): a caller may change what it is given, as it
    may a go.Figure's JSON, without changing the figure."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    return value


class PlainFigure:
    """`data` (trace dicts, each with its `type`) and `layout` (a dict), as plotly.js takes them."""

    __slots__ = ("_plain", "_figure")

    def __init__(self, data: list[dict[str, Any]], layout: dict[str, Any]) -> None:
        self._plain = {"data": list(data), "layout": dict(layout)}
        self._figure: go.Figure | None = None

    @classmethod
    def from_json(cls, figure: dict[str, Any]) -> PlainFigure:
        return cls(figure.get("data", []), figure.get("layout", {}))

    def to_plotly_json(self) -> dict[str, Any]:
        """The figure's JSON (Dash's encoder asks for this); once made, the plotly figure is the one that counts,
        changes included."""
        if self._figure is not None:
            return self._figure.to_plotly_json()
        return _copied(self._plain)

    def to_dict(self) -> dict[str, Any]:
        return self.to_plotly_json()

    def plotly(self) -> go.Figure:
        """The plotly figure of these dicts, made on first use."""
        if self._figure is None:
            import plotly.graph_objects as go

            self._figure = go.Figure(_copied(self._plain), _validate=False)
        return self._figure

    def __getattr__(self, name: str) -> Any:
        # only what this class does not define gets here; the slots and the copy and pickle protocol stay its own
        if name.startswith("__") or name in PlainFigure.__slots__:
            raise AttributeError(name)
        return getattr(self.plotly(), name)

    def __getstate__(self) -> dict[str, Any]:
        return {"figure": self.to_plotly_json()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["figure"].get("data", []), state["figure"].get("layout", {}))  # as from_json
