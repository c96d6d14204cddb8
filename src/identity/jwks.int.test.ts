/** The OIDC key cache against a real (test) issuer over HTTP, with a controllable clock. */
import { expect, test } from "bun:test";
import { startIdp } from "../testing/idp";
import { RemoteJwks } from "./jwks";
import { createVerifier } from "./verifier";

test("keys are served stale while the issuer is down, but only up to the staleness bound", async () => {
  await using idp = await startIdp();
  let now = 1_000_000;
  const jwks = new RemoteJwks({ issuer: idp.issuer, ttlMs: 300_000, maxStaleMs: 3_600_000, cooldownMs: 10_000, now: () => now });
  const verify = createVerifier({ issuer: idp.issuer, audience: idp.audience, keys: jwks.getKey });
  // Verified tokens are cached for a minute: each step presents a token not seen before.
  const [t1, t2, t3, t4] = await Promise.all([1, 2, 3, 4].map(() => idp.mint({ jti: crypto.randomUUID() }, { expiresIn: "2h" })));

  expect((await verify(t1!)).tenantId).toBe("acme");
  expect(idp.jwksRequests).toBe(1);

  idp.setDown(true);
  now += 600_000; // past the refresh interval: a refresh is tried, fails, the cached keys still serve
  expect((await verify(t2!)).subject).toBe("user-1");

  now += 3_600_000; // past the staleness bound: refuse rather than trust keys that may be revoked
  await expect(verify(t3!)).rejects.toMatchObject({ code: "UNAVAILABLE" });

  idp.setDown(false);
  expect((await verify(t4!)).subject).toBe("user-1");
});

test("a key the issuer dropped stops verifying after the next refresh", async () => {
  await using idp = await startIdp();
  let now = 0;
  const jwks = new RemoteJwks({ issuer: idp.issuer, ttlMs: 300_000, now: () => now });
  const verify = createVerifier({ issuer: idp.issuer, audience: idp.audience, keys: jwks.getKey });
  const [old1, old2, old3] = await Promise.all([1, 2, 3].map(() => idp.mint({ jti: crypto.randomUUID() }, { expiresIn: "2h" })));
  await verify(old1!);
  await idp.rotate({ drop: true });
  now += 301_000;
  await verify(old2!); // still the cached keys; this request starts a refresh in the background
  await Bun.sleep(100);
  await expect(verify(old3!)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  expect((await verify(await idp.mint())).subject).toBe("user-1");
});

test("a remembered token still expires on time", async () => {
  await using idp = await startIdp();
  const verify = createVerifier({ issuer: idp.issuer, audience: idp.audience, keys: new RemoteJwks({ issuer: idp.issuer }).getKey, clockSkewSeconds: 0 });
  const token = await idp.mint({ exp: Math.floor(Date.now() / 1000) + 1 });
  expect((await verify(token)).subject).toBe("user-1");
  expect((await verify(token)).subject).toBe("user-1"); // from the cache
  await Bun.sleep(1_100);
  await expect(verify(token)).rejects.toMatchObject({ code: "UNAUTHORIZED", details: { reason: "expired" } });
});
