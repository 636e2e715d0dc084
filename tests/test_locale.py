"""The reader's locale (app.i18n): which one a request gets, the catalogs compiled in memory,
and dates, numbers and names written as each locale writes them. No database, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from app import i18n
from app.i18n import (
    LocaleChoice,
    accepted_locale,
    choose_locale,
    environment_locale,
    format_datetime,
    format_number,
    format_percent,
    get_locale,
    gettext,
    html_lang,
    locale_of_tag,
    locale_scope,
    name_sort_key,
    negotiate_locale,
    ngettext,
)
from tests.locale_catalog import chinese, chinese_catalog


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("en", "en"),
        ("en-GB", "en"),
        ("EN-us", "en"),
        ("zh", "zh_CN"),
        ("zh-CN", "zh_CN"),
        ("zh-cn", "zh_CN"),
        ("zh_CN", "zh_CN"),
        ("zh-Hans", "zh_CN"),
        ("zh-Hans-CN", "zh_CN"),
        ("zh-SG", "zh_CN"),
        ("zh-Hans-HK", "zh_CN"),  # Simplified script, whatever the region
        ("zh-TW", None),
        ("zh-HK", None),
        ("zh-MO", None),
        ("zh-Hant", None),
        ("zh-Hant-CN", None),
        ("fr", None),
        ("*", None),
        ("", None),
    ],
)
def test_a_language_tag_names_one_of_our_locales_or_none(tag: str, locale: str | None) -> None:
    assert locale_of_tag(tag) == locale


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, None),
        ("", None),
        ("fr-FR,fr;q=0.9", None),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        ("en-US,en;q=0.9,zh;q=0.8", "en"),
        # The q values order the list, not its order of writing.
        ("en;q=0.3, zh-Hans;q=0.8", "zh_CN"),
        ("fr, zh-SG;q=0.5, en;q=0.4", "zh_CN"),
        # Traditional Chinese is not read as asking for Simplified: the list goes on.
        ("zh-TW,zh;q=0.9,en;q=0.8", "zh_CN"),
        ("zh-TW,en;q=0.8", "en"),
        ("zh-Hant", None),
        # q=0 means "not this one"; a broken q value counts as 0.
        ("zh;q=0, en;q=0.1", "en"),
        ("zh;q=abc", None),
    ],
)
def test_accept_language_is_read_by_quality(header: str | None, locale: str | None) -> None:
    assert accepted_locale(header) == locale
    assert negotiate_locale(header) == (locale or "en")


def test_the_locale_is_chosen_in_order_preference_cookie_commission_browser_english() -> None:
    everything = {
        "preference": "zh_CN",
        "cookie": "en",
        "commission_default": "zh_CN",
        "accept_language": "en",
    }
    assert choose_locale(**everything) == "zh_CN"
    assert choose_locale(**{**everything, "preference": None}) == "en"  # the cookie
    assert choose_locale(**{**everything, "preference": None, "cookie": None}) == "zh_CN"
    assert choose_locale(accept_language="zh-CN") == "zh_CN"
    assert choose_locale(accept_language="zh-CN", commission_default="en") == "en"
    assert choose_locale() == "en"


def test_values_that_are_no_locale_of_ours_are_passed_over() -> None:
    # A tampered cookie, a column written by another version: never a catalog path.
    assert choose_locale(cookie="../../etc", accept_language="zh") == "zh_CN"
    assert choose_locale(preference="fr", cookie="zh_CN") == "zh_CN"
    assert choose_locale(commission_default="zh", accept_language="en") == "en"


def test_a_request_learns_its_locale_as_it_goes() -> None:
    choice = LocaleChoice(cookie=None, accept_language="en")
    assert choice.locale == "en" and not choice.settled_before_commission
    choice.learn_commission_default("zh_CN")
    assert choice.locale == "zh_CN"
    choice.learn_preference("en")
    assert choice.locale == "en" and choice.settled_before_commission
    assert LocaleChoice(cookie="zh_CN").settled_before_commission
    assert not LocaleChoice(cookie="nonsense").settled_before_commission


def test_what_is_said_follows_the_locale_in_scope() -> None:
    assert get_locale() == "en" and html_lang() == "en"
    with locale_scope("zh_CN"):
        assert get_locale() == "zh_CN" and html_lang() == "zh-CN"
        with locale_scope(LocaleChoice(cookie="en")):
            assert get_locale() == "en"
        assert get_locale() == "zh_CN"
    assert get_locale() == "en"


def test_the_terminal_says_which_language_the_command_line_speaks() -> None:
    assert environment_locale({"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert environment_locale({"LANGUAGE": "fr:zh_CN", "LANG": "en_US.UTF-8"}) == "zh_CN"
    assert environment_locale({"LC_ALL": "C", "LANG": "zh_SG.UTF-8"}) == "zh_CN"
    assert environment_locale({"LANG": "zh_TW.UTF-8"}) == "en"
    assert environment_locale({}) == "en"


def test_a_catalog_is_compiled_from_its_po_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = Catalog(locale="zh_CN", domain="messages")
    catalog.add("Working groups", "工作组")
    catalog.add(("%(num)d norm.", "%(num)d norms."), ("%(num)d 项规范。",))
    catalog.add("Half done", "半成品", flags=["fuzzy"])
    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setattr(i18n, "TRANSLATIONS_DIR", tmp_path)
    i18n.translations_for.cache_clear()
    try:
        with locale_scope("zh_CN"):
            assert gettext("Working groups") == "工作组"
            assert ngettext("%(num)d norm.", "%(num)d norms.", 3) == "3 项规范。"
            assert ngettext("%(num)d norm.", "%(num)d norms.", 1) == "1 项规范。"
            assert gettext("Half done") == "Half done"  # fuzzy: not trusted, English shows
            assert gettext("Not in the catalog") == "Not in the catalog"
        assert not list(tmp_path.rglob("*.mo")), "compiled in memory, never written"
    finally:
        i18n.translations_for.cache_clear()


def test_the_chinese_catalog_translates_the_interface() -> None:
    expected = chinese("Working groups")
    with locale_scope("zh_CN"):
        assert gettext("Working groups") == expected
    assert gettext("Working groups") == "Working groups" != expected
    assert chinese_catalog() is not None


MOMENT = datetime(2026, 3, 4, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "written"),
    [
        (
            "en",
            {
                "datetime": "Mar 4, 2026, 14:05 UTC",
                "date": "Mar 4, 2026",
                "time": "14:05",
                "day_time": "3/4, 14:05",
            },
        ),
        (
            "zh_CN",
            {
                "datetime": "2026年3月4日 14:05 UTC",
                "date": "2026年3月4日",
                "time": "14:05",
                "day_time": "3/4 14:05",
            },
        ),
    ],
)
def test_moments_are_written_as_the_locale_writes_them(
    locale: str, written: dict[str, str]
) -> None:
    with locale_scope(locale):
        assert {part: format_datetime(MOMENT, part) for part in written} == written
        assert format_datetime(None) == ""
        # A naive time from the database is UTC, as the app stores every time.
        assert format_datetime(MOMENT.replace(tzinfo=None)) == written["datetime"]


def test_a_moment_is_refused_an_unknown_part() -> None:
    with pytest.raises(ValueError, match="not '%H:%M'"):
        format_datetime(MOMENT, "%H:%M")


def test_numbers_and_shares_follow_the_locale() -> None:
    for locale in ("en", "zh_CN"):
        with locale_scope(locale):
            assert format_number(12345) == "12,345"
            assert format_percent(0.5) == "50%"
            assert format_percent(2 / 3) == "67%"


NAMES = ["王小明", "Zoe Smith", "李雷", "alice Brown", "曾杰", "张伟", "林芳", "安娜", "Bob Li"]


def test_names_sort_by_letters_in_english() -> None:
    with locale_scope("en"):
        ordered = sorted(NAMES, key=name_sort_key)
    assert ordered[:3] == ["alice Brown", "Bob Li", "Zoe Smith"]  # case does not count


def test_names_sort_in_pinyin_order_in_chinese() -> None:
    with locale_scope("zh_CN"):
        ordered = sorted(NAMES, key=name_sort_key)
    # an1 na4, bob, li3 lei2, lin2 fang1, wang2, zeng1 (the surname's reading), zhang1, zoe
    assert ordered == [
        "alice Brown",
        "安娜",
        "Bob Li",
        "李雷",
        "林芳",
        "王小明",
        "曾杰",
        "张伟",
        "Zoe Smith",
    ]
