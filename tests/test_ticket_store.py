"""The ticket store on SQLite and PostgreSQL: migrations, one ticket per form, claims, access log."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from actions.store.office_hours import OfficeHours
from actions.store import accounts as accounts_module
from actions.store.accounts import AccountStore, FailedSignIns, hash_password, verify_password
from actions.store.database import alembic_config, make_engine, make_session_factory, migrate
from actions.store.models import Base
from actions.store.tickets import (ClaimConflict, QueueFilter, StoreUnavailable, TicketDraft, TicketError,
                                   TicketStore, callback_phone, normalise_reference)
from actions.store.person_key import NotAPersonKey, person_key
from bot.settings import Secret
from tests.helpers import all_at_once

HELSINKI = ZoneInfo("Europe/Helsinki")
WEDNESDAY_10 = dt.datetime(2026, 11, 25, 10, 0, tzinfo=HELSINKI)


def draft(**changes) -> TicketDraft:
    values = dict(conversation_id="conv-1", channel="anonymous_chat", contact_role="resident", reason="health",
                  urgency="normal", resident_words="Mieliala on ollut huono jo viikkoja.", contact_method="phone",
                  phone="040 123 4567", reach_time="aamupäivisin", consent_text="Saa välittää asiakasohjaukseen.",
                  consent_at=WEDNESDAY_10, topic_id="mielenterveys", path_id="mielenterveys",
                  assessment={"instrument": "phq9", "answers": {"phq9_1": 2}, "total": 12, "band": "kohtalainen"})
    values.update(changes)
    return TicketDraft(**values)


@pytest.fixture
def stores(database_url):
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    clock = {"now": WEDNESDAY_10}
    tickets = TicketStore(sessions, OfficeHours(), clock=lambda: clock["now"])
    accounts = AccountStore(sessions, clock=lambda: clock["now"])
    yield tickets, accounts, clock, engine
    engine.dispose()


def test_migrations_match_the_models_and_run_twice(database_url) -> None:
    engine = make_engine(database_url)
    migrate(engine)  # a second start (another replica) changes nothing
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
    engine.dispose()


def test_threads_of_one_process_migrate_a_fresh_database_together(tmp_path) -> None:
    """The web app's first identification request and its console housekeeping both build stores."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert all_at_once(lambda _: make_engine(url).dispose(), range(4)) == [None] * 4  # no exception in any


