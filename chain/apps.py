from django.apps import AppConfig


class ChainConfig(AppConfig):
    name = "chain"
    verbose_name = "chain (tokens, transactions, indexer)"

    def ready(self) -> None:
        from chain import receivers  # noqa: F401  (connects issuance, compliance and screening signals)
        from chain.dashboard import register as register_panels  # its panels on the home page

        register_panels()

        # The token step on the deal's admin page (issuance asks through its registry).
        from chain.deal_tokens import render_token_step
        from issuance.providers import register_deal_section

        register_deal_section("token_step", render_token_step)
