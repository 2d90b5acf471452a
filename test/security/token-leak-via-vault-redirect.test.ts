/**
 * Threat: Vault (or whatever answers at its address: a compromised proxy, a misrouted load
 * balancer) redirects the provider to another host, which would then receive the pod's JWT on
 * login or its Vault token on a read. Control: the provider never follows redirects.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { Agent, request } from 'undici';
import { spcParameters, startHarness } from '../support/harness.js';
import { failureOf, startRecordingServer } from './attack-kit.js';

const OBJECTS = '- {objectName: u, secretPath: secret/data/app, secretKey: username}';

describe('threat: token leak through a redirect from Vault to another host', () => {
  test('a 307 on login or on a read is not followed; the other host sees nothing; no files', async () => {
    const h = await startHarness();
    const elsewhere = await startRecordingServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"data":{"data":{"username":"from-the-attacker"}}}');
    });
    // In front of the dev Vault: logins redirect in the first phase; later logins are proxied
    // and every read redirects (with the pod's Vault token in the original request).
    let redirectLogins = true;
    // Its own agent, closed at the end: a pooled keep-alive socket would hold the test open.
    const upstreamAgent = new Agent();
    const front = await startRecordingServer(async (recorded, response) => {
      if (recorded.url.endsWith('/login') && !redirectLogins) {
        const upstream = await request(`${h.vault.address}${recorded.url}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: recorded.body,
          dispatcher: upstreamAgent,
        });
        response.writeHead(upstream.statusCode, { 'content-type': 'application/json' });
        response.end(await upstream.body.text());
        return;
      }
      response.writeHead(307, { location: `${elsewhere.address}${recorded.url}` });
      response.end();
    });
    try {
      for (const phase of ['login', 'read']) {
        redirectLogins = phase === 'login';
        const target = h.target();
        const failure = await failureOf(
          h.mount(h.appPod(), spcParameters(OBJECTS, { vaultAddress: front.address }), target),
        );
        assert.notEqual(failure.code, status.OK);
        if (phase === 'read') assert.match(failure.details ?? '', /redirect \(HTTP 307\).*does not follow/);
        assert.equal(existsSync(`${target}/u`), false, `no file after a redirected ${phase}`);
      }
      assert.ok(
        front.requests.some((recorded) => recorded.url.includes('/secret/data/app')),
        'the read was tried',
      );
      assert.equal(elsewhere.requests.length, 0, 'the other host never received a JWT or a Vault token');
    } finally {
      await h.stop();
      await front.close();
      await elsewhere.close();
      await upstreamAgent.close();
    }
  });
});