def test_a_database_from_before_migrations_is_adopted(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = create_engine(url, future=True)
    with old.begin() as connection:  # the tables as the first release made them (create_all)
        connection.execute(text("CREATE TABLE path_feedback (id INTEGER PRIMARY KEY, path_id VARCHAR(120) NOT NULL, "
                                "helpful BOOLEAN NOT NULL, created_at DATETIME NOT NULL)"))
        connection.execute(text("CREATE TABLE unanswered_question (id INTEGER PRIMARY KEY, text VARCHAR(2000) NOT NULL,"
                                " outcome VARCHAR(40) NOT NULL, best_path_id VARCHAR(120), created_at DATETIME NOT NULL)"))
        connection.execute(text("INSERT INTO path_feedback (path_id, helpful, created_at) "
                                "VALUES ('hammashoito', 1, '2026-11-01 10:00:00')"))
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM path_feedback")).scalar_one() == 1  # nothing lost
        assert connection.execute(text("SELECT count(*) FROM ticket")).scalar_one() == 0


def test_ticket_is_created_once_per_form_with_answer_by_time(stores) -> None:
    tickets, accounts, clock, _ = stores
    first, created = tickets.create(draft(), "conv-1:form-1")
    assert created and first.status == "new" and first.phone == "+358401234567"
    assert first.answer_by == dt.datetime(2026, 11, 26, 15, 0, tzinfo=HELSINKI)
    assert normalise_reference(first.reference) == first.reference
    again, created_again = tickets.create(draft(resident_words="double click"), "conv-1:form-1")
    assert (again.id, again.reference, created_again) == (first.id, first.reference, False)
    other, created_other = tickets.create(draft(urgency="urgent"), "conv-1:form-2")
    assert created_other and other.reference != first.reference
    assert other.answer_by == dt.datetime(2026, 11, 25, 15, 0, tzinfo=HELSINKI)
    assert tickets.count() == 2
    assert {e.action for e in tickets.access_log()} == {"create"}


def test_concurrent_submissions_of_one_form_make_one_ticket(stores) -> None:
    tickets, *_ = stores
    results = all_at_once(lambda _: tickets.create(draft(), "conv-1:form-race"), range(6))
    assert not [r for r in results if isinstance(r, Exception)]
    assert len({ticket.id for ticket, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert tickets.count() == 1


@pytest.mark.parametrize("changes, field", [
    ({"phone": "112"}, "phone"), ({"phone": "0800 123 456"}, "phone"), ({"phone": "12345"}, "phone"),
    ({"urgency": "asap"}, "urgency"), ({"reason": "weather"}, "reason"), ({"resident_words": "  "}, "resident_words"),
    ({"contact_method": "secure_message"}, "contact_method"), ({"identity_code": "010203A123B"}, "identity_code"),
])
def test_invalid_drafts_name_the_field_and_store_nothing(stores, changes, field) -> None:
    tickets, *_ = stores
    with pytest.raises(TicketError) as caught:
        tickets.create(draft(**changes), "k")
    assert caught.value.field == field
    assert tickets.count() == 0


def test_a_residents_own_tickets_are_listed_by_person_key_and_never_an_anonymous_one(stores) -> None:
    tickets, *_ = stores
    secret = Secret("the-person-key-secret-of-this-test-0123456789")
    aino, other = person_key("010180-913J", secret), person_key("131052-308T", secret)
    identified = dict(channel="identified_chat", contact_method="secure_message", phone=None,
                      identity_name="Aino Testinen")
    first, _ = tickets.create(draft(identity_code="010180-913J", person_key=aino, **identified), "c:1")
    second, _ = tickets.create(draft(identity_code="010180-913J", person_key=aino, **identified), "c:2")
    tickets.create(draft(identity_code="131052-308T", person_key=other, **identified), "c:3")
    tickets.create(draft(), "c:4")  # anonymous: no person key

    assert [t.id for t in tickets.of_person(aino)] == [second.id, first.id]  # newest first
    assert [t.identity_code for t in tickets.of_person(other)] == ["131052-308T"]
    for not_a_key in ("", "kissa"):
        with pytest.raises(NotAPersonKey):
            tickets.of_person(not_a_key)
    for refused in ({"person_key": aino}, {"person_key": "kissa", "identity_code": "010180-913J", **identified}):
        with pytest.raises(TicketError) as caught:
            tickets.create(draft(**refused), "c:5")  # anonymous with a key; or a made-up key
        assert caught.value.field == "person_key"


def test_two_professionals_claiming_at_once_exactly_one_wins(stores) -> None:
    tickets, accounts, *_ = stores
    ticket, _ = tickets.create(draft(), "conv-1:form-1")
    pros = [accounts.create(f"hoitaja{i}", f"Hoitaja {i}", "professional", "salasana-joka-on-pitka") for i in range(4)]

    def claim(account) -> str:
        tickets.claim(account, ticket.id)
        return account.username

    outcomes = all_at_once(claim, pros)
    winners = [o for o in outcomes if isinstance(o, str)]
    assert len(winners) == 1 and sum(isinstance(o, ClaimConflict) for o in outcomes) == 3
    winner = next(p for p in pros if p.username == winners[0])
    loser = next(p for p in pros if p.username != winners[0])
    with pytest.raises(ClaimConflict):
        tickets.close(loser, ticket.id, "no_further_need")
    tickets.update(winner, ticket.id, status="in_progress")
    tickets.add_note(winner, ticket.id, "Soitin, ei vastannut. Yritän iltapäivällä.")
    closed = tickets.close(winner, ticket.id, "referred_within_region")
    assert (closed.status, closed.outcome) == ("closed", "referred_within_region")
    read, notes = tickets.get(loser, ticket.id)
    assert [n.text for n in notes] == ["Soitin, ei vastannut. Yritän iltapäivällä."]
    log = [(e.actor, e.action) for e in reversed(tickets.access_log(ticket.id))]
    assert log[0] == ("assistant", "create")
    assert (f"account:{winner.username}", "claim") in log
    assert log[-3:] == [(f"account:{winner.username}", "note"), (f"account:{winner.username}", "close"),
                        (f"account:{loser.username}", "read")]


def test_queue_filters_and_order(stores) -> None:
    tickets, accounts, clock, _ = stores
    pro = accounts.create("hoitaja", "Hoitaja", "professional", "salasana-joka-on-pitka")
    normal, _ = tickets.create(draft(topic_id="hammashoito"), "a")
    urgent, _ = tickets.create(draft(urgency="urgent"), "b")
    done, _ = tickets.create(draft(), "c")
    tickets.claim(pro, done.id)
    tickets.close(pro, done.id, "no_further_need")
    assert [t.id for t in tickets.queue(pro)] == [urgent.id, normal.id]  # due first, closed left out
    assert [t.id for t in tickets.queue(pro, QueueFilter(urgency="normal"))] == [normal.id]
    assert [t.id for t in tickets.queue(pro, QueueFilter(topic_id="hammashoito"))] == [normal.id]
    assert [t.id for t in tickets.queue(pro, QueueFilter(due_before=WEDNESDAY_10 + dt.timedelta(hours=6)))] \
        == [urgent.id]
    assert [t.id for t in tickets.queue(pro, QueueFilter(status=["closed"]))] == [done.id]
    listed = [e for e in tickets.access_log() if e.action == "list"]
    assert len(listed) == 2 + 1 + 1 + 1 + 1


def test_resident_status_needs_the_check(stores) -> None:
    tickets, *_ = stores
    ticket, _ = tickets.create(draft(), "conv-1:form-1")
    reference = ticket.reference.lower().replace("-", " ")
    assert tickets.resident_status(reference, conversation_id="conv-1").status == "new"
    assert tickets.resident_status(reference, conversation_id="someone-else") is None
    assert tickets.resident_status(reference, conversation_id="someone-else", phone_last_digits="0000") is None
    assert tickets.resident_status(reference, conversation_id="someone-else", phone_last_digits="4567").status == "new"
    assert tickets.resident_status("XXXX-XXXX", conversation_id="conv-1") is None
    actions = [e.action for e in tickets.access_log(ticket.id)]
    assert actions.count("status-denied") == 2 and actions.count("status") == 2


def test_store_down_is_reported_and_nothing_half_written(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    tickets = TicketStore(make_session_factory(engine), OfficeHours(), clock=lambda: WEDNESDAY_10)
    tickets.create(draft(), "first")
    broken = create_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none", future=True,
                           connect_args={"connect_timeout": 2})
    down = TicketStore(make_session_factory(broken), OfficeHours(), clock=lambda: WEDNESDAY_10)
    with pytest.raises(StoreUnavailable):
        down.create(draft(), "second")
    assert tickets.count() == 1


def test_failed_insert_leaves_no_access_log_row(stores, monkeypatch) -> None:
    tickets, _, _, engine = stores
    from actions.store import tickets as module

    def broken_log(session, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(module.TicketStore, "_log", staticmethod(broken_log))
    with pytest.raises(RuntimeError):
        tickets.create(draft(), "conv-1:form-1")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ticket")).scalar_one() == 0


def test_accounts_sessions_expire_and_lock(stores) -> None:
    _, accounts, clock, _ = stores
    accounts.create("Maija.M", "Maija M", "professional", "oikein-pitka-salasana")
    assert accounts.sign_in("maija.m", "väärä") is None
    signed = accounts.sign_in("maija.m", "oikein-pitka-salasana")
    assert accounts.account_for(signed.token).username == "maija.m"
    clock["now"] += dt.timedelta(minutes=29)
    assert accounts.account_for(signed.token) is not None  # activity restarts the idle clock
    clock["now"] += dt.timedelta(minutes=31)
    assert accounts.account_for(signed.token) is None      # idle too long
    again = accounts.sign_in("maija.m", "oikein-pitka-salasana")
    accounts.sign_out(again.token)
    assert accounts.account_for(again.token) is None
    for _ in range(5):
        accounts.sign_in("maija.m", "väärä")
    assert accounts.sign_in("maija.m", "oikein-pitka-salasana") is None  # locked for a while
    clock["now"] += dt.timedelta(minutes=16)
    assert accounts.sign_in("maija.m", "oikein-pitka-salasana") is not None


def test_password_hash_is_salted_argon2id() -> None:
    first, second = hash_password("sama salasana"), hash_password("sama salasana")
    assert first != second and first.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password("sama salasana", first) and not verify_password("toinen", first)
    assert not verify_password("x", "md5$abc") and not verify_password("x", "$argon2id$garbage")


def scrypt_hash(password: str) -> str:
    """A hash as the releases before argon2id stored it."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2 ** 14, r=8, p=1, dklen=32)
    return f"scrypt${2 ** 14}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def stored_hash(accounts: AccountStore, username: str) -> str:
    return accounts.by_username(username).password_hash


def set_stored_hash(engine, username: str, value: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE account SET password_hash = :h WHERE username = :u"),
                           {"h": value, "u": username})


def test_an_old_scrypt_hash_still_signs_in_and_becomes_argon2id(stores) -> None:
    _, accounts, _, engine = stores
    accounts.create("vanha.tili", "Vanha Tili", "professional", "oikein-pitka-salasana")
    set_stored_hash(engine, "vanha.tili", scrypt_hash("oikein-pitka-salasana"))
    assert accounts.sign_in("vanha.tili", "väärä-salasana") is None
    assert stored_hash(accounts, "vanha.tili").startswith("scrypt$")  # a wrong password changes nothing
    assert accounts.sign_in("vanha.tili", "oikein-pitka-salasana") is not None
    rehashed = stored_hash(accounts, "vanha.tili")
    assert rehashed.startswith("$argon2id$") and verify_password("oikein-pitka-salasana", rehashed)
    assert accounts.sign_in("vanha.tili", "oikein-pitka-salasana") is not None
    assert stored_hash(accounts, "vanha.tili") == rehashed  # current hashes are left alone


def test_new_argon2_parameters_rehash_at_the_next_sign_in(stores, monkeypatch) -> None:
    _, accounts, _, _ = stores
    monkeypatch.setattr(accounts_module, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    accounts.create("maija.m", "Maija M", "professional", "oikein-pitka-salasana")
    assert "m=1024,t=1,p=1" in stored_hash(accounts, "maija.m")
    monkeypatch.setattr(accounts_module, "PASSWORD_HASHER", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    assert accounts.sign_in("maija.m", "oikein-pitka-salasana") is not None
    assert "m=2048,t=2,p=1" in stored_hash(accounts, "maija.m")


def test_wrong_passwords_lock_out_an_address_never_the_account(stores, monkeypatch) -> None:
    _, accounts, clock, _ = stores
    monkeypatch.setattr(accounts_module, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    accounts.create("maija.m", "Maija M", "professional", "oikein-pitka-salasana")
    attacker, office = "203.0.113.7", "198.51.100.20"
    for _ in range(5):
        assert accounts.sign_in("maija.m", "arvattu-salasana", attacker) is None
    assert accounts.sign_in("maija.m", "oikein-pitka-salasana", attacker) is None  # that address: locked out
    assert accounts.sign_in("maija.m", "oikein-pitka-salasana", office) is not None  # Maija herself: not
    assert accounts.sign_in("Maija.M", "oikein-pitka-salasana", attacker) is None  # any spelling of the name
    clock["now"] += dt.timedelta(minutes=16)
    assert accounts.sign_in("maija.m", "oikein-pitka-salasana", attacker) is not None
    for _ in range(4):  # a success clears the count; failures spread over more than 15 minutes never add up
        accounts.sign_in("maija.m", "arvattu-salasana", office)
    clock["now"] += dt.timedelta(minutes=16)
    for _ in range(4):
        accounts.sign_in("maija.m", "arvattu-salasana", office)
    assert accounts.sign_in("maija.m", "oikein-pitka-salasana", office) is not None


def test_the_failed_sign_in_memory_is_bounded() -> None:
    now = WEDNESDAY_10
    failures = FailedSignIns(lambda: now, capacity=3)
    for _ in range(5):
        failures.failed("203.0.113.7", "maija.m")
    assert failures.locked("203.0.113.7", "maija.m")
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        failures.failed(address, "maija.m")
    assert not failures.locked("203.0.113.7", "maija.m")  # the least recently failed pair went first


@pytest.mark.parametrize("typed, stored", [
    ("040 123 4567", "+358401234567"), ("+358 40 1234567", "+358401234567"), ("0401234567", "+358401234567"),
    ("09-123 4567", "+35891234567"), ("00358 50 123 4567", "+358501234567"), ("(03) 555 0100", "+35835550100"),
    ("112", None), ("116117", None), ("0800 12345", None), ("040 12", None), ("+46 70 123 4567", None),
    ("soita minulle", None), ("", None),
    ("050 123 456", "+35850123456"), ("0457 123 4567", "+3584571234567"), ("+358 9 1234 567", "+35891234567"),
    ("018 123 456", "+35818123456"),  # Åland
    # service and premium-rate numbers: national business and government numbers, toll-free, premium
    ("010 123 4567", None), ("+358 10 1234567", None), ("0295 123 456", None), ("0295 16001", None),
    ("075 123 4567", None), ("020 123 4567", None), ("0300 12345", None), ("0600 12345", None),
    ("0700 12345", None), ("0100 100", None),
    ("040 1234", None), ("040-CALL-ME", None), ("040 123 4567 ext 2", None), ("p. 040 123 4567", None),
])
def test_callback_phone(typed, stored) -> None:
    assert callback_phone(typed) == stored


def test_account_listing_lookup_and_usernames(stores) -> None:
    tickets, accounts, *_ = stores
    pro = accounts.create("Veera.V", "Veera V", "professional", "salasana-joka-on-pitka")
    admin = accounts.create("aada", "Aada", "admin", "salasana-joka-on-pitka")
    assert [a.username for a in accounts.list_accounts()] == ["aada", "veera.v"]
    assert accounts.by_username(" VEERA.V ").id == pro.id and accounts.by_username("nobody") is None
    assert accounts.usernames([pro.id, admin.id, pro.id, 999]) == {pro.id: "veera.v", admin.id: "aada"}
    assert accounts.usernames([]) == {}


def test_access_log_by_account(stores) -> None:
    tickets, accounts, *_ = stores
    ticket, _ = tickets.create(draft(), "conv-1:form-1")
    first = accounts.create("hoitaja1", "Hoitaja 1", "professional", "salasana-joka-on-pitka")
    second = accounts.create("hoitaja2", "Hoitaja 2", "professional", "salasana-joka-on-pitka")
    tickets.get(first, ticket.id)
    tickets.claim(second, ticket.id)
    assert [(e.actor, e.action) for e in tickets.access_log(account_id=second.id)] == [("account:hoitaja2", "claim")]
    assert [e.action for e in tickets.access_log(ticket.id, account_id=first.id)] == ["read"]
    assert len(tickets.access_log()) == 3


def test_processes_starting_together_migrate_one_sqlite_file_once(tmp_path) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    code = f"from actions.store.database import make_engine; make_engine({url!r})"
    processes = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [p.communicate()[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], errors
    with create_engine(url, future=True).connect() as connection:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
