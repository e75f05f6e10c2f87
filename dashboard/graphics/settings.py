"""Campaign settings: the logo and the call to action printed on every graphic.

They are settings, not code: `[campaign]` in the file named by
$JEWELCRIME_CONFIG (default `jewelcrime.toml` in the project folder), e.g.

    [campaign]
    logo = "branding/our-logo.png"        # PNG, JPEG or SVG; relative to the config file
    call_to_action = "Take the safety pledge"
    call_to_action_url = "partnerforprotection.com"

Without a file the defaults below apply and the logo slot holds the product's
own neutral mark.
"""
from __future__ import annotations

import base64
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from etl.config import PROJECT_ROOT

CONFIG_ENV = "JEWELCRIME_CONFIG"
DEFAULT_CONFIG = PROJECT_ROOT / "jewelcrime.toml"
DEFAULT_CALL_TO_ACTION = "Take the safety pledge"
DEFAULT_CALL_TO_ACTION_URL = "partnerforprotection.com"
MARK = Path(__file__).parent / "templates" / "mark.svg"
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml",
              ".webp": "image/webp"}
MAX_LOGO_BYTES = 2_000_000
MAX_TEXT = 120


class SettingsError(ValueError):
    """The config file or a value in it cannot be used (the message names the file and the key)."""


@dataclass(frozen=True)
class Settings:
    call_to_action: str = DEFAULT_CALL_TO_ACTION
    call_to_action_url: str = DEFAULT_CALL_TO_ACTION_URL
    logo_path: Path | None = None  # None: the product's neutral mark

    @property
    def logo_data_url(self) -> str:
        """The logo inlined as a data: URL, so the graphic needs no file and makes no request."""
        path = self.logo_path or MARK
        mime = LOGO_TYPES[path.suffix.lower()]
        return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"

    @property
    def own_logo(self) -> bool:
        return self.logo_path is not None


def load(path: Path | None = None) -> Settings:
    """The settings from the config file (defaults when there is none)."""
    path = Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
    if not path.is_file():
        if os.environ.get(CONFIG_ENV) and path == Path(os.environ[CONFIG_ENV]):
            raise SettingsError(f"{path}: the config file named by ${CONFIG_ENV} does not exist")
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")).get("campaign", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not a readable TOML file ({exc})") from None
    out: dict[str, object] = {}
    for key in ("call_to_action", "call_to_action_url"):
        if key in data:
            value = data[key]
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
                raise SettingsError(f"{path}: [campaign] {key} must be text of 1 to {MAX_TEXT} characters")
            out[key] = value.strip()
    if "logo" in data:
        logo = Path(str(data["logo"]))
        logo = logo if logo.is_absolute() else path.parent / logo
        if logo.suffix.lower() not in LOGO_TYPES:
            raise SettingsError(f"{path}: [campaign] logo must be one of {', '.join(LOGO_TYPES)} (got {logo.name})")
        if not logo.is_file():
            raise SettingsError(f"{path}: [campaign] logo {logo} is not a file")
        if logo.stat().st_size > MAX_LOGO_BYTES:
            raise SettingsError(f"{path}: [campaign] logo {logo.name} is over {MAX_LOGO_BYTES // 1_000_000} MB")
        out["logo_path"] = logo
    return Settings(**out)
