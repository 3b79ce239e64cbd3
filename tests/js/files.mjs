// Files acceptance: the official PocketBase JS SDK uploads, reads URLs, thumbs and protected files.
// Usage: BAAS_URL=http://127.0.0.1:PORT SU_EMAIL=... SU_PASSWORD=... node files.mjs
import assert from "node:assert/strict";
import PocketBase from "pocketbase";

const url = process.env.BAAS_URL;
const admin = new PocketBase(url);
await admin.collection("_superusers").authWithPassword(process.env.SU_EMAIL, process.env.SU_PASSWORD);

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAABAAAAAMCAIAAADkharWAAAAF0lEQVR4nGNkYPjPQApgIkn1qIYRpAEAZLEBF1xzSw4AAAAASUVORK5CYII=",
  "base64",
);

await admin.collections.create({
  name: "albums",
  fields: [
    { name: "title", type: "text" },
    { name: "photos", type: "file", maxSelect: 3, thumbs: ["8x8", "0x6"], mimeTypes: ["image/png", "text/plain"] },
    { name: "secret", type: "file", protected: true },
    { name: "owner", type: "relation", collectionId: "_pb_users_auth_", maxSelect: 1 },
  ],
  listRule: "owner = @request.auth.id",
  viewRule: "owner = @request.auth.id",
  createRule: "@request.auth.id != '' && owner = @request.auth.id",
  updateRule: "owner = @request.auth.id",
});

const alice = new PocketBase(url);
const bob = new PocketBase(url);
for (const [client, name] of [[alice, "alice"], [bob, "bob"]]) {
  await client.collection("users").create({
    email: `${name}@example.com`, password: "password123", passwordConfirm: "password123",
  });
  await client.collection("users").authWithPassword(`${name}@example.com`, "password123");
}
const aliceId = alice.authStore.record.id;

// Upload with FormData.
const form = new FormData();
form.append("title", "holiday");
form.append("owner", aliceId);
form.append("photos", new Blob([PNG], { type: "image/png" }), "beach photo.png");
form.append("photos", new Blob(["just text"], { type: "text/plain" }), "notes.txt");
form.append("secret", new Blob(["top secret"], { type: "text/plain" }), "diary.txt");
const album = await alice.collection("albums").create(form);
assert.equal(album.title, "holiday");
assert.equal(album.photos.length, 2);
assert.match(album.photos[0], /^beach_photo_[a-z0-9]{10}\.png$/);
assert.match(album.secret, /^diary_[a-z0-9]{10}\.txt$/);

// The file URL, as the SDK builds it.
const photoURL = alice.files.getURL(album, album.photos[0]);
assert.equal(photoURL, `${url}/api/files/${album.collectionId}/${album.id}/${album.photos[0]}`);
let response = await fetch(photoURL);
assert.equal(response.status, 200);
assert.equal(response.headers.get("content-type"), "image/png");
assert.match(response.headers.get("content-disposition"), /^inline; filename="beach_photo_/);
assert.deepEqual(Buffer.from(await response.arrayBuffer()), PNG);
response = await fetch(alice.files.getURL(album, album.photos[1], { download: true }));
assert.match(response.headers.get("content-disposition"), /^attachment;/);

// Thumbs.
response = await fetch(alice.files.getURL(album, album.photos[0], { thumb: "8x8" }));
assert.equal(response.status, 200);
assert.match(response.headers.get("content-disposition"), /filename="8x8_beach_photo_/);
const thumb = Buffer.from(await response.arrayBuffer());
assert.equal(thumb.readUInt32BE(16), 8); // IHDR width
assert.equal(thumb.readUInt32BE(20), 8); // IHDR height
response = await fetch(alice.files.getURL(album, album.photos[0], { thumb: "0x6" }));
assert.equal(Buffer.from(await response.arrayBuffer()).readUInt32BE(16), 8); // 16x12 -> 8x6

// A protected file needs a file token.
response = await fetch(alice.files.getURL(album, album.secret));
assert.equal(response.status, 404);
const token = await alice.files.getToken();
response = await fetch(alice.files.getURL(album, album.secret, { token }));
assert.equal(response.status, 200);
assert.equal(await response.text(), "top secret");
const bobToken = await bob.files.getToken();
response = await fetch(alice.files.getURL(album, album.secret, { token: bobToken }));
assert.equal(response.status, 404);
await assert.rejects(new PocketBase(url).files.getToken(), (err) => err.status === 401);

// Append with a File in a plain object (the SDK turns it into FormData), then remove by name.
let updated = await alice.collection("albums").update(album.id, {
  "photos+": new File(["more"], "more.txt", { type: "text/plain" }),
});
assert.equal(updated.photos.length, 3);
updated = await alice.collection("albums").update(album.id, { "photos-": [album.photos[0]] });
assert.deepEqual(updated.photos, [album.photos[1], updated.photos[1]]);
response = await fetch(photoURL);
assert.equal(response.status, 404);

// A wrong type is refused with PocketBase's error.
await assert.rejects(
  alice.collection("albums").update(album.id, { "photos+": new File([new Uint8Array([0, 1, 2])], "x.bin") }),
  (err) => err.status === 400 && err.response.data.photos.code === "validation_invalid_mime_type",
);

console.log("files acceptance: ok");
