"""Green attributes: certificate registries, blocks by serial range, issuance from metered
generation, retirements and sales (docs/green.md)."""

from green.models.actions import CertificateSale, Retirement
from green.models.blocks import CertificateBlock
from green.models.carbon import EmbodiedEmissions, EmissionFactorImport, HourlyEmissionFactor
from green.models.generation import GenerationImport, GenerationReading, IssuanceRequest
from green.models.registry import Registry

__all__ = [
    "CertificateBlock",
    "CertificateSale",
    "EmbodiedEmissions",
    "EmissionFactorImport",
    "GenerationImport",
    "GenerationReading",
    "HourlyEmissionFactor",
    "IssuanceRequest",
    "Registry",
    "Retirement",
]
