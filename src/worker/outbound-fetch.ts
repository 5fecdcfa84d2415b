/**
 * The `fetch` that the core's clients get in the Worker: every request checked against the egress
 * rules (`src/core/egress.ts`) with the settings in force, just before it leaves.
 * @module
 */
import { pinnedHttp } from "../core/egress.ts";
import type { HttpClient } from "../core/ports.ts";
import type { Settings } from "./settings.ts";

export function outboundFetch(settings: Pick<Settings, "endpointPolicy">): HttpClient {
  return pinnedHttp((request) => fetch(request), { allowHttpLoopback: settings.endpointPolicy.allowHttpLoopback });
}
