import { beforeEach, describe, expect, it } from "vitest";
import { GraphClient, GraphError } from "../../src/core/microsoft/graph-client.ts";
import { TestClock } from "../support/clock.ts";
import { inProcessSession, SIM_ORIGIN } from "../support/in-process-simulator.ts";
import type { HttpClient } from "../../src/core/ports.ts";
import type { InProcessSession } from "../support/in-process-simulator.ts";

let session: InProcessSession;
let sent: string[];
let client: GraphClient;

beforeEach(async () => {
  session = await inProcessSession();
  const token = await session.signIn();
  sent = [];
  const http: HttpClient = async (request) => {
    sent.push(request.url);
    return session.sim.handle(request);
  };
  const clock = new TestClock();
  client = new GraphClient({
    http,
    clock,
    sleep: async (ms) => clock.advance(ms),
    baseUrl: `${SIM_ORIGIN}/v1.0`,
    accessToken: async () => token,
  });
});

describe("next and delta links", () => {
  it("are followed on the Graph base URL's origin", async () => {
    const first = await client.request({ method: "GET", path: "/me/mailFolders/inbox/messages/delta" });
    const link = (first.body as Record<string, string>)["@odata.deltaLink"] ?? "";
    expect(link.startsWith(`${SIM_ORIGIN}/`)).toBe(true);
    expect((await client.request({ method: "GET", path: link })).status).toBe(200);
    expect(sent).toHaveLength(2);
  });

  for (const link of [
    "https://rogue.test/v1.0/me/messages/delta?$deltatoken=x",
    "http://sim.test/v1.0/me/messages",
    "https://sim.test:8443/v1.0/me/messages",
  ]) {
    it(`are refused on another origin, with nothing sent: ${link}`, async () => {
      const error = await client.request({ method: "GET", path: link }).then(
        () => null,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(GraphError);
      expect(error).toMatchObject({ code: "foreign_link", status: 0 });
      expect(sent).toEqual([]);
    });
  }
});
