"""PocketBase 0.40.6's filter table, sections 11-12 (``/work/pbref/filters.md``): the same requests as
guests and users. Section 11 runs on ``items`` (users list/view rules at their default
``id = @request.auth.id``); section 12 (``USERS``) on ``users`` itself with its rules set to ``""``.
Row format: see ``pocketbase_filters``.
"""

from __future__ import annotations

from tests.rules.conftest import ALICE_VIEWER, BOB_VIEWER, GUEST, SUPERUSER
from tests.rules.pocketbase_filters import BAD, NO_COLLECTION, NO_REQUEST, F, U

__all__ = ["BOB_ROWS", "SECTION_11", "USERS"]

# 11. Non-superusers: `@request.`/`@collection.`, hidden fields, relations into `users` (users listRule default)
SECTION_11 = [
    F("@request.auth.id != ''", NO_REQUEST, viewer=GUEST),
    F("@request.auth.id = ''", NO_REQUEST, viewer=GUEST),
    F("@collection.users.name ?= 'Bob'", NO_COLLECTION, viewer=GUEST),
    F("@request.query.x = 'y'", NO_REQUEST, viewer=GUEST),
    F("title = '@request.'", NO_REQUEST, viewer=GUEST),
    F("title = '@collection.x'", NO_COLLECTION, viewer=GUEST),
    F("secret = 's1'", BAD, viewer=GUEST),
    F("secret != ''", BAD, viewer=GUEST),
    F("owner.name = 'Alice'", "", viewer=GUEST),
    F("owner.email = 'alice@example.com'", "", viewer=GUEST),
    F("owner.email = 'bob@example.com'", "", viewer=GUEST),
    F("members.email ?= 'bob@example.com'", "", viewer=GUEST),
    F("members.email ?= 'alice@example.com'", "", viewer=GUEST),
    F("owner.tokenKey != ''", BAD, viewer=GUEST),
    F("owner.password != ''", BAD, viewer=GUEST),
    F("owner.emailVisibility = false", "", viewer=GUEST),
    F("owner.verified = false", "", viewer=GUEST),
    F("members.name ?= 'Bob'", "", viewer=GUEST),
    F("@request.auth.id != ''", NO_REQUEST, viewer=ALICE_VIEWER),
    F("@request.auth.id = ''", NO_REQUEST, viewer=ALICE_VIEWER),
    F("@collection.users.name ?= 'Bob'", NO_COLLECTION, viewer=ALICE_VIEWER),
    F("@request.query.x = 'y'", NO_REQUEST, viewer=ALICE_VIEWER),
    F("title = '@request.'", NO_REQUEST, viewer=ALICE_VIEWER),
    F("title = '@collection.x'", NO_COLLECTION, viewer=ALICE_VIEWER),
    F("secret = 's1'", BAD, viewer=ALICE_VIEWER),
    F("secret != ''", BAD, viewer=ALICE_VIEWER),
    F("owner.name = 'Alice'", "r1 r4 r7", viewer=ALICE_VIEWER),
    F("owner.email = 'alice@example.com'", "", viewer=ALICE_VIEWER),
    F("owner.email = 'bob@example.com'", "", viewer=ALICE_VIEWER),
    F("members.email ?= 'bob@example.com'", "", viewer=ALICE_VIEWER),
    F("members.email ?= 'alice@example.com'", "", viewer=ALICE_VIEWER),
    F("owner.tokenKey != ''", BAD, viewer=ALICE_VIEWER),
    F("owner.password != ''", BAD, viewer=ALICE_VIEWER),
    F("owner.emailVisibility = false", "r1 r4 r7", viewer=ALICE_VIEWER),
    F("owner.verified = false", "r1 r4 r7", viewer=ALICE_VIEWER),
    F("members.name ?= 'Bob'", "", viewer=ALICE_VIEWER),
]

