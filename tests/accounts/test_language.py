"""The language a page is drawn in: the switch in the header, the account's preference, the
commission's default language, the browser's Accept-Language; and what each costs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.i18n import LOCALE_COOKIE
from tests.conftest import Cast, QueryCounter, csrf_from, post_form, sign_in
from tests.locale_catalog import chinese
from tests.proposals.helpers import to_stage


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', html)
    assert match, "no <html lang>"
    return match.group(1)


def switch_state(html: str) -> dict[str, bool]:
    """The header's switch: each language's button (by its value), and whether it is current."""
    form = html.split('action="/language"')[1].split("</form>")[0]
    buttons = re.findall(r'<button type="submit" name="locale"[^>]*>', form)
    return {re.findall(r'value="(\w+)"', tag)[0]: 'aria-current="true"' in tag for tag in buttons}


def switch(client: TestClient, page: str, locale: str, next: str | None = None) -> Any:
    """Press a language of the switch on `page`; it asks to come back to `next` (the page)."""
    back = page if next is None else next
    return post_form(client, page, "/language", {"locale": locale, "next": back})


def test_a_visitor_switches_to_chinese_and_back(client: TestClient) -> None:
    page = client.get("/norms")
    assert html_lang(page.text) == "en"
    assert switch_state(page.text) == {"en": True, "zh_CN": False}
    # Each language by its own name, the Chinese marked as Chinese for screen readers.
    assert 'lang="zh-CN" class="language-switch__option">中文</button>' in page.text

    answer = switch(client, "/norms?q=ai", "zh_CN")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/norms?q=ai"
    cookie = answer.headers["set-cookie"]
    assert f"{LOCALE_COOKIE}=zh_CN" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie

    chinese_page = client.get("/norms").text
    assert html_lang(chinese_page) == "zh-CN"
    assert switch_state(chinese_page) == {"en": False, "zh_CN": True}
    assert chinese("Norms") in chinese_page

    switch(client, "/norms", "en")
    assert html_lang(client.get("/norms").text) == "en"


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_the_switch_goes_back_to_this_site_only(client: TestClient, next_url: str) -> None:
    answer = switch(client, "/norms", "zh_CN", next=next_url)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_the_switch_refuses_a_post_without_its_token_or_an_unknown_language(
    client: TestClient,
) -> None:
    client.get("/norms")
    forged = client.post("/language", data={"locale": "zh_CN", "next": "/norms"})
    assert forged.status_code == 403
    assert LOCALE_COOKIE not in forged.headers.get("set-cookie", "")
    unknown = switch(client, "/norms", "fr")
    assert unknown.status_code == 400
    assert LOCALE_COOKIE not in unknown.headers.get("set-cookie", "")


def test_the_switch_brings_a_refused_form_back_to_its_page(client: TestClient) -> None:
    """A page drawn for a POST (a refused sign-in) offers to come back to the page it was on."""
    token = csrf_from(client.get("/sign-in").text)
    refused = client.post(
        "/sign-in",
        data={"username": "", "password": "", "csrf_token": token},
        headers={"referer": "http://testserver/sign-in?next=/norms"},
    )
    assert refused.status_code == 400
    assert 'name="next" value="/sign-in?next=/norms"' in refused.text


def test_signed_in_the_switch_saves_the_preference_for_every_browser(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ursula")
    assert cast.us_delegate.locale is None
    switch(client, "/", "zh_CN")
    db.refresh(cast.us_delegate)
    assert cast.us_delegate.locale == "zh_CN"
    # As another browser, never switched, asking for English: the account's choice wins.
    client.cookies.clear()
    client.headers["accept-language"] = "en-US,en;q=0.9"
    sign_in(client, "ursula")
    assert html_lang(client.get("/").text) == "zh-CN"
    client.cookies.set(LOCALE_COOKIE, "en")
    assert html_lang(client.get("/").text) == "zh-CN"  # the preference before the cookie


def test_the_account_page_offers_the_preference_and_as_the_browser_asks(
    client: TestClient, db: Session, cast: Cast
) -> None:
    client.headers["accept-language"] = "zh-CN,zh;q=0.9"
    sign_in(client, "pei")
    page = client.get("/account").text
    assert html_lang(page) == "zh-CN"  # no preference yet: the browser's
    assert re.search(r'<option value="" selected>', page)

    saved = post_form(client, "/account", "/account/language", {"locale": "en"})
    assert saved.status_code == 303 and saved.headers["location"] == "/account"
    db.refresh(cast.prc_delegate)
    assert cast.prc_delegate.locale == "en"
    page = client.get("/account").text
    assert html_lang(page) == "en"
    assert '<option value="en" lang="en" selected>English</option>' in page

    cleared = post_form(client, "/account", "/account/language", {"locale": ""})
    assert cleared.status_code == 303
    assert f'{LOCALE_COOKIE}=""' in cleared.headers["set-cookie"]  # the cookie is forgotten too
    db.refresh(cast.prc_delegate)
    assert cast.prc_delegate.locale is None
    assert html_lang(client.get("/account").text) == "zh-CN"

    refused = post_form(client, "/account", "/account/language", {"locale": "klingon"})
    assert refused.status_code == 400


def test_a_commission_default_language_is_set_on_the_console(
    client: TestClient, db: Session, cast: Cast
) -> None:
    console = f"/commissions/{cast.commission.id}/manage"
    sign_in(client, "ines")
    assert 'id="language-heading"' in client.get(console).text
    answer = post_form(client, console, f"{console}/language", {"locale": "zh_CN"})
    assert answer.status_code == 303
    db.refresh(cast.commission)
    assert cast.commission.default_locale == "zh_CN"
    refused = post_form(client, console, f"{console}/language", {"locale": "xx"})
    assert refused.status_code in (400, 422)
    # The console is in Chinese now: the instructor chose no language of her own.
    assert chinese("Choose one of the languages offered.") in refused.text
    post_form(client, console, f"{console}/language", {"locale": ""})
    db.refresh(cast.commission)
    assert cast.commission.default_locale is None


def test_only_the_commission_s_instructors_set_its_language(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ursula")
    console = f"/commissions/{cast.commission.id}/manage"
    answer = post_form(client, "/", f"{console}/language", {"locale": "zh_CN"})
    assert answer.status_code in (403, 404)
    db.refresh(cast.commission)
    assert cast.commission.default_locale is None


def test_the_commission_default_applies_to_whoever_chose_no_language(
    client: TestClient, db: Session, cast: Cast
) -> None:
    cast.commission.default_locale = "zh_CN"
    cast.us_colleague.locale = "en"
    proposal = to_stage(db, cast, "debate")
    db.flush()
    overview, proposal_page = f"/commissions/{cast.commission.id}", f"/proposals/{proposal.id}"
    client.headers["accept-language"] = "en-US,en;q=0.9"
    sign_in(client, "ursula")  # no preference, no cookie
    assert html_lang(client.get(overview).text) == "zh-CN"
    assert html_lang(client.get(proposal_page).text) == "zh-CN"
    assert html_lang(client.get("/notices").text) == "en"  # not a page of the commission
    switch(client, overview, "en")  # the cookie now says what she chose
    assert html_lang(client.get(overview).text) == "en"

    client.cookies.clear()
    sign_in(client, "ulysses")  # a saved preference for English
    assert html_lang(client.get(overview).text) == "en"
    assert html_lang(client.get(proposal_page).text) == "en"


def test_the_commission_default_is_read_only_when_it_can_matter(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    cast.commission.default_locale = "zh_CN"
    db.flush()
    overview = f"/commissions/{cast.commission.id}"
    sign_in(client, "ursula")

    def reads_of_the_default() -> int:
        count_queries.statements.clear()
        client.get(overview)
        own = re.compile(r"SELECT commissions\.default_locale\s+FROM commissions\s+WHERE")
        return sum(bool(own.match(s.strip())) for s in count_queries.statements)

    assert reads_of_the_default() == 1
    user = db.get(User, cast.us_delegate.id)
    assert user is not None
    user.locale = "en"
    db.flush()
    assert reads_of_the_default() == 0
    user.locale = None
    db.flush()
    client.cookies.set(LOCALE_COOKIE, "en")
    assert reads_of_the_default() == 0


def test_a_visitor_s_browser_asks_for_chinese(client: TestClient) -> None:
    asked = [("zh-CN,zh;q=0.9", "zh-CN"), ("zh-TW", "en"), ("zh-Hant,zh;q=0.5", "zh-CN")]
    for header, lang in asked:
        assert html_lang(client.get("/norms", headers={"accept-language": header}).text) == lang
