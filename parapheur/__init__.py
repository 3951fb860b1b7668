"""Composition root: settings, the ASGI app factory and the command line."""
