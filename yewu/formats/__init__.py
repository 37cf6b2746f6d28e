"""Yewu's own format overrides per language (settings.FORMAT_MODULE_PATH); Django's locale formats
fill in everything not named here."""
