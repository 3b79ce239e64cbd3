// Realtime acceptance: the official PocketBase JS SDK subscribes through the `eventsource` package.
// Usage: BAAS_URL=http://127.0.0.1:PORT SU_EMAIL=... SU_PASSWORD=... node realtime.mjs
import assert from "node:assert/strict";
import { EventSource } from "eventsource";
import PocketBase from "pocketbase";

globalThis.EventSource = EventSource;

const url = process.env.BAAS_URL;
const admin = new PocketBase(url);
await admin.collection("_superusers").authWithPassword(process.env.SU_EMAIL, process.env.SU_PASSWORD);

await admin.collections.create({
  name: "notes",
  fields: [
    { name: "title", type: "text" },
    { name: "public", type: "bool" },
    { name: "owner", type: "relation", collectionId: "_pb_users_auth_", maxSelect: 1 },
  ],
  listRule: "public = true || owner = @request.auth.id",
  viewRule: "public = true || owner = @request.auth.id",
  createRule: "@request.auth.id != '' && owner = @request.auth.id",
  updateRule: "owner = @request.auth.id",
  deleteRule: "owner = @request.auth.id",
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

// Collect events per subscriber.
function collector() {
  const events = [];
  const waiters = [];
  const push = (e) => {
    events.push(e);
    for (const w of waiters.splice(0)) w();
  };
  const waitFor = async (count, ms = 10000) => {
    const deadline = Date.now() + ms;
    while (events.length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} events, got ${JSON.stringify(events)}`);
      await new Promise((resolve) => { waiters.push(resolve); setTimeout(resolve, 100); });
    }
    return events;
  };
  return { events, push, waitFor };
}

const aliceSeen = collector();
const bobSeen = collector();
const bobFields = collector();
const unsubscribeAlice = await alice.collection("notes").subscribe("*", aliceSeen.push);
await bob.collection("notes").subscribe("*", bobSeen.push);
await bob.collection("notes").subscribe("*", bobFields.push, { fields: "id,title" });
assert.ok(alice.realtime.isConnected, "alice's realtime connection is up");
assert.ok(alice.realtime.clientId.length === 40);

const diary = await alice.collection("notes").create({ title: "diary", owner: aliceId });
const news = await alice.collection("notes").create({ title: "news", public: true, owner: aliceId });
await alice.collection("notes").update(news.id, { title: "news!" });
await alice.collection("notes").delete(news.id);

const a = await aliceSeen.waitFor(4);
assert.deepEqual(a.map((e) => [e.action, e.record.id]), [
  ["create", diary.id], ["create", news.id], ["update", news.id], ["delete", news.id],
]);
assert.equal(a[2].record.title, "news!");
const b = await bobSeen.waitFor(3);
assert.deepEqual(b.map((e) => [e.action, e.record.id]), [
  ["create", news.id], ["update", news.id], ["delete", news.id],
], "bob never sees alice's diary");
const f = await bobFields.waitFor(3);
assert.deepEqual(f[0].record, { id: news.id, title: "news" }, "the fields option trims the record");

// A single-record subscription, and unsubscribing.
const oneSeen = collector();
await bob.collection("notes").subscribe(diary.id, oneSeen.push);
await unsubscribeAlice();
const later = await alice.collection("notes").create({ title: "later", public: true, owner: aliceId });
await alice.collection("notes").update(diary.id, { public: true });
await bobSeen.waitFor(5);
assert.deepEqual(bobSeen.events.slice(3).map((e) => [e.action, e.record.id]), [
  ["create", later.id], ["update", diary.id],
]);
const one = await oneSeen.waitFor(1);
assert.equal(one[0].record.id, diary.id);
assert.equal(aliceSeen.events.length, 4, "alice unsubscribed");

await bob.realtime.unsubscribe();
await alice.realtime.unsubscribe();
console.log("realtime acceptance: ok");
process.exit(0);
