// Records API acceptance: the official PocketBase JS SDK against a live baas server.
// Usage: BAAS_URL=http://127.0.0.1:PORT SU_EMAIL=... SU_PASSWORD=... node records.mjs
import assert from "node:assert/strict";
import PocketBase from "pocketbase";

const url = process.env.BAAS_URL;
const admin = new PocketBase(url);
await admin.collection("_superusers").authWithPassword(process.env.SU_EMAIL, process.env.SU_PASSWORD);
assert.ok(admin.authStore.isValid, "superuser auth store is valid");
assert.ok(admin.authStore.isSuperuser, "the SDK recognises the superuser token");

// Schema through the SDK's collections service.
const posts = await admin.collections.create({
  name: "posts",
  fields: [
    { name: "title", type: "text", required: true },
    { name: "views", type: "number" },
    { name: "published", type: "bool" },
    { name: "tags", type: "select", values: ["a", "b", "c"], maxSelect: 3 },
    { name: "owner", type: "relation", collectionId: "_pb_users_auth_", maxSelect: 1 },
    { name: "created", type: "autodate", onCreate: true },
    { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
  ],
  listRule: "published = true || owner = @request.auth.id",
  viewRule: "published = true || owner = @request.auth.id",
  createRule: "@request.auth.id != '' && owner = @request.auth.id",
  updateRule: "owner = @request.auth.id",
  deleteRule: "owner = @request.auth.id",
});
assert.equal(posts.name, "posts");
await admin.collections.create({
  name: "comments",
  fields: [
    { name: "post", type: "relation", collectionId: posts.id, maxSelect: 1, cascadeDelete: true },
    { name: "text", type: "text" },
  ],
  listRule: "",
  viewRule: "",
  createRule: "@request.auth.id != ''",
});

// Sign up two users and sign in.
const alice = new PocketBase(url);
const bob = new PocketBase(url);
for (const [client, name] of [[alice, "alice"], [bob, "bob"]]) {
  await client.collection("users").create({
    email: `${name}@example.com`, password: "password123", passwordConfirm: "password123", name,
  });
  const auth = await client.collection("users").authWithPassword(`${name}@example.com`, "password123");
  assert.equal(auth.record.email, `${name}@example.com`);
  assert.ok(client.authStore.isValid);
}
const aliceId = alice.authStore.record.id;

// Create.
const first = await alice.collection("posts").create({ title: "Hello", views: 5, published: true, tags: ["a"], owner: aliceId });
assert.equal(first.title, "Hello");
assert.deepEqual(first.tags, ["a"]);
const secret = await alice.collection("posts").create({ title: "Secret", views: 1, published: false, owner: aliceId });
for (let i = 0; i < 5; i++) {
  await alice.collection("posts").create({ title: `Bulk ${i}`, views: 100 + i, published: true, owner: aliceId });
}
await assert.rejects(
  bob.collection("posts").create({ title: "forged", owner: aliceId }),
  (err) => err.status === 400,
  "bob cannot create a post owned by alice",
);
await assert.rejects(
  alice.collection("posts").create({ owner: aliceId }),
  (err) => err.status === 400 && err.response.data.title?.code === "validation_required",
);

// List: rules, filter (with safe parameter binding), sort, expand, fields, paging.
const bobsView = await bob.collection("posts").getList(1, 50, { sort: "-views" });
assert.equal(bobsView.totalItems, 6, "bob sees only published posts");
assert.ok(!bobsView.items.some((p) => p.id === secret.id));
const alicesView = await alice.collection("posts").getList(1, 50);
assert.equal(alicesView.totalItems, 7);

const filtered = await alice.collection("posts").getList(1, 10, {
  filter: alice.filter("title ~ {:q} && views >= {:min}", { q: "Bulk", min: 102 }),
  sort: "-views,title",
  expand: "owner",
  fields: "id,title,views,expand.owner.name",
});
assert.deepEqual(filtered.items.map((p) => p.views), [104, 103, 102]);
assert.equal(filtered.items[0].expand.owner.name, "alice");
assert.equal(Object.keys(filtered.items[0]).sort().join(","), "expand,id,title,views");

const paged = await alice.collection("posts").getList(2, 3, { sort: "views", skipTotal: true });
assert.equal(paged.items.length, 3);
assert.equal(paged.totalItems, -1);
assert.equal(paged.page, 2);

const full = await alice.collection("posts").getFullList({ batch: 2, sort: "created" });
assert.equal(full.length, 7);

const found = await bob.collection("posts").getFirstListItem(bob.filter("title = {:t}", { t: "Hello" }));
assert.equal(found.id, first.id);
await assert.rejects(bob.collection("posts").getOne(secret.id), (err) => err.status === 404);
const injected = await bob.collection("posts").getList(1, 10, {
  filter: bob.filter("title = {:t}", { t: "x' || 1=1 || title != 'y" }),
});
assert.equal(injected.totalItems, 0, "a bound value cannot change the expression");

// View with expand of a back-relation.
await alice.collection("comments").create({ post: first.id, text: "nice post" });
const withComments = await alice.collection("posts").getOne(first.id, { expand: "comments_via_post,owner" });
assert.equal(withComments.expand.comments_via_post[0].text, "nice post");
assert.equal(withComments.expand.owner.id, aliceId);

// Update with modifiers.
const updated = await alice.collection("posts").update(first.id, { "views+": 10, "tags+": ["b", "c"], "tags-": "a" });
assert.equal(updated.views, 15);
assert.deepEqual(updated.tags, ["b", "c"]);
await assert.rejects(bob.collection("posts").update(first.id, { title: "hijack" }), (err) => err.status === 404);

// Batch (enabled through the settings API).
await admin.settings.update({ batch: { enabled: true, maxRequests: 20 } });
const batch = alice.createBatch();
batch.collection("posts").create({ title: "From batch", owner: aliceId, published: true });
batch.collection("posts").update(secret.id, { title: "Secret (edited)" });
batch.collection("posts").upsert({ id: first.id, title: "Upserted" });
const results = await batch.send();
assert.deepEqual(results.map((r) => r.status), [200, 200, 200]);
assert.equal(results[2].body.title, "Upserted");
const failing = alice.createBatch();
failing.collection("posts").create({ title: "never stored", owner: aliceId });
failing.collection("posts").update("missingrecord00", { title: "x" });
await assert.rejects(failing.send(), (err) => err.status === 400 && err.response.data.requests["1"].code === "batch_request_failed");
const neverStored = await alice.collection("posts").getList(1, 1, { filter: "title = 'never stored'" });
assert.equal(neverStored.totalItems, 0, "a failed batch rolls back every request");

// Delete (cascades to comments).
await assert.rejects(bob.collection("posts").delete(first.id), (err) => err.status === 404);
await alice.collection("posts").delete(first.id);
await assert.rejects(alice.collection("posts").getOne(first.id), (err) => err.status === 404);
const orphans = await admin.collection("comments").getFullList();
assert.equal(orphans.length, 0, "cascadeDelete removed the comment");

// Token refresh and the health endpoint.
const refreshed = await alice.collection("users").authRefresh();
assert.equal(refreshed.record.id, aliceId);
const health = await alice.health.check();
assert.equal(health.code, 200);

console.log("records acceptance: ok");
