"""Campaign graphics as HTML documents laid out and measured by Chromium (see docs/graphics.md)."""
