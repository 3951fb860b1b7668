"""Piccolo tables, migrations and the stores that apply decisions atomically."""
