"""Reconciliation services: cash matching runs (``matching``), manual matches (``manual``) and the
exceptions queue (``exceptions``)."""
