from django import forms

from compliance.models import KycCase, ReasonCode, RiskRating
from core import bounds, params


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(choices=[("", "open (any)"), *KycCase.State.choices], required=False)
    risk = forms.ChoiceField(choices=[("", "any"), *RiskRating.choices], required=False)
    assignee = forms.CharField(required=False, max_length=20, help_text="'me', 'none' or a user id")
    older_than_days = forms.IntegerField(min_value=0, max_value=bounds.MAX_DAYS, required=False,
                                         label="older than (days)")

    def clean_assignee(self) -> str:
        value = self.cleaned_data["assignee"].strip()
        if value in ("", "me", "none"):
            return value
        _, problem = params.int_problem(value, minimum=1, maximum=2**63 - 1)
        if problem:
            raise forms.ValidationError(f"Give 'me', 'none' or a user id: {problem}")
        return value


class CaseDecisionForm(forms.Form):
    reason_code = forms.ChoiceField(choices=[("", "-"), *ReasonCode.choices], required=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), required=False)


class DocumentDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "accept"), ("reject", "reject"),
                                          ("request_revision", "needs revision")])
    reason = forms.CharField(required=False)
    evidence_expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class HitDecisionForm(forms.Form):
    """No decision is preselected: the officer chooses one, or the form is refused."""

    decision = forms.ChoiceField(
        choices=[("", "choose a decision"), ("mark_false_positive", "false positive"),
                 ("confirm", "confirm match")],
        error_messages={"required": "Choose a decision: confirm the match or mark it a false positive."})
    reason = forms.CharField()
    whitelist_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
