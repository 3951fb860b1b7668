"""Automated actions: broker, outbox relay, actors and connectors."""
