"""docs/graphics.md stays in step with the presets table, the formats, the headline limit and the settings."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from dashboard import exporter
from dashboard.graphics import document, presets, settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "graphics.md"


def test_every_preset_row_is_documented_with_its_numbers():
    text = DOC.read_text(encoding="utf-8")
    for p in presets.PRESETS:
        row = (f"| `{p.name}` | {p.width} × {p.height} | {p.group} | {p.label} | {p.title_px[0]:.1f} to "
               f"{p.title_px[1]:.1f} | {p.text_min_px:.1f} | {p.page or f'{p.width} × {p.height} px'} |")
        assert row in text, row
    rows = [line for line in text.splitlines() if line.startswith("| `") and " × " in line and "| social |" in line
            or line.startswith("| `") and "| print |" in line]
    assert len(rows) == len(presets.PRESETS)  # no documented size the table lacks


def test_formats_kinds_headline_limit_and_settings_are_documented():
    text = DOC.read_text(encoding="utf-8")
    for fmt in presets.FORMATS:
        assert f"| `{fmt}` |" in text, fmt
    for kind in document.KINDS:
        assert f"| `{kind}` | `{kind}.html.j2` |" in text, kind
        assert (document.TEMPLATES / f"{kind}.html.j2").is_file()
    assert f"at most {exporter.HEADLINE_MAX}\ncharacters" in text or f"at most {exporter.HEADLINE_MAX} characters" in text
    defaults = settings.Settings()
    for key, value in (("call_to_action", defaults.call_to_action), ("call_to_action_url", defaults.call_to_action_url)):
        assert f"| `{key}` | {value} |" in text, key
    assert "| `logo` |" in text
    fields = {f.name for f in dataclasses.fields(settings.Settings)}
    assert fields == {"call_to_action", "call_to_action_url", "logo_path"}  # a new setting needs a row above
