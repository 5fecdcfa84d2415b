import { workerdConfig } from "./vitest.config.ts";

/** `npm run bench`: benchmarks run in workerd like the tests, one file at a time, and print figures. */
export default workerdConfig({ include: ["test/bench/**/*.bench.ts"], fileParallelism: false, testTimeout: 300_000 });
