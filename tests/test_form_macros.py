"""templates/_shared/forms.html: the field macros write the label, hint, error and control the
hand-written fields wrote, with the aria attributes that tie them together."""

from __future__ import annotations

import re

from app.web import build_environment

IMPORT = '{% from "_shared/forms.html" import input, textarea, select, check %}'


def render(source: str, **context: object) -> str:
    html = build_environment().from_string(IMPORT + source).render(**context)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def test_an_input_with_a_hint_and_an_error_points_at_both() -> None:
    html = render(
        '{{ input("edit-minutes", "minutes", "In minutes", error="Too many.", hint="Or empty.",'
        ' type="number", min="1", class="input--short", value=5) }}'
    )
    assert html == (
        '<label for="edit-minutes">In minutes</label>'
        '<p class="field__hint" id="edit-minutes-hint">Or empty.</p>'
        '<p class="field__error" id="edit-minutes-error">Too many.</p>'
        '<input id="edit-minutes" name="minutes" type="number" min="1" class="input--short"'
        ' value="5" aria-invalid="true" aria-describedby="edit-minutes-hint edit-minutes-error">'
    )


def test_attributes_true_are_bare_and_none_or_false_are_left_out() -> None:
    html = render(
        '{{ input("r", "reason", "Reason", required=True, autofocus=False, maxlength=None,'
        ' value="") }}'
    )
    assert html == '<label for="r">Reason</label><input id="r" name="reason" required value="">'


def test_values_and_labels_are_escaped() -> None:
    html = render('{{ textarea("t", "body", label, value, rows=3) }}', label="<b>", value="a<b")
    assert (
        html
        == '<label for="t">&lt;b&gt;</label><textarea id="t" name="body" rows="3">a&lt;b</textarea>'
    )


def test_an_error_drawn_elsewhere_is_still_pointed_at() -> None:
    html = render(
        '{{ input("brief-title-1", "title", "Title", error="Bad.", error_id="brief-1-error",'
        " show_error=False) }}"
    )
    assert "field__error" not in html
    assert 'aria-invalid="true" aria-describedby="brief-1-error"' in html


def test_a_select_takes_its_options_from_the_caller() -> None:
    html = render(
        '{% call select("s", "status", "Status", label_class="visually-hidden") %}'
        '<option value="member">member</option>{% endcall %}'
    )
    assert html == (
        '<label for="s" class="visually-hidden">Status</label>'
        '<select id="s" name="status"><option value="member">member</option></select>'
    )


def test_a_check_sits_inside_its_label() -> None:
    assert render('{{ check("head", "head of delegation", checked=True) }}') == (
        '<label class="check"><input type="checkbox" name="head" value="true" checked>'
        " head of delegation</label>"
    )
    assert render(
        '{{ check("stance", "Support", value="support", type="radio",'
        ' label_class="stance-option") }}'
    ) == (
        '<label class="stance-option"><input type="radio" name="stance" value="support">'
        " Support</label>"
    )


def test_a_whole_field_sends_each_attribute_to_the_browser_on_its_own() -> None:
    # The field macro once wrote `requiredaria-invalid` and the like: one unknown attribute, so
    # the browser saw neither required nor the error's description.
    html = (
        build_environment()
        .from_string(
            '{% from "_shared/forms.html" import field %}'
            '{{ field("username", "Name", {"username": "ada"}, {"username": "Too short."},'
            ' autocomplete="username", hint="Letters.", maxlength=40) }}'
            '{{ field("password", "Password", {"password": "typed"}, {}, type="password") }}'
        )
        .render()
    )
    tags = re.findall(r"<input [^>]*>", html)
    assert tags == [
        '<input id="field-username" name="username" type="text" value="ada"'
        ' autocomplete="username" maxlength="40" required aria-invalid="true"'
        ' aria-describedby="username-hint username-error">',
        '<input id="field-password" name="password" type="password" required>',
    ]
    assert '<div class="field field--invalid">' in html
