"""The 7942 keypad menus as a pure state machine: the ITL-erase path and where wrong keys lead."""

from __future__ import annotations

import pytest

from rig.sim.phone_menu import Effect, PhoneMenu

TO_ITL = ["Settings", "KeyPad4", "KeyPad5", "KeyPad2"]
UNLOCK = ["KeyPadStar", "KeyPadStar", "KeyPadPound"]


def press_all(menu: PhoneMenu, keys: list[str]) -> list[Effect | None]:
    return [menu.press(key) for key in keys]


@pytest.fixture
def menu() -> PhoneMenu:
    return PhoneMenu(page_lines=lambda page: ("Signer: CN=cme-branch",) if page == "itl" else ())


def test_the_published_sequence_erases_the_itl(menu: PhoneMenu) -> None:
    effects = press_all(menu, TO_ITL + UNLOCK + ["Soft4", "Soft2"])
    assert effects[:-1] == [None] * (len(effects) - 1)
    assert effects[-1] is Effect.ERASE_TRUST_LISTS


def test_settings_4_5_2_opens_the_itl_file_screen_locked(menu: PhoneMenu) -> None:
    press_all(menu, TO_ITL)
    screen = menu.screen()
    assert (screen.title, screen.locked, menu.current_page) == ("ITL File", True, "itl")
    assert "Signer: CN=cme-branch" in screen.lines
    assert "Erase" not in screen.softkeys


def test_star_star_pound_unlocks_and_offers_erase_on_the_fourth_softkey(menu: PhoneMenu) -> None:
    press_all(menu, TO_ITL + UNLOCK)
    screen = menu.screen()
    assert screen.locked is False
    assert screen.softkeys[3] == "Erase"


def test_star_star_pound_typed_higher_up_in_the_menus_also_unlocks(menu: PhoneMenu) -> None:
    press_all(menu, ["Settings"] + UNLOCK + ["KeyPad4", "KeyPad5", "KeyPad2"])
    assert menu.unlocked and menu.current_page == "itl"


def test_star_star_pound_again_locks(menu: PhoneMenu) -> None:
    press_all(menu, TO_ITL + UNLOCK + UNLOCK)
    assert menu.screen().locked is True


def test_erase_softkey_does_nothing_while_locked(menu: PhoneMenu) -> None:
    assert press_all(menu, TO_ITL + ["Soft4", "Soft2"]) == [None] * 6
    assert menu.current_page == "itl" and not menu.erase_progress


def test_cancel_on_the_confirmation_keeps_the_itl(menu: PhoneMenu) -> None:
    effects = press_all(menu, TO_ITL + UNLOCK + ["Soft4", "Soft1", "Soft2"])
    assert Effect.ERASE_TRUST_LISTS not in effects
    assert menu.current_page == "itl"


def test_settings_from_any_submenu_goes_back_to_idle_and_locks(menu: PhoneMenu) -> None:
    press_all(menu, TO_ITL + UNLOCK + ["Settings"])
    assert menu.current_page is None and not menu.unlocked
    press_all(menu, TO_ITL)
    assert menu.screen().locked is True


def test_a_wrong_digit_opens_the_item_it_names(menu: PhoneMenu) -> None:
    press_all(menu, ["Settings", "KeyPad3"])
    assert menu.screen().title == "Model Information"
    press_all(menu, ["KeyPad4", "KeyPad5"])  # digits on an information page do nothing
    assert menu.screen().title == "Model Information"


def test_a_digit_past_the_last_item_is_ignored(menu: PhoneMenu) -> None:
    press_all(menu, ["Settings", "KeyPad9"])
    assert menu.screen().title == "Settings"


def test_back_and_exit_go_up_one_level(menu: PhoneMenu) -> None:
    press_all(menu, TO_ITL + ["NavBack"])
    assert menu.screen().title == "Trust List"
    press_all(menu, ["Soft1", "Soft1"])
    assert menu.screen().title == "Settings"
    menu.press("NavBack")
    assert menu.current_page is None


def test_navigation_keys_move_the_highlight_and_select(menu: PhoneMenu) -> None:
    press_all(menu, ["Settings", "NavDwn", "NavDwn", "NavDwn", "NavUp", "NavDwn", "NavSelect"])
    assert menu.screen().title == "Security Configuration"


def test_digits_on_the_idle_screen_dial_instead_of_opening_menus(menu: PhoneMenu) -> None:
    press_all(menu, ["KeyPad4", "KeyPad5", "KeyPad2", "KeyPadStar"])
    assert menu.current_page is None
    assert "Dialing: 452*" in menu.screen().lines


def test_an_application_key_leaves_the_settings_menus(menu: PhoneMenu) -> None:
    press_all(menu, TO_ITL + UNLOCK + ["Services"])
    assert menu.screen().title == "Services" and not menu.unlocked


def test_unknown_key_names_are_refused(menu: PhoneMenu) -> None:
    with pytest.raises(ValueError, match="KeyPad10"):
        menu.press("KeyPad10")
    with pytest.raises(ValueError):
        menu.press("4")  # friendly spellings are the keypad script's business, not the phone's


def test_reset_after_a_boot_shows_the_idle_screen(menu: PhoneMenu) -> None:
    press_all(menu, TO_ITL + UNLOCK)
    menu.reset()
    assert menu.current_page is None and not menu.unlocked
    assert menu.screen().title == "Cisco IP Phone 7942"


def test_a_firmware_taking_other_erase_softkeys_erases_on_those_and_not_on_the_scripts() -> None:
    other = PhoneMenu(erase_keys=("Soft2", "Soft4", "Soft2"))
    assert Effect.ERASE_TRUST_LISTS not in press_all(other, TO_ITL + UNLOCK + ["Soft4", "Soft2"])
    other = PhoneMenu(erase_keys=("Soft2", "Soft4", "Soft2"))
    effects = press_all(other, TO_ITL + UNLOCK + ["Soft2", "Soft4", "Soft2"])
    assert effects[-1] is Effect.ERASE_TRUST_LISTS and effects[:-1] == [None] * 9
