// OAuth2 acceptance: the official PocketBase JS SDK's authWithOAuth2Code against a live baas server
// and the test suite's local OpenID Connect provider.
// Usage: BAAS_URL=... SU_EMAIL=... SU_PASSWORD=... IDP_URL=... IDP_CLIENT_ID=... IDP_CLIENT_SECRET=... node oauth2.mjs
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { EventSource } from "eventsource";
import PocketBase from "pocketbase";

globalThis.EventSource = EventSource;

const url = process.env.BAAS_URL;
const idp = process.env.IDP_URL;
const redirectURL = "http://127.0.0.1:9/app/oauth2-callback";

const admin = new PocketBase(url);
await admin.collection("_superusers").authWithPassword(process.env.SU_EMAIL, process.env.SU_PASSWORD);
await admin.collections.update("users", {
  oauth2: {
    enabled: true,
    mappedFields: { name: "name" },
    providers: [{
      name: "oidc",
      displayName: "Local IdP",
      clientId: process.env.IDP_CLIENT_ID,
      clientSecret: process.env.IDP_CLIENT_SECRET,
      authURL: `${idp}/oidc/authorize`,
      tokenURL: `${idp}/oidc/token`,
      extra: { jwksURL: `${idp}/jwks`, issuers: [`${idp}/oidc`] },
    }],
  },
});

const base64url = (buffer) => buffer.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

// The provider item a client would take from auth-methods; built here while auth-methods has no providers.
async function providerItem(pb) {
  const methods = await pb.collection("users").listAuthMethods();
  const listed = methods.oauth2?.providers?.find((p) => p.name === "oidc");
  if (listed) {
    return listed;
  }
  const state = base64url(randomBytes(24));
  const codeVerifier = base64url(randomBytes(32));
  const codeChallenge = base64url(createHash("sha256").update(codeVerifier).digest());
  const query = new URLSearchParams({
    client_id: process.env.IDP_CLIENT_ID, code_challenge: codeChallenge, code_challenge_method: "S256",
    response_type: "code", scope: "openid email profile", state,
  });
  return { state, codeVerifier, authURL: `${idp}/oidc/authorize?${query}&redirect_uri=` };
}

// The browser step: the provider redirects back with the code and our state.
async function authorize(item) {
  const response = await fetch(item.authURL + encodeURIComponent(redirectURL), { redirect: "manual" });
  assert.equal(response.status, 302);
  const back = new URL(response.headers.get("location"));
  assert.equal(back.searchParams.get("state"), item.state, "the state comes back unchanged");
  return back.searchParams.get("code");
}

const pb = new PocketBase(url);
let item = await providerItem(pb);
const auth = await pb.collection("users").authWithOAuth2Code(
  "oidc", await authorize(item), item.codeVerifier, redirectURL, { emailVisibility: true },
);
assert.ok(pb.authStore.isValid, "the SDK stored the token");
assert.equal(pb.authStore.record.id, auth.record.id);
assert.equal(auth.record.email, "ann@example.com");
assert.equal(auth.record.name, "Ann Lee", "mapped from the provider's name");
assert.equal(auth.record.verified, true);
assert.equal(auth.record.emailVisibility, true, "createData applied");
assert.equal(auth.meta.isNew, true);
assert.equal(auth.meta.id, "1001");
assert.equal(auth.meta.email, "ann@example.com");
assert.ok(auth.meta.accessToken && auth.meta.rawUser.sub === "1001");

const refreshed = await pb.collection("users").authRefresh();
assert.equal(refreshed.record.id, auth.record.id);

// Signing in again lands in the same record.
const again = new PocketBase(url);
item = await providerItem(again);
const second = await again.collection("users").authWithOAuth2Code("oidc", await authorize(item), item.codeVerifier, redirectURL);
assert.equal(second.record.id, auth.record.id);
assert.equal(second.meta.isNew, false);

// A code is bound to its PKCE verifier.
const thief = new PocketBase(url);
item = await providerItem(thief);
const code = await authorize(item);
await assert.rejects(
  thief.collection("users").authWithOAuth2Code("oidc", code, item.codeVerifier + "x", redirectURL),
  (err) => err.status === 400 && err.response.message === "Failed to fetch OAuth2 token.",
);
assert.ok(!thief.authStore.isValid);

const links = await admin.collection("_externalAuths").getFullList();
assert.deepEqual(links.map((l) => [l.provider, l.providerId, l.recordRef]), [["oidc", "1001", auth.record.id]]);

// The realtime ("popup") flow: the SDK subscribes to @oauth2, the provider redirects the browser to
// /api/oauth2-redirect, and the server hands the code to the SDK, which exchanges it itself.
let landedOn = "";
const popup = new PocketBase(url);
const viaRedirect = await popup.collection("users").authWithOAuth2({
  provider: "oidc",
  // What a browser window would do: follow the provider's redirect back to /api/oauth2-redirect.
  urlCallback: async (authURL) => {
    const atProvider = await fetch(authURL, { redirect: "manual" });
    assert.equal(atProvider.status, 302);
    const back = new URL(atProvider.headers.get("location"));
    assert.equal(back.origin + back.pathname, `${url}/api/oauth2-redirect`);
    const landed = await fetch(back, { redirect: "manual" });
    assert.equal(landed.status, 307);
    landedOn = new URL(landed.headers.get("location"), back).pathname;
  },
});
assert.equal(landedOn, "/_/auth/oauth2-redirect-success");
assert.ok(popup.authStore.isValid, "the SDK stored the token");
assert.equal(viaRedirect.record.id, auth.record.id);
assert.equal(viaRedirect.meta.isNew, false);

// A provider error reaches the SDK as a rejected promise.
const refused = new PocketBase(url);
await assert.rejects(
  refused.collection("users").authWithOAuth2({
    provider: "oidc",
    urlCallback: async (authURL) => {
      const state = new URL(authURL).searchParams.get("state");
      const landed = await fetch(`${url}/api/oauth2-redirect?state=${state}&error=access_denied`, { redirect: "manual" });
      assert.equal(new URL(landed.headers.get("location"), url).pathname, "/_/auth/oauth2-redirect-failure");
    },
  }),
  (err) => String(err.originalError?.message).includes("access_denied"),
);
assert.ok(!refused.authStore.isValid);

console.log("oauth2 acceptance: ok");
