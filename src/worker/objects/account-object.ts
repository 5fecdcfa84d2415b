/**
 * One object per connected mailbox, holding its tokens and status.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";

export class AccountObject extends DurableObject<Env> {}
