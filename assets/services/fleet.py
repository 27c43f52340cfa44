"""Sites, devices, appraisals, insurance policies and investment models."""


from django.db import transaction

from assets import investment
from assets.models import Appraisal, Device, InsurancePolicy, InvestmentModel, Site
from assets.services.common import create_audited, update_audited
from core.authz import require_perm
from core.errors import InvalidInput, Refused
from core.money import minor_unit
from core.transitions import lock, run_transition

SITE_FIELDS = ("name", "location", "country", "grid_region", "grid_emission_factor",
               "grid_emission_factor_source", "grid_emission_factor_year", "pue")
DEVICE_FIELDS = ("code", "kind", "site", "manufacturer", "model", "serial_number", "gpu_count",
                 "tdp_watts", "capacity_kwp", "capacity_kwh", "power_kw", "purchase_date", "currency",
                 "purchase_cost", "useful_life_years", "residual_value", "spv", "deal")
APPRAISAL_FIELDS = ("device", "valued_on", "value", "currency", "appraiser", "method")
POLICY_FIELDS = ("device", "insurer", "policy_number", "cover_amount", "currency", "starts_on",
                 "expires_on")
INVESTMENT_FIELDS = ("name", "kind", "currency", "capex", "revenue", "opex", "discount_rate")


@transaction.atomic
def site_create(*, actor, **values) -> Site:
    return create_audited(Site, actor=actor, fields=SITE_FIELDS, **values)


@transaction.atomic
def site_update(*, site: Site, actor, **values) -> Site:
    return update_audited(lock(Site, site.pk), actor=actor, fields=SITE_FIELDS, values=values)


def _check_pledge(values: dict) -> None:
    deal, spv = values.get("deal"), values.get("spv")
    if deal is not None and spv is not None and deal.spv_id != spv.pk:
        raise InvalidInput(f"Deal '{deal}' belongs to SPV '{deal.spv}', not to the device's SPV '{spv}'.",
                           field="deal")


@transaction.atomic
def device_create(*, actor, **values) -> Device:
    _check_pledge(values)
    return create_audited(Device, actor=actor, fields=(*DEVICE_FIELDS, "state"), **values)


@transaction.atomic
def device_update(*, device: Device, actor, **values) -> Device:
    device = lock(Device, device.pk)
    if device.state in Device.FINAL_STATES:
        raise Refused(f"Device '{device}' is '{device.get_state_display()}'; it can no longer be edited.")
    _check_pledge({"spv": values.get("spv", device.spv), "deal": values.get("deal", device.deal)})
    return update_audited(device, actor=actor, fields=DEVICE_FIELDS, values=values)


@transaction.atomic
def device_transition(*, device: Device, name: str, actor, reason: str = "") -> Device:
    device = lock(Device, device.pk)
    run_transition(device, name, actor=actor, reason=reason)
    return device


@transaction.atomic
def appraisal_record(*, actor, **values) -> Appraisal:
    device = lock(Device, values["device"].pk)
    if values.get("currency", device.currency) != device.currency:
        raise InvalidInput(f"Appraisals of '{device}' are in {device.currency}.", field="currency")
    values.setdefault("currency", device.currency)
    return create_audited(Appraisal, actor=actor, fields=APPRAISAL_FIELDS, **values)


@transaction.atomic
def insurance_policy_create(*, actor, **values) -> InsurancePolicy:
    lock(Device, values["device"].pk)
    return create_audited(InsurancePolicy, actor=actor, fields=POLICY_FIELDS, **values)


@transaction.atomic
def insurance_policy_update(*, policy: InsurancePolicy, actor, **values) -> InsurancePolicy:
    return update_audited(lock(InsurancePolicy, policy.pk), actor=actor, fields=POLICY_FIELDS,
                          values=values)


def _checked_investment(values: dict, *, current: InvestmentModel | None = None) -> dict:
    """Bound the figures (finite, in range, in whole minor units of the currency) before storing them.

    On an update every figure is checked again, since a new currency may have fewer decimals.
    """
    merged = {} if current is None else {f: getattr(current, f) for f in
                                         ("currency", "capex", "revenue", "opex", "discount_rate")}
    merged.update(values)
    unit = minor_unit(str(merged.get("currency") or ""))
    if "capex" in merged:
        values["capex"] = investment.checked_amount(merged["capex"], field="capex", minor_unit=unit)
    if "revenue" in merged or "opex" in merged:
        revenue, opex = investment.checked_streams(revenue=merged.get("revenue"), opex=merged.get("opex"),
                                                   minor_unit=unit)
        values["revenue"], values["opex"] = [str(v) for v in revenue], [str(v) for v in opex]
    if "discount_rate" in merged:
        values["discount_rate"] = investment.checked_rate(merged["discount_rate"])
    return values


@transaction.atomic
def investment_model_create(*, actor, **values) -> InvestmentModel:
    require_perm(actor, "assets.add_investmentmodel", doing="create investment models")
    values = _checked_investment(values)
    return create_audited(InvestmentModel, actor=actor, fields=INVESTMENT_FIELDS, **values)


@transaction.atomic
def investment_model_update(*, model: InvestmentModel, actor, **values) -> InvestmentModel:
    require_perm(actor, "assets.change_investmentmodel", doing="edit investment models")
    model = lock(InvestmentModel, model.pk)
    values = _checked_investment(values, current=model)
    return update_audited(model, actor=actor, fields=INVESTMENT_FIELDS, values=values)


def investment_model_evaluate(model: InvestmentModel) -> investment.Evaluation:
    return investment.evaluate(capex=model.capex, revenue=model.revenue, opex=model.opex,
                               discount_rate=model.discount_rate, minor_unit=minor_unit(model.currency))

