"""Green services: one function per business action (docs/green.md)."""
