"""Servicing services: one function per business action (docs/servicing.md)."""
