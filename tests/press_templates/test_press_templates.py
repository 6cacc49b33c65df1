"""Every press template renders from its sample context, documents its fields, and refuses a context with
missing fields in one error that lists all of them."""

from pathlib import Path

import pytest

from core.errors import InvalidInput
from core.workflow.templates import TemplateLibrary, split_title

FOLDER = Path(__file__).resolve().parents[2] / "press_templates"
LIBRARY = TemplateLibrary(FOLDER)
REQUIRED_TITLES = {"首次回应/情况通报", "续发通报", "辟谣声明", "警情通报", "新闻发布会口径", "舆情日报", "舆情专报",
                   "移交函", "演练复盘报告"}


def test_the_catalogue_has_every_template_the_county_needs():
    assert REQUIRED_TITLES <= {t.title for t in LIBRARY.list()}


@pytest.mark.parametrize("name", [t.name for t in LIBRARY.list()])
def test_each_template_renders_its_sample_and_documents_every_field_it_uses(name):
    sample = LIBRARY.sample_context(name)
    text = LIBRARY.render(name, sample)
    title, body = split_title(text)
    assert title and body.strip()
    documented = {f.name for f in LIBRARY.get(name).fields}
    assert set(sample) <= documented, set(sample) - documented
    assert LIBRARY.missing_fields(name, {f: sample[f] for f in documented if f in sample}) == []
    assert all(f.description for f in LIBRARY.get(name).fields)


@pytest.mark.parametrize("name", [t.name for t in LIBRARY.list()])
def test_missing_fields_are_all_named_in_one_error(name):
    required = LIBRARY.get(name).required
    with pytest.raises(InvalidInput) as error:
        LIBRARY.render(name, {})
    for field in required:
        assert field in str(error.value)


def test_a_blank_required_field_counts_as_missing_and_optional_fields_may_be_left_out():
    sample = LIBRARY.sample_context("first_response")
    with pytest.raises(InvalidInput, match="incident_summary"):
        LIBRARY.render("first_response", {**sample, "incident_summary": "  "})
    without_optional = {k: v for k, v in sample.items() if k not in ("contact", "next_steps")}
    assert "如有情况反映" not in LIBRARY.render("first_response", without_optional)
