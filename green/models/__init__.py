"""Green attributes: certificate registries, blocks by serial range, issuance from metered
generation, retirements and sales (docs/green.md)."""

from green.models.actions import CertificateSale, Retirement
from green.models.blocks import CertificateBlock
from green.models.generation import GenerationImport, GenerationReading, IssuanceRequest
from green.models.registry import Registry

__all__ = ["CertificateBlock", "CertificateSale", "GenerationImport", "GenerationReading", "IssuanceRequest",
           "Registry", "Retirement"]
