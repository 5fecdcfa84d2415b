import { describe, expect, it } from "vitest";
import { checkOutboundUrl, normalizeUrl, pinnedHttp } from "../../src/core/egress.ts";
import { postToWebhook } from "../../src/core/jira/webhook-client.ts";
import { SYSTEM_CLOCK } from "../../src/core/ports.ts";
import { inProcessSession } from "../support/in-process-simulator.ts";
import type { HttpClient } from "../../src/core/ports.ts";

const STRICT = { allowHttpLoopback: false };
const LOOPBACK = { allowHttpLoopback: true };

describe("checkOutboundUrl", () => {
  const refused: [string, RegExp][] = [
    ["https://10.1.2.3/hook", /private/],
    ["https://172.16.0.1/hook", /private/],
    ["https://172.31.255.255/hook", /private/],
    ["https://192.168.1.1/hook", /private/],
    ["https://169.254.169.254/latest/meta-data", /private/],
    ["https://100.64.0.1/hook", /private/],
    ["https://127.0.0.1/hook", /private/],
    ["https://0.0.0.0/hook", /private/],
    ["https://0x7f000001/hook", /private/],
    ["https://2130706433/hook", /private/],
    ["https://[::1]/hook", /private/],
    ["https://[::]/hook", /private/],
    ["https://[fd12:3456::1]/hook", /private/],
    ["https://[fc00::1]/hook", /private/],
    ["https://[fe80::1]/hook", /private/],
    ["https://[::ffff:10.0.0.1]/hook", /private/],
    ["https://[::ffff:169.254.169.254]/hook", /private/],
    ["https://[64:ff9b::a9fe:a9fe]/hook", /private/],
    ["https://metadata.google.internal/computeMetadata/v1/", /internal host name/],
    ["https://metadata/computeMetadata/v1/", /internal host name/],
    ["https://localhost/hook", /internal host name/],
    ["https://printer.local/hook", /internal host name/],
    ["http://example.atlassian.net/hook", /must be an https URL$/],
    ["https://user:pass@example.atlassian.net/hook", /user name or password/],
    ["not a url", /must be an https URL$/],
  ];
  for (const [url, problem] of refused) {
    it(`refuses ${url}`, () => {
      expect(checkOutboundUrl(url, STRICT)).toMatch(problem);
    });
  }

  it("lets public https hosts through, and loopback only where allowed", () => {
    for (const url of [
      "https://automation.atlassian.com/pro/hooks/abc",
      "https://172.32.0.1/hook",
      "https://[2606:4700::1111]/hook",
      "https://8.8.8.8/hook",
    ]) {
      expect(checkOutboundUrl(url, STRICT)).toBeNull();
    }
    for (const url of ["http://127.0.0.1:8788/hook", "http://localhost:8788/hook", "http://[::1]:8788/hook"]) {
      expect(checkOutboundUrl(url, STRICT)).not.toBeNull();
      expect(checkOutboundUrl(url, LOOPBACK)).toBeNull();
    }
    expect(checkOutboundUrl("http://10.0.0.1/hook", LOOPBACK)).toMatch(/https URL \(or http on a loopback address\)/);
  });

  it("normalises what it stores", () => {
    expect(normalizeUrl("HTTPS://Automation.Atlassian.COM:443/pro/hooks/../hooks/abc")).toBe(
      "https://automation.atlassian.com/pro/hooks/abc",
    );
  });
});

describe("pinnedHttp", () => {
  it("checks each request as it is sent, so a webhook stored under looser rules is refused, not posted", async () => {
    const session = await inProcessSession();
    const hook = await session.control.createHook({ token: null });
    const http: HttpClient = (request) => session.sim.handle(request);
    const request = {
      url: `http://127.0.0.1:8788/jira/hooks/${hook.id}`,
      token: null,
      idempotencyKey: "k",
      body: "{}",
    };
    expect(await postToWebhook(request, { http: pinnedHttp(http, LOOPBACK), clock: SYSTEM_CLOCK })).toMatchObject({
      kind: "delivered",
    });
    const refused = await postToWebhook(request, { http: pinnedHttp(http, STRICT), clock: SYSTEM_CLOCK });
    expect(refused).toEqual({
      kind: "reject",
      status: 0,
      error: expect.stringMatching(/^webhook URL refused: http:\/\/127\.0\.0\.1:8788 must be an https URL/),
    });
    expect((await session.control.hook(hook.id)).requests).toHaveLength(1);
  });
});
