"""The preview controls: one checkbox + strength slider + probability per operation, or a raw JSON spec."""

from __future__ import annotations

import json

from django import forms

from augment.ops import catalogue
from augment.services import MAX_SAMPLES
from augment.spec import Spec, SpecError, parse_spec

DEFAULT_OPS = {"rotate": 0.5, "shift": 0.5, "elastic": 0.5, "gaussian_noise": 0.3}


class PreviewForm(forms.Form):
    n = forms.IntegerField(min_value=1, max_value=MAX_SAMPLES, initial=8, label="Samples")
    seed = forms.IntegerField(min_value=0, max_value=2**31 - 1, initial=0, label="Seed")
    spec = forms.CharField(
        required=False,
        label="Spec (JSON, overrides the controls)",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ops = catalogue()
        for op in self.ops:
            name = op["name"]
            label = op["label"] + ("" if op["label_preserving"] else " — not label-preserving for digits")
            self.fields[f"op_{name}"] = forms.BooleanField(required=False, label=label, initial=name in DEFAULT_OPS)
            self.fields[f"strength_{name}"] = forms.FloatField(
                min_value=0,
                max_value=1,
                required=False,
                initial=DEFAULT_OPS.get(name, 0.5),
                label="strength",
                widget=forms.NumberInput(attrs={"type": "range", "step": "0.05", "min": "0", "max": "1"}),
            )
            self.fields[f"p_{name}"] = forms.FloatField(
                min_value=0,
                max_value=1,
                required=False,
                initial=1.0,
                label="probability",
                widget=forms.NumberInput(attrs={"type": "range", "step": "0.05", "min": "0", "max": "1"}),
            )

    def op_rows(self) -> list[dict]:
        return [
            {
                "op": op,
                "enabled": self[f"op_{op['name']}"],
                "strength": self[f"strength_{op['name']}"],
                "p": self[f"p_{op['name']}"],
            }
            for op in self.ops
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        raw = (cleaned.get("spec") or "").strip()
        try:
            if raw:
                cleaned["parsed_spec"] = parse_spec(raw)
            else:
                steps = [
                    {
                        "op": op["name"],
                        "strength": _or(cleaned.get(f"strength_{op['name']}"), 0.5),
                        "p": _or(cleaned.get(f"p_{op['name']}"), 1.0),
                    }
                    for op in self.ops
                    if cleaned.get(f"op_{op['name']}")
                ]
                if not steps:
                    raise SpecError("Choose at least one operation.")
                cleaned["parsed_spec"] = parse_spec({"ops": steps})
        except SpecError as exc:
            raise forms.ValidationError(str(exc), code="spec") from None
        return cleaned


def slider_defaults() -> dict[str, str]:
    """Slider values a query string may omit (unchecked checkboxes are simply absent)."""
    values = {}
    for op in catalogue():
        values[f"strength_{op['name']}"] = str(DEFAULT_OPS.get(op["name"], 0.5))
        values[f"p_{op['name']}"] = "1.0"
    return values


def _or(value, default):
    return default if value is None else value


def default_query() -> dict:
    return (
        {f"op_{name}": "on" for name in DEFAULT_OPS}
        | {f"strength_{name}": str(strength) for name, strength in DEFAULT_OPS.items()}
        | {"n": "8", "seed": "0"}
    )


def spec_json(spec: Spec) -> str:
    return json.dumps(spec.to_dict(), indent=1, sort_keys=True)
