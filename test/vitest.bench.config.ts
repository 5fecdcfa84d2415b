import { PUSH_BINDINGS, workerdConfig } from "./vitest.config.ts";

/**
 * `npm run bench`: benchmarks run in workerd like the tests, one file at a time, and print figures.
 * `PUBLIC_URL` is set so that push can be measured; benchmarks of polling alone turn push off.
 */
export default workerdConfig({
  include: ["test/bench/**/*.bench.ts"],
  fileParallelism: false,
  testTimeout: 900_000,
  hookTimeout: 300_000,
  bindings: PUSH_BINDINGS,
});
