"""Compliance data: investors, KYC cases, documents, classification, eligibility, wallets."""

from compliance.models.classification import InvestorClass, InvestorClassification, Regime
from compliance.models.documents import Document
from compliance.models.eligibility import DealEligibility
from compliance.models.investors import BeneficialOwner, Investor
from compliance.models.kyc import KycCase, ReasonCode, RiskRating
from compliance.models.login_changes import InvestorLoginChange
from compliance.models.wallets import Wallet, WalletChallenge

__all__ = [
    "BeneficialOwner", "DealEligibility", "Document", "Investor", "InvestorClass",
    "InvestorClassification", "InvestorLoginChange", "KycCase", "ReasonCode", "Regime", "RiskRating",
    "Wallet", "WalletChallenge",
]
