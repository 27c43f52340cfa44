"""Facts of the assets app that apps above may react to (docs/architecture.md, "Dependencies").

Sent inside the transaction that makes the fact; a receiver only records work in the outbox
(``core.outbox.enqueue``), so it runs after the commit, and not at all when the fact rolls back.
"""

from django.dispatch import Signal

# A bank statement file was imported. kwargs: statement_ids (list[int], the statements stored),
# actor_id (int | None, who imported it).
bank_statements_imported = Signal()
