import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { it } from "vitest";
import { readStoredConfig } from "../../src/core/handlers/handler.ts";
import { newId } from "../../src/core/ids.ts";
import { HandlerTables } from "../../src/worker/objects/handler-tables.ts";
import { report } from "./report.ts";

const MESSAGES = 100_000;

it("handler storage per 100,000 messages seen, retained and after retention", async () => {
  const id = newId("handler");
  const figures = await runInDurableObject(env.HANDLERS.getByName(id), (_instance, state) => {
    const tables = new HandlerTables(state.storage.sql);
    tables.create(
      id,
      {
        config: readStoredConfig(
          JSON.stringify({ name: "bench", accountId: "acct_bench", webhookUrl: "https://example.com/hook" }),
        ),
        webhookToken: null,
        mailboxAddress: "support@contoso.com",
        accountLabel: "bench",
      },
      null,
      new Date().toISOString(),
    );
    const fill = (round: number): void => {
      for (let index = 0; index < MESSAGES; index++) {
        const messageId = `AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A${round}-${index}-${"x".repeat(100)}`;
        tables.recordPending(
          {
            messageId,
            dedupeKey: `<${round}.${index}.${crypto.randomUUID()}@mail.example.com>`,
            internetMessageId: `<${round}.${index}@mail.example.com>`,
            conversationId: `AAQkAGI2TG93AAA${index % 500}`,
            subject: `[OPS-${index}] The printer on the third floor is jammed again`,
            from: "someone.with.a.long.name@customer.example.com",
            receivedAt: new Date().toISOString(),
          },
          "",
          { now: 0 },
        );
        tables.recordDelivered(messageId, { attempts: 1, status: 200, now: 0 });
        tables.recordAfterProcessed([messageId]);
      }
    };
    const size = (): number => state.storage.sql.databaseSize;
    const empty = size();
    fill(1);
    const retained = size();
    tables.compact({ before: 1, limit: MESSAGES });
    const compactedOnce = size();
    // Past retention the freed pages are used again: a second 100,000 costs only their hashes.
    fill(2);
    tables.compact({ before: 1, limit: MESSAGES });
    const compactedTwice = size();
    return { empty, retained, compactedOnce, compactedTwice };
  });
  const perMessage = (bytes: number): number => bytes / MESSAGES;
  report(`Handler storage, ${MESSAGES.toLocaleString("en")} delivered messages (SQLite file size)`, {
    "bytes per message while retained": perMessage(figures.retained - figures.empty),
    "MB per 100,000 while retained": (figures.retained - figures.empty) / 1048576,
    "MB for the next 100,000 once past retention": (figures.compactedTwice - figures.compactedOnce) / 1048576,
    "bytes per message past retention (hashes)": perMessage(figures.compactedTwice - figures.compactedOnce),
  });
}, 600_000);
