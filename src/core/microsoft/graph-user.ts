/**
 * The signed-in user as Graph `/me` describes them (https://learn.microsoft.com/graph/api/user-get),
 * parsed at the boundary.
 * @module
 */
import * as z from "../zod.ts";
import type { GraphClient } from "./graph-client.ts";

const meSchema = z.object({
  id: z.string().check(z.minLength(1)),
  displayName: z.nullish(z.string()),
  mail: z.nullish(z.string()),
  userPrincipalName: z.nullish(z.string()),
});

/** The signed-in user's id, mailbox address and names (`mail` is null for users without a mailbox). */
export interface GraphUser {
  id: string;
  displayName: string | null;
  mail: string | null;
  userPrincipalName: string | null;
}

export async function getMe(client: GraphClient): Promise<GraphUser> {
  const me = await client.getParsed("/me?$select=id,displayName,mail,userPrincipalName", meSchema, "/me");
  return {
    id: me.id,
    displayName: me.displayName ?? null,
    mail: me.mail ?? null,
    userPrincipalName: me.userPrincipalName ?? null,
  };
}
