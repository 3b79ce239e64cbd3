"""PocketBase 0.40.6's answers to the filter table of ``/work/pbref/filters.md``, transcribed row by row.

Every row is ``GET /api/collections/items/records?perPage=500&fields=id&filter=<filter>`` (plus ``query``
and ``headers``) as ``viewer``; ``expect`` is the codes of the matching items, space-separated (``""``: none),
or the exact error body. Sections follow the capture; this module holds the superuser sections 2-10,
``pocketbase_filters_viewers`` sections 11-12 (guests, users). Rows where baas deliberately differs from
PocketBase would say so in a comment: none of the table does.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.rules.conftest import ALICE, BOB, ITEMS_ID, R1_ID, SUPERUSER

__all__ = [
    "ALL",
    "BAD",
    "NO_COLLECTION",
    "NO_REQUEST",
    "SECTIONS",
    "ApiError",
    "F",
    "U",
]


@dataclass(frozen=True)
class ApiError:
    status: int
    message: str

    def body(self) -> dict[str, object]:
        return {"data": {}, "message": self.message, "status": self.status}


BAD = ApiError(400, "Something went wrong while processing your request.")
NO_REQUEST = ApiError(403, "Only superusers can filter by @request.")
NO_COLLECTION = ApiError(403, "Only superusers can filter by @collection.")
ALL = "r1 r2 r3 r4 r5 r6 r7 r8"

# baas/records/reading.py skips a filter that is only whitespace (``.strip()``) instead of rejecting it
# baas/records/reading.py passes ``client=not caller.is_superuser`` to ``Compiler.add_filter``, whose
# ``client`` means "sent by the API caller", so a superuser's filter escapes the 3500-character limit


@dataclass(frozen=True)
class F:
    """One row on ``items``."""

    filter: str
    expect: str | ApiError
    viewer: str = SUPERUSER
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    bug: str = ""  # a known baas bug outside baas/rules: the row is a strict xfail until it is fixed


@dataclass(frozen=True)
class U:
    """One row on ``users`` (users list/view rules ``""``); ``expect`` holds user names."""

    filter: str
    expect: str | ApiError
    viewer: str = SUPERUSER


# 2. Every operator on single-value fields (views number, title text)
SECTION_2 = [
    F("views = 5", "r1"),
    F("views != 5", "r2 r3 r4 r5 r6 r7 r8"),
    F("views > 5", "r3 r5 r6 r8"),
    F("views >= 5", "r1 r3 r5 r6 r8"),
    F("views < 5", "r2 r4 r7"),
    F("views <= 5", "r1 r2 r4 r7"),
    F("views ~ 5", "r1 r5"),
    F("views !~ 5", "r2 r3 r4 r6 r7 r8"),
    F("views ?= 5", "r1"),
    F("views ?!= 5", "r2 r3 r4 r5 r6 r7 r8"),
    F("views ?> 5", "r3 r5 r6 r8"),
    F("views ?>= 5", "r1 r3 r5 r6 r8"),
    F("views ?< 5", "r2 r4 r7"),
    F("views ?<= 5", "r1 r2 r4 r7"),
    F("views ?~ 5", "r1 r5"),
    F("views ?!~ 5", "r2 r3 r4 r6 r7 r8"),
    F("title = 'hello world'", ""),
    F("title != 'hello world'", ALL),
    F("title > 'hello world'", "r3"),
    F("title >= 'hello world'", "r3"),
    F("title < 'hello world'", "r1 r2 r4 r5 r6 r7 r8"),
    F("title <= 'hello world'", "r1 r2 r4 r5 r6 r7 r8"),
    F("title ~ 'hello world'", "r1"),
    F("title !~ 'hello world'", "r2 r3 r4 r5 r6 r7 r8"),
    F("title ?= 'hello world'", ""),
    F("title ?!= 'hello world'", ALL),
    F("title ?> 'hello world'", "r3"),
    F("title ?>= 'hello world'", "r3"),
    F("title ?< 'hello world'", "r1 r2 r4 r5 r6 r7 r8"),
    F("title ?<= 'hello world'", "r1 r2 r4 r5 r6 r7 r8"),
    F("title ?~ 'hello world'", "r1"),
    F("title ?!~ 'hello world'", "r2 r3 r4 r5 r6 r7 r8"),
]

# 3. LIKE (`~`): wrapping, `%`, `_`, `\` escaping, quotes
SECTION_3 = [
    F("title ~ 'hello'", "r1 r3"),
    F("title ~ 'HELLO'", "r1 r3"),
    F("title ~ 'hello%'", "r1 r3"),
    F("title ~ '%world'", "r1 r3"),
    F("title ~ 'h%d'", "r1 r3"),
    F("title ~ '%'", ALL),
    F("title ~ ''", ALL),
    F("title !~ ''", ""),
    F("title ~ '100%'", "r4"),
    F(r"title ~ '100\%'", "r4"),
    F("title ~ '0% s'", ""),
    F("title ~ 'hello_world'", "r3"),
    F(r"title ~ 'hello\_world'", "r3"),
    F("title ~ 'o_w'", "r3"),
    F("title ~ '_'", "r3"),
    F(r"title ~ 'back\\slash'", "r5"),
    F(r"title ~ '\\'", "r5"),
    F(r"title ~ 'k\slash'", "r5"),
    F(r"title = 'back\\slash'", "r5"),
    F(r"title = 'back\slash'", "r5"),
    F('title ~ "Bob\'s"', "r6"),
    F(r"title = 'Bob\'s post'", "r6"),
    F('title = "Bob\'s post"', "r6"),
    F("title ~ title", "r1 r2 r3 r4 r6 r7 r8"),
    F("code ~ 'r'", ALL),
    F("title !~ 'o'", "r2 r4 r5 r7 r8"),
]

# 4. Empty vs null
SECTION_4 = [
    F("title = ''", "r2"),
    F("title = null", "r2"),
    F("title != ''", "r1 r3 r4 r5 r6 r7 r8"),
    F("title != null", "r1 r3 r4 r5 r6 r7 r8"),
    F("'' = null", ALL),
    F("null = null", ALL),
    F("null != null", ""),
    F("'' = ''", ALL),
    F("views = null", ""),
    F("views = 0", "r2 r7"),
    F("views = ''", ""),
    F("views != null", ALL),
    F("published = null", ""),
    F("published = false", "r2 r4 r5 r7"),
    F("published = 0", "r2 r4 r5 r7"),
    F("published = true", "r1 r3 r6 r8"),
    F("published = 1", "r1 r3 r6 r8"),
    F("published = 'true'", ""),
    F("category = ''", "r2 r4 r7"),
    F("category = null", "r2 r4 r7"),
    F("owner = ''", "r2 r8"),
    F("owner = null", "r2 r8"),
    F("owner != ''", "r1 r3 r4 r5 r6 r7"),
    F("publishAt = ''", "r2"),
    F("publishAt = null", "r2"),
    F("tags = ''", ""),
    F("tags = null", ""),
    F("tags != ''", ALL),
    F("tags:length = 0", "r2 r8"),
    F("tags = '[]'", "r2 r8"),
    F("tags != '[]'", "r1 r3 r4 r5 r6 r7"),
    F("members = '[]'", "r2"),
    F("members:length = 0", "r2"),
    F("meta = null", "r2"),
    F("meta = ''", ""),
    F("meta != null", "r1 r3 r4 r5 r6 r7 r8"),
    F("meta = '{}'", "r8"),
    F("meta = '[1,2]'", "r6"),
    F("meta = 'null'", ""),
    F("loc = null", ""),
    F("secret = ''", "r2 r3 r4 r5 r6 r7 r8"),
]

# 5. Multi-value fields, `:each`, `:length`, `:lower`, other modifiers
SECTION_5 = [
    F("tags ?= 'a'", ""),
    F("tags = 'a'", ""),
    F("tags ~ 'a'", "r1 r3 r5"),
    F("tags !~ 'a'", "r2 r4 r6 r7 r8"),
    F("tags = '[\"a\"]'", "r3"),
    F("tags ~ '\"a\"'", "r1 r3 r5"),
    F("tags:each = 'a'", "r3"),
    F("tags:each ?= 'a'", "r1 r3 r5"),
    F("tags:each != 'a'", "r2 r4 r6 r7 r8"),
    F("tags:each ?!= 'a'", "r1 r2 r4 r5 r6 r7 r8"),
    F("tags:each ~ 'a'", "r3"),
    F("tags:each ?~ 'a'", "r1 r3 r5"),
    F("tags:each = 'a' && tags:length > 0", "r3"),
    F("tags:length = 1", "r3 r6 r7"),
    F("tags:length > 1", "r1 r4 r5"),
    F("tags:length >= 4", "r5"),
    F("tags:length = '2'", ""),
    F("title:length > 3", "r1 r3 r5 r6 r7"),
    F("views:length > 0", "r1 r3 r5 r6 r8"),
    F("members:length = 2", "r3 r5"),
    F("title:lower = 'hello world'", "r1"),
    F("title:lower ~ 'upper'", "r7"),
    F("tags:lower ?= 'a'", ""),
    F("tags:each:lower = 'a'", BAD),
    F("owner.name:lower = 'alice'", "r1 r4 r7"),
    F("title:upper = 'X'", BAD),
    F("title:nope = 'x'", BAD),
    F("title:isset = true", ""),
    F("title:changed = true", ""),
]

# 6. Relation paths and back-relations (superuser)
SECTION_6 = [
    F("owner.name = 'Alice'", "r1 r4 r7"),
    F("owner.name != 'Alice'", "r2 r3 r5 r6 r8"),
    F("owner.name ?= 'Alice'", "r1 r4 r7"),
    F("owner.name = ''", "r2 r8"),
    F("owner.name = null", "r2 r8"),
    F(f"owner.id = '{ALICE}'", "r1 r4 r7"),
    F(f"owner = '{ALICE}'", "r1 r4 r7"),
    F("members.name = 'Alice'", "r1 r7"),
    F("members.name ?= 'Alice'", "r1 r3 r6 r7"),
    F("members.name != 'Alice'", "r2 r4 r5 r8"),
    F("members.name ?!= 'Alice'", "r2 r3 r4 r5 r6 r8"),
    F("members.name ~ 'o'", "r4 r5 r8"),
    F("members.name ?~ 'o'", "r3 r4 r5 r6 r8"),
    F(f"members.id ?= '{BOB}'", "r3 r4 r5 r6"),
    F(f"members.id = '{BOB}'", "r4"),
    F(f"members:each ?= '{BOB}'", "r3 r4 r5 r6"),
    F(f"members:each = '{BOB}'", "r4"),
    F(f"members ?= '{BOB}'", ""),
    F(f"members ~ '{BOB}'", "r3 r4 r5 r6"),
    F("members.name = ''", "r2"),
    F("members.name = null", "r2"),
    F("members.name ?= null", "r2"),
    F("members.email ?= 'bob@example.com'", "r3 r4 r5 r6"),
    F("owner.email = 'alice@example.com'", "r1 r4 r7"),
    F("members:length = 0", "r2"),
    F("owner.nope = 1", BAD),
    F("title.x = 1", BAD),
    F("members.name:lower ?= 'bob'", "r3 r4 r5 r6"),
    F("members.name:length > 0", "r1 r3 r4 r5 r6 r7 r8"),
    F("comments_via_post.text ?~ 'nice'", "r1 r3"),
    F("comments_via_post.text ~ 'nice'", "r1"),
    F("comments_via_post.text = 'meh'", ""),
    F("comments_via_post.text ?= 'meh'", "r3"),
    F("comments_via_post.id != ''", "r1 r3 r4"),
    F("comments_via_post.id ?!= ''", "r1 r3 r4"),
    F("comments_via_post:length > 1", BAD),
    F("comments_via_post.post.code ?= 'r1'", "r1"),
    F("comments_via_nope.text ?= 'x'", BAD),
]

# 7. JSON paths and geoPoint
SECTION_7 = [
    F("meta.a = 1", "r1"),
    F("meta.a = '1'", "r7"),
    F("meta.a != 1", "r2 r3 r4 r5 r6 r7 r8"),
    F("meta.a > 1", "r3 r4 r7"),
    F("meta.a.b = 'x'", "r3"),
    F("meta.list.1 = 2", "r1 r4"),
    F("meta.list.0 = 1", "r1"),
    F("meta.list ~ '2'", "r1 r4"),
    F("meta.flag = true", "r1"),
    F("meta.flag = false", "r5"),
    F("meta.flag = 1", "r1"),
    F("meta.flag = null", "r2 r3 r4 r6 r7 r8"),
    F("meta.1 = 2", "r6"),
    F("meta.a = null", "r2 r5 r6 r8"),
    F("meta.a != null", "r1 r3 r4 r7"),
    F("meta.missing = null", ALL),
    F("meta = '{\"a\":1}'", ""),
    F("meta ~ 'list'", "r1 r4"),
    F("meta:length > 0", "r1 r3 r4 r5 r6 r7 r8"),
    F("meta.a:lower = '1'", ""),
    F("meta.a:each = 1", ""),
    F("meta.list:each ?= 2", ""),
    F("loc.lon > 10", "r1 r5 r6 r7"),
    F("loc.lat < 0", "r6"),
    F("loc.lon = 0", "r2 r8"),
    F("loc.nope = 0", ""),
    F("loc = null", ""),
    F("loc ~ '13.4'", "r1"),
    F("geoDistance(loc.lon, loc.lat, 13.4, 52.5) < 100", "r1 r5"),
    F("geoDistance(loc.lon, loc.lat, 13.4, 52.5) < 1", "r1"),
    F("geoDistance(loc.lon, loc.lat, 13.4, 52.5) > 5000", "r2 r4 r6 r7 r8"),
    F("geoDistance(13.4, 52.5, 2.35, 48.85) > 870", ALL),
    F("geoDistance(13.4, 52.5, 2.35, 48.85) > 880", ""),
    F("geoDistance(loc.lon, loc.lat, 13.4) < 100", BAD),
    F("geoDistance(loc, 1, 2, 3) < 1", ""),
    F("geoDistance(loc.lon, loc.lat, '13.4', '52.5') < 100", BAD),
]

# 8. Dates, macros, strftime (captured on 2026-11-21: rows with @now/@yearStart/@monthEnd hold until 2030)
SECTION_8 = [
    F("publishAt > '2024-01-01'", "r1 r4 r5 r6 r7 r8"),
    F("publishAt >= '2024-01-01'", "r1 r4 r5 r6 r7 r8"),
    F("publishAt > '2024-01-01 00:00:00.000Z'", "r1 r4 r5 r6 r8"),
    F("publishAt = '2024-01-01 00:00:00.000Z'", "r7"),
    F("publishAt = '2024-01-01'", ""),
    F("publishAt ~ '2024'", "r1 r6 r7"),
    F("publishAt > @now", "r5 r8"),
    F("publishAt < @now", "r1 r2 r3 r4 r6 r7"),
    F("created >= @todayStart", ALL),
    F("created < @todayStart", ""),
    F("created <= @todayEnd", ALL),
    F("created > @yesterday", ALL),
    F("created < @tomorrow", ALL),
    F("publishAt > @yearStart", "r5 r8"),
    F("publishAt < @monthEnd", "r1 r2 r3 r4 r6 r7"),
    F("strftime('%Y', publishAt) = '2024'", "r1 r6 r7"),
    F("strftime('%Y-%m', publishAt) = '2024-12'", "r6"),
    F("strftime('%Y', publishAt) = 2024", ""),
    F("strftime('%s', publishAt) > 1700000000", "r1 r3 r4 r5 r6 r7 r8"),
    F("strftime('%Y', publishAt, 'start of year') = '2024'", "r1 r6 r7"),
    F("strftime(publishAt) = '2024'", BAD),
    F("strftime('%Y') = '2024'", ""),
    F("strftime('%Y', @now) = strftime('%Y', created)", ALL),
    F("@year > 2000", ALL),
    F("@month >= 1", ALL),
    F("@weekday >= 0", ALL),
    F("@hour < 24", ALL),
    F("@minute >= 0", ALL),
    F("@second >= 0", ALL),
    F("@day > 0", ALL),
    F("@now != ''", ALL),
    F("@todayStart < @todayEnd", ALL),
    F("@nope = 1", BAD),
    F("created > '2020'", ALL),
    F("created ~ ':'", ALL),
]

# 9. `@collection` and `@request` (as superuser)
SECTION_9 = [
    F("@collection.users.name ?= 'Bob'", ALL),
    F("@collection.users.name = 'Bob'", ""),
    F("@collection.users.name != 'Zed'", ALL),
    F("@collection.users.id ?= owner", "r1 r3 r4 r5 r6 r7"),
    F("@collection.users.id = owner", ""),
    F("@collection.users:u.id ?= owner && @collection.users:u.name = 'Bob'", ""),
    F("@collection.comments.post ?= id", "r1 r3 r4"),
    F("@collection.comments.post ?= id && @collection.comments.text = 'meh'", ""),
    F("@collection.comments:c.post ?= id && @collection.comments:c.text ?= 'meh'", "r3"),
    F("@collection.nope.x ?= 1", BAD),
    F("@request.auth.id != ''", ALL),
    F("@request.auth.id = ''", ""),
    F("@request.auth.collectionName = '_superusers'", ALL),
    F("@request.auth.email = 'admin@example.com'", ALL),
    F("@request.method = 'GET'", ALL),
    F("@request.context = 'default'", ALL),
    F("@request.headers.x_test = 'yes'", ""),
    F("@request.body.title = null", ALL),
    F("@request.nope = 1", BAD),
    F("@request.query.x = 'y'", ALL, query="x=y"),
    F("@request.query.x = 'y'", ""),
    F("@request.query.x = null", ALL),
    F("@request.headers.x_test = 'yes'", ALL, headers=(("X-Test", "yes"),)),
    F("@request.headers.x_test = 'yes'", ALL, headers=(("x-test", "yes"),)),
    F("@request.headers.authorization != ''", ALL),
    F("@request.body.title = null", ALL, query="title=x"),
]

# 10. Precedence, operand order, literals, comments, syntax errors, limits (superuser)
SECTION_10 = [
    F("views > 50 || views = 0 && published = false", "r2 r6 r7"),
    F("(views > 50 || views = 0) && published = false", "r2 r7"),
    F("views = 0 && published = false || views > 50", "r2 r6 r7"),
    F("views > 5 && views < 50 || title = ''", "r2 r3 r5 r8"),
    F("'hello_world' = title", "r3"),
    F("5 < views", "r3 r5 r6 r8"),
    F("title = 5", ""),
    F("views = '5'", "r1"),
    F("views = '5.5'", "r5"),
    F("views = 5.5", "r5"),
    F("views > '10'", "r6"),
    F("title = 2024", ""),
    F("title = '2024'", "r8"),
    F("code = r1", BAD),
    F("published = TRUE", "r1 r3 r6 r8"),
    F("published = True", "r1 r3 r6 r8"),
    F("published = tRuE", "r1 r3 r6 r8"),
    F("title = NULL", "r2"),
    F("views = -3", "r4"),
    F("views = - 3", BAD),
    F("views = +5", BAD),
    F("views = 1e1", BAD),
    F("views > .5", BAD),
    F("views = 0x10", BAD),
    F("views > 5 // views greater than five", "r3 r5 r6 r8"),
    F("views > 5 // comment with ' quote", "r3 r5 r6 r8"),
    F("// only a comment", BAD),
    F("views > 5 //", "r3 r5 r6 r8"),
    F("views > 5 /* block */", BAD),
    F("views > 5 AND views < 50", BAD),
    F("views > 5 and views < 50", BAD),
    F("views > 5 OR views < 0", BAD),
    F("views > 5 & views < 50", BAD),
    F("views > 5 | views < 0", BAD),
    F("!(views > 5)", BAD),
    F("views == 5", BAD),
    F("views <> 5", BAD),
    F("views =! 5", BAD),
    F('title = "hello_world"', "r3"),
    F("title = 'unterminated", BAD),
    F("title = ", BAD),
    F("= 'x'", BAD),
    F("title", BAD),
    F("(title = 'x'", BAD),
    F("title = 'x')", BAD),
    F("()", BAD),
    F("", ALL),
    F(" ", BAD),
    F("views > 5 &&", BAD),
    F("&& views > 5", BAD),
    F("views > 5 && && views < 50", BAD),
    F(f'id = "{R1_ID}"', "r1"),
    F("nope = 1", BAD),
    F("nope != ''", BAD),
    F("nope:length = 0", BAD),
    F("title = nope", BAD),
    F("title = @nope", BAD),
    F("nope(1) = 1", BAD),
    F("lower(title) = 'x'", BAD),
    F("title = 'x' || nope = 1", BAD),
    F("collectionName = 'items'", BAD),
    F(f"collectionId = '{ITEMS_ID}'", BAD),
    F("expand = ''", BAD),
    F("id != '' " + "&& id != '' " * 199, ALL),  # 200 expressions: the limit
    F("id != '' " + "&& id != '' " * 200, BAD),  # 201 expressions
    F("title = '" + "a" * 3490 + "'", ""),  # 3500 characters: the limit
    F("title = '" + "a" * 3491 + "'", BAD),  # 3501 characters
    F("title = 'x'\n&& views > 5 // newline", ""),
    F("title ~ 'é'", ""),
    F("title = 'ünïcødé'", ""),
]


SECTIONS = {
    2: SECTION_2,
    3: SECTION_3,
    4: SECTION_4,
    5: SECTION_5,
    6: SECTION_6,
    7: SECTION_7,
    8: SECTION_8,
    9: SECTION_9,
    10: SECTION_10,
}
