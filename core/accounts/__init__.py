"""Accounts: how people sign in and stay signed in (docs/security.md, "Accounts").

- ``lockout``: failed sign-ins counted per account and address (django-axes), the lock, the
  audited unlock;
- ``two_factor``: staff pass a TOTP code (django-otp) after their password, enrol a device first;
- ``tokens``: named, expiring, revocable API tokens, stored as digests;
- ``views`` / ``urls``: the second-factor pages; ``api``: the token endpoints.
"""
