"""Settings for every part of the product; see :mod:`config.settings`."""

from config.settings import Settings, get_settings, load_settings

__all__ = ["Settings", "get_settings", "load_settings"]
