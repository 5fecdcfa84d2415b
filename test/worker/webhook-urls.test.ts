import { beforeAll, describe, expect, it } from "vitest";
import { callJson } from "../support/api.ts";
import { createHandler, handlerBody, handlerWorld } from "../support/handlers.ts";
import type { HandlerView } from "../../src/core/handlers/handler.ts";
import type { HandlerWorld } from "../support/handlers.ts";

let world: HandlerWorld;

beforeAll(async () => {
  world = await handlerWorld();
});

describe("webhook URLs", () => {
  for (const url of [
    "https://10.0.0.7/hooks/x",
    "https://169.254.169.254/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://[fd00::1]/hooks/x",
    "https://100.64.1.1/hooks/x",
    "https://192.168.0.10/hooks/x",
  ]) {
    it(`refuses ${url} with a 400 naming webhookUrl, storing nothing`, async () => {
      const before = (await callJson<{ items: HandlerView[] }>("GET", "/api/handlers")).body.items.length;
      const { status, body } = await callJson<{ errors: { path: string; message: string }[] }>(
        "POST",
        "/api/handlers",
        {
          body: handlerBody(world, { webhookUrl: url }),
        },
      );
      expect(status).toBe(400);
      expect(body.errors).toEqual([
        { path: "webhookUrl", message: expect.stringMatching(/^webhookUrl must not point at an? (private|internal)/) },
      ]);
      expect((await callJson<{ items: HandlerView[] }>("GET", "/api/handlers")).body.items).toHaveLength(before);
    });
  }

  it("refuses the same on a patch", async () => {
    const handler = await createHandler(world);
    const { status, body } = await callJson<{ errors: { path: string }[] }>("PATCH", `/api/handlers/${handler.id}`, {
      body: { webhookUrl: "https://172.20.0.1/hooks/x" },
    });
    expect(status).toBe(400);
    expect(body.errors[0]?.path).toBe("webhookUrl");
  });

  it("stores the URL normalised", async () => {
    const url = new URL(world.hook.url);
    const handler = await createHandler(world, {
      webhookUrl: `${url.protocol}//${url.host}/jira/x/../hooks/${url.pathname.split("/").at(-1)}`,
    });
    expect(handler.webhookUrl).toBe(world.hook.url);
  });

  it("drops the stored webhook token when the URL moves to another origin, unless a new one comes with it", async () => {
    const handler = await createHandler(world);
    expect(handler.webhookTokenSet).toBe(true);
    const samePlace = await callJson<HandlerView>("PATCH", `/api/handlers/${handler.id}`, {
      body: { webhookUrl: `${world.hook.url}?rule=2` },
    });
    expect(samePlace.body.webhookTokenSet).toBe(true);
    const elsewhere = world.hook.url.replace("127.0.0.1", "localhost");
    const moved = await callJson<HandlerView>("PATCH", `/api/handlers/${handler.id}`, {
      body: { webhookUrl: elsewhere },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.webhookTokenSet).toBe(false);
    const withToken = await callJson<HandlerView>("PATCH", `/api/handlers/${handler.id}`, {
      body: { webhookUrl: world.hook.url, webhookToken: "new-token" },
    });
    expect(withToken.body.webhookTokenSet).toBe(true);
  });
});
