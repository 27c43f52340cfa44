from django.apps import AppConfig


class ChainConfig(AppConfig):
    name = "chain"
    verbose_name = "chain (tokens, transactions, indexer)"

    def ready(self) -> None:
        from chain import receivers  # noqa: F401  (connects issuance, compliance and screening signals)
        from chain.dashboard import register as register_panels  # its panels on the home page

        register_panels()
