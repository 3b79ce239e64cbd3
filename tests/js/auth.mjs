// Auth acceptance: the official PocketBase JS SDK against a live baas server that mails through the
// test suite's SMTP server. The Python test serves what that server received at MAIL_URL.
// Usage: BAAS_URL=... SU_EMAIL=... SU_PASSWORD=... MAIL_URL=... node auth.mjs
import assert from "node:assert/strict";
import PocketBase, { ClientResponseError } from "pocketbase";

const url = process.env.BAAS_URL;
const password = "js-password-1";
let counter = 0;
const email = (prefix) => `${prefix}${++counter}.${Date.now()}@example.com`;

// The mails received for an address, oldest first (waits until there are `count`).
async function mails(address, count = 1) {
  for (let attempt = 0; attempt < 300; attempt++) {
    const response = await fetch(`${process.env.MAIL_URL}/mails?to=${encodeURIComponent(address)}`);
    const received = await response.json();
    if (received.length >= count) {
      return received;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`expected ${count} mail(s) to ${address}`);
}

const tokenOf = (mail) => mail.links.map((link) => link.match(/\/confirm-[a-z-]+\/([\w.-]+)$/)).find(Boolean)[1];
const codeOf = (mail) => mail.text.match(/\b(\d{6,8})\b/)[1];

async function rejects(promise, status) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ClientResponseError, String(error));
    assert.equal(error.status, status, JSON.stringify(error.response));
    return error;
  }
  throw new Error(`expected a ${status}`);
}

const admin = new PocketBase(url);
await admin.collection("_superusers").authWithPassword(process.env.SU_EMAIL, process.env.SU_PASSWORD);
await admin.collections.update("users", { createRule: "" });
const authIndexes = (name) => [
  `CREATE UNIQUE INDEX idx_${name}_tokenKey ON ${name} (tokenKey)`,
  `CREATE UNIQUE INDEX idx_${name}_email ON ${name} (email) WHERE email != ''`,
];
const otp = { enabled: true, length: 6 };
await admin.collections.create({ name: "otp_people", type: "auth", indexes: authIndexes("otp_people"), otp });
await admin.collections.create({
  name: "mfa_people", type: "auth", indexes: authIndexes("mfa_people"), otp, mfa: { enabled: true, duration: 300 },
});

// 1. Password sign-up, login, refresh, verification through the mailed link.
const pb = new PocketBase(url);
const ann = email("ann");
const created = await pb.collection("users").create({ email: ann, password, passwordConfirm: password, name: "Ann" });
assert.equal(created.verified, false);
const methods = await pb.collection("users").listAuthMethods();
assert.equal(methods.password.enabled, true);
assert.deepEqual(methods.password.identityFields, ["email"]);
const login = await pb.collection("users").authWithPassword(ann, password);
assert.ok(pb.authStore.isValid);
assert.equal(pb.authStore.record.id, created.id);
assert.equal(login.record.email, ann);
const refreshed = await pb.collection("users").authRefresh();
assert.equal(refreshed.record.id, created.id);
assert.equal(pb.authStore.token, refreshed.token);
await rejects(new PocketBase(url).collection("users").authWithPassword(ann, "wrong-password"), 400);
await pb.collection("users").requestVerification(ann);
await pb.collection("users").confirmVerification(tokenOf((await mails(ann))[0]));
assert.equal((await pb.collection("users").authRefresh()).record.verified, true);

// 2. OTP sign-in with the mailed code.
const otpPerson = email("otp");
await admin.collection("otp_people").create({ email: otpPerson, password, passwordConfirm: password });
const viaOtp = new PocketBase(url);
const { otpId } = await viaOtp.collection("otp_people").requestOTP(otpPerson);
const otpAuth = await viaOtp.collection("otp_people").authWithOTP(otpId, codeOf((await mails(otpPerson))[0]));
assert.equal(otpAuth.record.email, otpPerson);
assert.equal(otpAuth.record.verified, true, "the code proved the address");
assert.ok(viaOtp.authStore.isValid);
await rejects(new PocketBase(url).collection("otp_people").authWithOTP(otpId, "000000"), 400);

// 3. MFA: the password answers 401 {mfaId}; an OTP completes the sign-in.
const mfaPerson = email("mfa");
await admin.collection("mfa_people").create({ email: mfaPerson, password, passwordConfirm: password });
const viaMfa = new PocketBase(url);
const first = await rejects(viaMfa.collection("mfa_people").authWithPassword(mfaPerson, password), 401);
const mfaId = first.response.mfaId;
assert.match(mfaId, /^[a-z0-9]{15}$/);
assert.equal(viaMfa.authStore.isValid, false);
const second = await viaMfa.collection("mfa_people").requestOTP(mfaPerson);
const mfaAuth = await viaMfa.collection("mfa_people").authWithOTP(
  second.otpId, codeOf((await mails(mfaPerson))[0]), { mfaId },
);
assert.equal(mfaAuth.record.email, mfaPerson);
assert.ok(viaMfa.authStore.isValid);

// 4. Password reset through the mailed link; older tokens stop working.
const oldToken = pb.authStore.token;
await new PocketBase(url).collection("users").requestPasswordReset(ann);
const resetMail = (await mails(ann, 2))[1];
assert.match(resetMail.subject, /Reset your .* password/);
await new PocketBase(url).collection("users").confirmPasswordReset(tokenOf(resetMail), "js-new-pass-1", "js-new-pass-1");
await rejects(pb.collection("users").authRefresh(), 401);
assert.equal(pb.authStore.token, oldToken);
await pb.collection("users").authWithPassword(ann, "js-new-pass-1");

// 5. Email change: the link goes to the new address; confirm with the password.
const annNew = email("ann-new");
await pb.collection("users").requestEmailChange(annNew);
const changeMail = (await mails(annNew))[0];
await new PocketBase(url).collection("users").confirmEmailChange(tokenOf(changeMail), "js-new-pass-1");
await rejects(pb.collection("users").authRefresh(), 401);
const moved = await pb.collection("users").authWithPassword(annNew, "js-new-pass-1");
assert.equal(moved.record.email, annNew);
assert.equal((await mails(ann)).length, 2, "nothing about the change went to the old address");

// 6. Impersonation: a client signed in as the record, with a token that is not refreshed.
const impersonated = await admin.collection("users").impersonate(created.id, 3600);
assert.equal(impersonated.authStore.record.id, created.id);
const seen = await impersonated.collection("users").getOne(created.id);
assert.equal(seen.email, annNew);
const token = impersonated.authStore.token;
const echoed = await impersonated.collection("users").authRefresh();
assert.equal(echoed.token, token, "impersonation tokens come back unchanged");
await rejects(pb.collection("users").impersonate(created.id, 60), 403);

console.log("auth acceptance: ok");
