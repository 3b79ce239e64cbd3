"""The dashboard in headless Chromium: first run, collections, records with an image, rules, settings.

Each test gets a fresh database and server; the browser is shared by the module. Screenshots of the
main pages go to ``test-artifacts/dashboard/``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from baas.auth.service import upsert_superuser
from dashboard.setup import setup_link
from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, RunningServer
from tests.dashboard.conftest import screenshot

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def sign_in(page: Any, server: RunningServer) -> None:
    runtime = server.runtime
    await upsert_superuser(runtime.engine, runtime.registry.schema, runtime.hasher, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
    await page.goto(f"{server.url}/_/")
    await page.fill("#email", SUPERUSER_EMAIL)
    await page.fill("#password", SUPERUSER_PASSWORD)
    await page.click("button:has-text('Sign in')")
    await page.wait_for_url(re.compile(r"/_/collections$"))


async def flash(page: Any) -> str:
    return str(await page.inner_text(".flash"))


async def test_first_run_setup_sign_in_and_out(page: Any, fresh_server: RunningServer) -> None:
    server = fresh_server
    await page.goto(f"{server.url}/_/")
    assert "No superuser exists yet" in await page.inner_text("main")
    await screenshot(page, "login")
    link = await setup_link(server.runtime.engine, server.runtime.registry.schema, server.url)
    assert link is not None
    await page.goto(link)
    await page.fill("#email", "owner@example.com")
    await page.fill("#password", "correct horse battery")
    await page.fill("#passwordConfirm", "correct horse battery")
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r"/_/collections$"))
    assert "Welcome! owner@example.com is the first superuser." in await flash(page)
    await screenshot(page, "collections")
    await page.click("text=Sign out")
    await page.wait_for_url(re.compile(r"/_/login"))
    assert "You have been signed out." in await page.inner_text("main")
    # The link worked once.
    await page.goto(link)
    assert "/_/login" in page.url
    await page.goto(f"{server.url}/_/collections")
    assert "/_/login" in page.url
    await page.fill("#email", "owner@example.com")
    await page.fill("#password", "wrong password!")
    await page.click("button:has-text('Sign in')")
    assert "Wrong email or password." in await page.inner_text("main")
    await page.fill("#password", "correct horse battery")
    await page.click("button:has-text('Sign in')")
    await page.wait_for_url(re.compile(r"/_/collections$"))


async def _add_field(page: Any, type_name: str, name: str) -> None:
    await page.select_option("#new_type", type_name)
    await page.click("button[value=add]")
    last = page.locator(".field-card").last
    await last.locator("input[name$='-name']").fill(name)


def _png(path: Path) -> Path:
    image = Image.new("RGB", (240, 160), (16, 85, 201))
    for x in range(0, 240, 20):
        for y in range(0, 160, 20):
            if (x + y) % 40 == 0:
                image.putpixel((x, y), (255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


async def test_collection_records_rules_and_preview(page: Any, fresh_server: RunningServer, tmp_path: Path) -> None:
    server = fresh_server
    await sign_in(page, server)

    # A base collection with several field types.
    await page.click("text=New collection >> nth=0")
    await page.fill("#name", "posts")
    await page.click("button:has-text('Create collection')")
    await page.wait_for_url(re.compile(r"/_/collections/posts/fields$"))
    await _add_field(page, "text", "title")
    await _add_field(page, "number", "views")
    await _add_field(page, "bool", "published")
    await _add_field(page, "select", "tags")
    card = page.locator(".field-card").last
    await card.locator("summary").click()
    await card.locator("textarea[name$='-o-values']").fill("news\ntech\nlife")
    await card.locator("input[name$='-o-maxSelect']").fill("2")
    await _add_field(page, "file", "cover")
    card = page.locator(".field-card").last
    await card.locator("summary").click()
    await card.locator("input[name$='-o-maxSelect']").fill("1")
    await card.locator("input[name$='-o-mimeTypes']").fill("image/png, image/jpeg")
    await _add_field(page, "relation", "owner")
    card = page.locator(".field-card").last
    await card.locator("summary").click()
    await card.locator("select[name$='-o-collectionId']").select_option(label="users")
    await card.locator("input[name$='-o-maxSelect']").fill("1")
    await _add_field(page, "json", "meta")
    await _add_field(page, "date", "due")
    await _add_field(page, "geoPoint", "place")
    # Reorder: the title goes first after the id.
    await page.locator(".field-card").nth(3).locator("button[aria-label='Move title up']").click()
    await page.locator(".field-card").nth(2).locator("button[aria-label='Move title up']").click()
    await page.locator(".field-card").nth(1).locator("input[name$='-required']").check()
    await page.click("button.btn-primary[value=save]")
    await page.wait_for_url(re.compile(r"/_/collections/posts/fields$"))
    assert "The fields were saved." in await flash(page)
    names = await page.locator(".field-card input[name$='-name']").evaluate_all("(e) => e.map((i) => i.value)")
    assert names[:2] == ["id", "title"]
    assert "place" in names
    await screenshot(page, "fields")

    # Changing a type from the keyboard offers "Apply type", which shows the new type's options.
    meta = page.locator(".field-card", has=page.locator("input[value=meta]"))
    await meta.locator("select[name$='-type']").focus()
    await page.keyboard.press("ArrowUp")
    await meta.locator("button[data-apply]").click()
    meta = page.locator(".field-card", has=page.locator("input[value=meta]"))
    assert await meta.locator("select[name$='-type']").input_value() == "relation"
    assert await meta.locator("select[name$='-o-collectionId']").count() == 1
    await page.click("text=Discard changes")

    # Removing a field asks first, saying what is lost.
    await page.click("button[aria-label='Remove place']")
    await page.click("button.btn-primary[value=save]")
    assert "data will be lost" in await page.inner_text("main")
    assert "place (Geo point)" in await page.inner_text("main")
    await page.click("button:has-text('Apply the changes')")
    assert "The fields were saved." in await flash(page)

    # Rules: a live syntax check with the position, then an owner rule.
    await page.click("nav.tabs >> text=Rules")
    list_rule = page.locator("fieldset[data-rule]").first
    await list_rule.locator("input[value=custom]").check()
    await list_rule.locator("textarea").fill("owner = ")
    await list_rule.locator(".rule-status .field-error").wait_for()
    assert "character" in await list_rule.locator(".rule-status").inner_text()
    await list_rule.locator("textarea").fill("owner = @request.auth.id")
    await list_rule.locator(".rule-ok").wait_for()
    view_rule = page.locator("fieldset[data-rule]").nth(1)
    await view_rule.locator("input[value=custom]").check()
    await view_rule.locator("textarea").fill("owner = @request.auth.id")
    await page.click("button:has-text('Save rules')")
    assert "The rules were saved." in await flash(page)
    await screenshot(page, "rules")

    # Two users, one created through the dashboard form.
    await page.goto(f"{server.url}/_/collections/users/records/new")
    await page.fill("#r-email", "ann@example.com")
    await page.fill("#r-password", "ann-password-1")
    await page.fill("#r-password-confirm", "ann-password-1")
    await page.fill("#r-name", "Ann")
    await page.click("button:has-text('Create')")
    assert "The record was created." in await flash(page)
    await page.goto(f"{server.url}/_/collections/users/records/new")
    await page.fill("#r-email", "bob@example.com")
    await page.fill("#r-password", "bob-password-1")
    await page.fill("#r-password-confirm", "bob-password-1")
    await page.click("button:has-text('Create')")
    assert "The record was created." in await flash(page)

    # A record with an image: its thumbnail appears.
    await page.goto(f"{server.url}/_/collections/posts/records")
    assert "No records yet" in await page.inner_text("main")
    await page.click("text=Create the first record")
    await page.fill("#r-title", "Hello <b>world</b>")
    await page.fill("#r-views", "42")
    await page.check("#r-published")
    await page.select_option("#r-tags", ["news", "tech"])
    await page.fill("#r-meta", "{bad json")
    await page.locator(".json-status.field-error").wait_for()
    await page.fill("#r-meta", '{"likes": 3}')
    await page.fill("#r-due", "2030-05-06T07:08:09")
    await page.fill("input[aria-label='Search users records']", "ann")
    await page.locator("#r-owner option", has_text="Ann").first.wait_for(state="attached")
    owner = await page.locator("#r-owner option", has_text="Ann").first.get_attribute("value")
    await page.select_option("#r-owner", owner)
    await page.set_input_files("#r-cover", str(_png(tmp_path / "cover.png")))
    await page.locator(".file-preview img").wait_for()
    await page.click("button:has-text('Create')")
    assert "The record was created." in await flash(page)
    thumb = page.locator("img.thumb-large")
    await thumb.wait_for()
    assert await thumb.evaluate("(img) => img.complete && img.naturalWidth > 0")
    assert "thumb=100x100" in (await thumb.get_attribute("src") or "")
    await screenshot(page, "record")
    await page.fill("#r-title", "Hello again")
    await page.click("button:has-text('Save changes')")
    assert "The record was saved." in await flash(page)
    assert await page.input_value("#r-title") == "Hello again"

    # Two more, to filter and to delete in bulk.
    for title, views in (("Second", "1"), ("Third", "7")):
        await page.goto(f"{server.url}/_/collections/posts/records/new")
        await page.fill("#r-title", title)
        await page.fill("#r-views", views)
        await page.click("button:has-text('Create')")
        assert "The record was created." in await flash(page)

    await page.goto(f"{server.url}/_/collections/posts/records")
    assert await page.locator("tbody tr").count() == 3
    assert await page.locator("tbody img.thumb").evaluate("(img) => img.complete && img.naturalWidth > 0")
    await page.fill("#filter", "views > 5")
    await page.click("button:has-text('Search')")
    assert await page.locator("tbody tr").count() == 2
    await page.click("th >> text=views")
    assert "sort=views" in page.url
    first = await page.locator("tbody tr").first.inner_text()
    assert "Third" in first
    await screenshot(page, "records")
    await page.fill("#filter", "views >")
    await page.click("button:has-text('Search')")
    error = await page.inner_text("#filter-error")
    assert "Invalid filter" in error
    assert "^" in error

    # Preview as a user: the owner rule lets Ann see her post, Bob nothing.
    await page.goto(f"{server.url}/_/collections/posts/preview")
    await page.select_option("#as", label="ann@example.com")
    await page.click("button:has-text('Show')")
    summary = await page.inner_text("[data-preview-summary]")
    assert "returns 1 of 3 records" in summary
    assert await page.locator(".verdict.yes[data-rule-result=listRule]").count() == 1
    await screenshot(page, "preview")
    await page.select_option("#as", label="bob@example.com")
    await page.click("button:has-text('Show')")
    assert "returns 0 of 3 records" in await page.inner_text("[data-preview-summary]")

    # Delete one record, then the others in bulk, each after a confirmation.
    await page.goto(f"{server.url}/_/collections/posts/records?filter=title%3D%27Third%27")
    await page.click("tbody a.row-link")
    await page.click("button:has-text('Delete record')")
    assert "This cannot be undone" in await page.inner_text("main")
    await page.click("button:has-text('Delete') >> nth=-1")
    assert "Deleted 1 record." in await flash(page)
    await page.check("[data-select-all]")
    await page.click("button:has-text('Delete selected')")
    await page.click("button.btn-danger:has-text('Delete')")
    assert "Deleted 2 records." in await flash(page)
    assert "No records yet" in await page.inner_text("main")

    # The API preview and a phone-width page.
    await page.goto(f"{server.url}/_/collections/posts/api")
    assert "client.collection('posts').get_list" in (await page.locator("main").text_content() or "")
    await screenshot(page, "api-preview")
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{server.url}/_/collections")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways at phone width"
    await screenshot(page, "collections-phone")


async def test_settings_round_trip_and_auth_records(page: Any, fresh_server: RunningServer) -> None:
    server = fresh_server
    await sign_in(page, server)
    await page.click("text=Settings")
    await page.fill("#s-meta-appName", "")
    await page.click("button:has-text('Save') >> nth=-1")
    assert "Cannot be blank." in await page.inner_text("main")
    await page.fill("#s-meta-appName", "Acme Notes")
    await page.fill("#s-meta-senderAddress", "hello@acme.test")
    await page.click("button:has-text('Save') >> nth=-1")
    assert "The settings were saved." in await flash(page)
    assert await page.input_value("#s-meta-appName") == "Acme Notes"
    assert "Acme Notes" in await page.inner_text(".brand")
    assert server.runtime.app_settings.current["meta"]["senderAddress"] == "hello@acme.test"
    await screenshot(page, "settings")
    await page.click("text=Batch")
    await page.check("#s-batch-enabled")
    await page.fill("#s-batch-maxRequests", "20")
    await page.click("button:has-text('Save') >> nth=-1")
    assert "The settings were saved." in await flash(page)
    assert server.runtime.app_settings.current["batch"] == {
        **server.runtime.app_settings.current["batch"],
        "enabled": True,
        "maxRequests": 20,
    }

    # Per auth collection: token durations.
    await page.goto(f"{server.url}/_/collections/users/options")
    await page.fill("#s-authToken-duration", "3600")
    await page.click("#tokens button.btn-primary")
    assert "Token durations (seconds): saved." in await flash(page)
    users = server.runtime.registry.schema.find("users")
    assert users is not None
    assert users.auth_options["authToken"]["duration"] == 3600

    # An auth record: verify and impersonate.
    await page.goto(f"{server.url}/_/collections/users/records/new")
    await page.fill("#r-email", "cy@example.com")
    await page.fill("#r-password", "cy-password-1")
    await page.fill("#r-password-confirm", "cy-password-1")
    await page.click("button:has-text('Create')")
    await page.click("button:has-text('Mark as verified')")
    assert "Marked as verified." in await flash(page)
    await page.fill("#duration", "120")
    await page.click("button:has-text('Get a token')")
    token = await page.input_value("#token")
    assert token.count(".") == 2
    await screenshot(page, "impersonate")
