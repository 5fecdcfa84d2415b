/**
 * Cloudflare fires the Worker's cron (`* * * * *` in `wrangler.toml`) at the start of every minute;
 * `wrangler dev` does not, it only offers `GET /__scheduled` with `--test-scheduled`
 * (https://developers.cloudflare.com/workers/configuration/cron-triggers/#test-cron-triggers-locally).
 * This ticker calls it at the start of every minute, so local runs behave as deployed ones.
 * @module
 */

const MINUTE_MS = 60_000;

export interface CronTicker {
  stop(): void;
}

/** Calls `${workerUrl}/__scheduled` at the start of every minute until stopped; failures are reported, not fatal. */
export function startCronTicker(workerUrl: string, options: { onError: (message: string) => void }): CronTicker {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async (): Promise<void> => {
    try {
      const response = await fetch(`${workerUrl}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
      await response.body?.cancel();
      if (!response.ok) {
        options.onError(`the cron tick answered ${response.status}`);
      }
    } catch (error) {
      options.onError(`the cron tick failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const schedule = (): void => {
    timer = setTimeout(
      () => {
        void tick();
        schedule();
      },
      MINUTE_MS - (Date.now() % MINUTE_MS),
    );
  };
  schedule();
  return {
    stop: () => clearTimeout(timer),
  };
}
