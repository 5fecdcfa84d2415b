import { it } from "vitest";
import { callJson, simulator } from "../support/api.ts";
import { connectedSetup } from "../support/accounts.ts";
import { percentile, report } from "./report.ts";

const CONCURRENT = 1000;
const CACHED_CALLS = 2000;

it("token broker: 1000 concurrent calls on an expired token, then cached calls", async () => {
  const { tenant, account } = await connectedSetup({ settings: { accessTokenLifetimeSeconds: 120 } });
  await simulator().updateSettings(tenant.tenantId, { accessTokenLifetimeSeconds: 3599, tokenLatencyMs: 20 });
  await simulator().resetCounters(tenant.tenantId);

  const burstStart = performance.now();
  const burst = await Promise.all(
    Array.from({ length: CONCURRENT }, () =>
      callJson<{ accessToken: string }>("POST", `/api/accounts/${account.id}/token`),
    ),
  );
  const burstMs = performance.now() - burstStart;
  const refreshRequests = (await simulator().counters(tenant.tenantId))["token.refresh_token"] ?? 0;
  const distinctTokens = new Set(burst.map((result) => result.body.accessToken)).size;
  const failures = burst.filter((result) => result.status !== 200).length;

  const latencies: number[] = [];
  for (let i = 0; i < CACHED_CALLS; i++) {
    const start = performance.now();
    await callJson("POST", `/api/accounts/${account.id}/token`);
    latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);

  report(`Token broker (workerd, token endpoint answering in 20 ms)`, {
    "concurrent calls": CONCURRENT,
    "refresh requests made": refreshRequests,
    "distinct tokens handed out": distinctTokens,
    "failed calls": failures,
    "burst wall time (ms)": burstMs,
    [`cached call p50 (ms, ${CACHED_CALLS} sequential)`]: percentile(latencies, 50),
    "cached call p99 (ms)": percentile(latencies, 99),
  });
});
