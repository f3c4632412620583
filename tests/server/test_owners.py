"""explorer/server/owners.py: who owns what."""

from explorer.server import owners


def test_a_browser_is_known_by_a_hash_of_its_secret_only():
    a = owners.from_browser("0123456789abcdef" * 2)
    assert a is not None and a.id.startswith("browser:") and "0123456789abcdef" not in a.id
    assert a == owners.from_browser("0123456789abcdef" * 2)  # the same browser, next visit
    assert a.tag != owners.from_browser("f" * 32).tag and len(a.tag) == 12
    assert not a.admin  # admins need login


def test_anything_but_a_secret_names_nobody():
    for bad in (None, "", "a" * 31, "A" * 32, "a" * 33, "../" * 11, 123, ["a" * 32]):
        assert owners.from_browser(bad) is None


def test_login_gives_the_account_and_its_admin_role():
    teacher = owners.from_login({"is_logged_in": True, "email": "Teacher@School.org"},
                                admins=frozenset({"teacher@school.org"}))
    assert teacher.id == "user:teacher@school.org" and teacher.admin
    student = owners.from_login({"is_logged_in": True, "email": "kim@school.org"},
                                admins=frozenset({"teacher@school.org"}))
    assert not student.admin and student.tag != teacher.tag
    assert owners.from_login({"is_logged_in": False}) is None
    assert owners.from_login({}) is None


def test_the_server_and_nobody_have_no_folder():
    assert owners.SERVER.tag is None and owners.NOBODY.tag is None
