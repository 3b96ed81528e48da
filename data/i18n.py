"""Text for people, marked for the translation catalogs without the data layer knowing about languages."""
from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for the catalogs; the interface translates it where it is shown."""
    return message


class Text(str):
    """An English message that keeps its catalog form and values, so that the interface can show it translated; as a
    str it is the English text (the CLI and logs read it so). A value may be a record with label_en and label_zh."""

    template: str
    values: dict

    def __new__(cls, template: str, **values) -> Text:
        text = super().__new__(cls, fill(template, values, "en"))
        text.template, text.values = template, values
        return text


def fill(template: str, values: dict, language: str) -> str:
    """A message template with its values, labels taken in a language."""
    return template % {name: in_language(value, language) for name, value in values.items()} if values else template


def in_language(value, language: str):
    """A record's label (a dict or an object with label_en and label_zh) in a language; any other value as it is."""
    labels = value if isinstance(value, dict) else vars(value) if hasattr(value, "label_en") else {}
    if "label_en" not in labels:
        return value
    return labels["label_zh"] if language.startswith("zh") else labels["label_en"]