# Not captured: bob on the items of section 11. Each row follows from a captured one (the 403/400 rows do
# not depend on the viewer; bob sees only himself in ``users`` as alice does, and his email is public).
BOB_ROWS = [
    F("@request.auth.id != ''", NO_REQUEST, viewer=BOB_VIEWER),
    F("@collection.users.name ?= 'Bob'", NO_COLLECTION, viewer=BOB_VIEWER),
    F("title = '@request.'", NO_REQUEST, viewer=BOB_VIEWER),
    F("secret = 's1'", BAD, viewer=BOB_VIEWER),
    F("owner.tokenKey != ''", BAD, viewer=BOB_VIEWER),
    F("owner.name = 'Alice'", "", viewer=BOB_VIEWER),
    F("owner.name = 'Bob'", "r3 r6", viewer=BOB_VIEWER),
    F("owner.email = 'alice@example.com'", "", viewer=BOB_VIEWER),
    F("owner.email = 'bob@example.com'", "r3 r6", viewer=BOB_VIEWER),
    F("members.email ?= 'bob@example.com'", "r3 r4 r5 r6", viewer=BOB_VIEWER),
    F("members.name ?= 'Bob'", "r3 r4 r5 r6", viewer=BOB_VIEWER),
    F("members.name ?= 'Alice'", "", viewer=BOB_VIEWER),
    F("owner.emailVisibility = true", "r3 r6", viewer=BOB_VIEWER),
    F("owner.verified = false", "r3 r6", viewer=BOB_VIEWER),
]

# 12. `users` collection (users listRule and viewRule `""`): `email`, `tokenKey`, `password`
USERS = [
    U("email = 'alice@example.com'", "", viewer=GUEST),
    U("email = 'bob@example.com'", "Bob", viewer=GUEST),
    U("email != ''", "Bob", viewer=GUEST),
    U("email ~ 'example'", "Bob", viewer=GUEST),
    U("name != ''", "Alice Bob Carol", viewer=GUEST),
    U("tokenKey != ''", BAD, viewer=GUEST),
    U("password != ''", BAD, viewer=GUEST),
    U("emailVisibility = false", "Alice Carol", viewer=GUEST),
    U("email = 'alice@example.com'", "", viewer=ALICE_VIEWER),
    U("email = 'bob@example.com'", "Bob", viewer=ALICE_VIEWER),
    U("email != ''", "Bob", viewer=ALICE_VIEWER),
    U("email ~ 'example'", "Bob", viewer=ALICE_VIEWER),
    U("name != ''", "Alice Bob Carol", viewer=ALICE_VIEWER),
    U("tokenKey != ''", BAD, viewer=ALICE_VIEWER),
    U("password != ''", BAD, viewer=ALICE_VIEWER),
    U("emailVisibility = false", "Alice Carol", viewer=ALICE_VIEWER),
    U("email = 'alice@example.com'", "", viewer=BOB_VIEWER),
    U("email = 'bob@example.com'", "Bob", viewer=BOB_VIEWER),
    U("email != ''", "Bob", viewer=BOB_VIEWER),
    U("email ~ 'example'", "Bob", viewer=BOB_VIEWER),
    U("name != ''", "Alice Bob Carol", viewer=BOB_VIEWER),
    U("tokenKey != ''", BAD, viewer=BOB_VIEWER),
    U("password != ''", BAD, viewer=BOB_VIEWER),
    U("emailVisibility = false", "Alice Carol", viewer=BOB_VIEWER),
    U("email = 'alice@example.com'", "Alice", viewer=SUPERUSER),
    U("email = 'bob@example.com'", "Bob", viewer=SUPERUSER),
    U("email != ''", "Alice Bob Carol", viewer=SUPERUSER),
    U("email ~ 'example'", "Alice Bob Carol", viewer=SUPERUSER),
    U("name != ''", "Alice Bob Carol", viewer=SUPERUSER),
    U("tokenKey != ''", "Alice Bob Carol", viewer=SUPERUSER),
    U("password != ''", "Alice Bob Carol", viewer=SUPERUSER),
    U("emailVisibility = false", "Alice Carol", viewer=SUPERUSER),
]
