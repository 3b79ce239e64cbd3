"""``POST /api/settings/test/s3`` (PocketBase's behaviour: test the saved settings, 204 or 400)."""

from __future__ import annotations

import asyncio

import httpx
from minio import Minio

from tests.conftest import RunningServer
from tests.files.conftest import MOTO_ACCESS_KEY, MOTO_SECRET, make_bucket, s3_settings

URL = "/api/settings/test/s3"


async def test_s3_check(server: RunningServer, admin: httpx.AsyncClient, moto_endpoint: str) -> None:
    async with httpx.AsyncClient(base_url=server.url) as guest:
        assert (await guest.post(URL, json={"filesystem": "storage"})).status_code == 401
    response = await admin.post(URL, json={})
    assert response.status_code == 400
    assert response.json() == {
        "data": {"filesystem": {"code": "validation_required", "message": "Cannot be blank."}},
        "message": "Failed to test the S3 filesystem.",
        "status": 400,
    }
    response = await admin.post(URL, json={"filesystem": "bogus"})
    assert response.json()["data"]["filesystem"]["code"] == "validation_in_invalid"
    response = await admin.post(URL, content=b"xx", headers={"Content-Type": "application/json"})
    assert response.json()["message"] == "An error occurred while loading the submitted data."
    response = await admin.post(URL, json={"filesystem": "storage"})
    assert response.json() == {
        "data": {},
        "status": 400,
        "message": ("Failed to test the S3 filesystem. Raw error: \nS3 storage filesystem is not enabled."),
    }

    bucket = await asyncio.to_thread(make_bucket, moto_endpoint)
    assert (await admin.patch("/api/settings", json={"s3": s3_settings(moto_endpoint, bucket)})).status_code == 200
    response = await admin.post(URL, json={"filesystem": "storage"})
    assert response.status_code == 204, response.text
    client = Minio(
        moto_endpoint.removeprefix("http://"),
        access_key=MOTO_ACCESS_KEY,
        secret_key=MOTO_SECRET,
        secure=False,
        region="us-east-1",
    )
    assert list(await asyncio.to_thread(lambda: list(client.list_objects(bucket, recursive=True)))) == []

    missing = s3_settings(moto_endpoint, "no-such-bucket-here")
    assert (await admin.patch("/api/settings", json={"s3": missing})).status_code == 200
    response = await admin.post(URL, json={"filesystem": "storage"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Failed to test the S3 filesystem. Raw error: \n")
    assert MOTO_SECRET not in response.text
    response = await admin.post(URL, json={"filesystem": "backups"})
    assert "not enabled" in response.json()["message"]
