"""Calibration to published figures and validation by patterns (docs/validation.md)."""
